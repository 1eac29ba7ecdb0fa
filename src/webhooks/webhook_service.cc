// Completion webhooks (see webhook_service.h).
#include "webhooks/webhook_service.h"

#include <algorithm>

#include "base/crypto.h"
#include "webhooks/callback_url.h"
#include "webhooks/sender.h"
#include "webhooks/signature.h"

namespace vmsg::webhooks {
namespace {

// Infrastructure failures of one attempt (the state store down) are retried by the queue.
constexpr int kAttemptJobRetries = 3;

// The delivery job of `attempt`: a UUID-shaped id derived from the task, so that queueing the
// same attempt twice (a crash and a redelivery) finds the first.
std::string AttemptJobId(const std::string& task_id, int attempt) {
  std::string h = Sha256Hex(task_id + "/webhook/" + std::to_string(attempt)).substr(0, 32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Json DeliveryBody(const state::TaskResult& result) {
  Json body = {{"task_id", result.task_id},
               {"status", std::string(state::TaskStatusName(result.status))}};
  if (result.status == state::TaskStatus::kSuccess) {
    body["result"] = result.result;
  } else {
    const Json& r = result.result;
    body["error"] = {
        {"type", r.is_object() && r.contains("exc_type") ? r["exc_type"] : Json("Error")},
        {"message", r.is_object() && r.contains("exc_message") ? r["exc_message"] : Json("")}};
  }
  return body;
}

WebhookService::WebhookService(state::WebhookStore& store, state::JobQueue& queue,
                               const Clock& clock, const Logger& logger, WebhookOptions options)
    : store_(store), queue_(queue), clock_(clock), logger_(logger), options_(std::move(options)) {
  if (options_.retry_delays.empty()) options_.retry_delays = WebhookOptions().retry_delays;
}

Status WebhookService::CheckCallbackUrl(std::string_view url) const {
  if (options_.secret.empty()) {
    return Status::InvalidArgument(
        "this server sends no webhooks: the operator has not set VMSG_WEBHOOK_SECRET",
        "webhooks_disabled");
  }
  VMSG_ASSIGN_OR_RETURN(CallbackUrl parsed, ParseCallbackUrl(url));
  return ResolveCallbackUrl(parsed, options_.allow_private).status();
}

Status WebhookService::Register(const std::string& task_id, const std::string& url) {
  state::WebhookDelivery delivery;
  delivery.task_id = task_id;
  delivery.url = url;
  return Save(delivery);
}

Status WebhookService::OnTaskEnded(const state::Job& job, const state::TaskResult& result) {
  const auto url = job.args.find(kCallbackUrlArg);
  if (url == job.args.end() || !url->is_string() || url->get<std::string>().empty()) {
    return Status::Ok();
  }
  const TimePoint ended_at = result.date_done.value_or(clock_.Now());
  // The record turns pending before the first attempt is queued, so that an attempt that
  // runs at once on another thread is never overwritten by this. A job that ends a second
  // time (after a crash) finds the record past waiting and queues the same attempt again,
  // which the queue already holds or the record makes a no-op.
  Result<state::WebhookDelivery> existing = store_.Get(job.task_id);
  if (!existing.ok() && !existing.status().IsNotFound()) return existing.status();
  state::WebhookDelivery delivery =
      existing.ok() ? *existing : state::WebhookDelivery{.task_id = job.task_id};
  if (delivery.state == state::WebhookState::kWaiting) {
    delivery.url = url->get<std::string>();
    delivery.state = state::WebhookState::kPending;
    delivery.task_ended_at = ended_at;
    delivery.next_attempt_at = clock_.Now();
    VMSG_RETURN_IF_ERROR(Save(delivery));
  }
  return QueueAttempt(job.task_id, url->get<std::string>(), DeliveryBody(result), 0, ended_at, {});
}

Status WebhookService::OnTaskRevoked(const state::TaskResult& result) {
  Result<state::WebhookDelivery> waiting = store_.Get(result.task_id);
  if (!waiting.ok()) return waiting.status().IsNotFound() ? Status::Ok() : waiting.status();
  state::Job job;
  job.task_id = result.task_id;
  job.args = {{std::string(kCallbackUrlArg), waiting->url}};
  return OnTaskEnded(job, result);
}

Status WebhookService::QueueAttempt(const std::string& task_id, const std::string& url,
                                    const Json& body, int attempt, TimePoint ended_at,
                                    Duration delay) {
  state::JobSpec spec;
  spec.task_id = AttemptJobId(task_id, attempt);
  spec.task_name = std::string(kDeliveryTaskName);
  spec.args = {{"task_id", task_id},
               {"url", url},
               {"body", body},
               {"attempt", attempt},
               {"task_ended_at", FormatIso8601Millis(ended_at)}};
  spec.delay = delay;
  spec.max_retries = kAttemptJobRetries;
  Status queued = queue_.Enqueue(spec);
  if (queued.code() == StatusCode::kAlreadyExists) return Status::Ok();
  return queued;
}

Status WebhookService::Save(state::WebhookDelivery& delivery) {
  delivery.updated_at = clock_.Now();
  return store_.Put(delivery);
}

worker::TaskHandler WebhookService::DeliveryHandler() {
  return [this](worker::TaskContext& ctx) { return Attempt(ctx.job()); };
}

Result<Json> WebhookService::Attempt(const state::Job& job) {
  const Json& args = job.args;
  VMSG_ASSIGN_OR_RETURN(std::string task_id, GetString(args, "task_id"));
  VMSG_ASSIGN_OR_RETURN(std::string url, GetString(args, "url"));
  VMSG_ASSIGN_OR_RETURN(int64_t attempt, GetInt(args, "attempt"));
  VMSG_ASSIGN_OR_RETURN(std::string ended_text, GetString(args, "task_ended_at"));
  const std::optional<TimePoint> ended_at = ParseIso8601AssumingUtc(ended_text);
  if (!ended_at || !args.contains("body")) {
    return Status::InvalidArgument("webhook job " + job.task_id + " is malformed");
  }
  Result<state::WebhookDelivery> stored = store_.Get(task_id);
  if (!stored.ok() && !stored.status().IsNotFound()) return stored.status();
  state::WebhookDelivery delivery =
      stored.ok() ? *stored
                  : state::WebhookDelivery{.task_id = task_id,
                                           .url = url,
                                           .state = state::WebhookState::kPending,
                                           .task_ended_at = *ended_at};
  if (delivery.state == state::WebhookState::kDelivered ||
      delivery.state == state::WebhookState::kFailed || delivery.attempts > attempt) {
    return Json{{"skipped", std::string(state::WebhookStateName(delivery.state))}};
  }
  const TimePoint now = clock_.Now();
  auto give_up = [&](std::string why) -> Result<Json> {
    delivery.state = state::WebhookState::kFailed;
    delivery.last_error = std::move(why);
    delivery.next_attempt_at.reset();
    VMSG_RETURN_IF_ERROR(Save(delivery));
    logger_.Warning("webhook", "delivery given up",
                    {{"task_id", task_id}, {"error", delivery.last_error}});
    return Json{{"state", "failed"}};
  };
  const TimePoint deadline = *ended_at + options_.give_up_after;
  if (now >= deadline) return give_up("no 2xx answer within the retry window");

  Result<CallbackUrl> parsed = ParseCallbackUrl(url);
  if (!parsed.ok()) return give_up(parsed.status().message());
  Result<std::vector<std::string>> addresses = ResolveCallbackUrl(*parsed, options_.allow_private);
  if (!addresses.ok() && addresses.status().reason() == "callback_url_refused") {
    return give_up(addresses.status().message());
  }
  PostOutcome outcome;
  if (!addresses.ok()) {
    outcome.error = addresses.status().message();
  } else {
    const std::string body = args["body"].dump();
    outcome = PostJson(
        *parsed, addresses->front(), body,
        {{std::string(kSignatureHeader), SignatureHeader(options_.secret, UnixSeconds(now), body)},
         {"User-Agent", options_.user_agent},
         {"X-Vmsg-Task-Id", task_id}},
        options_.timeout);
  }
  delivery.attempts = static_cast<int>(attempt) + 1;
  delivery.last_http_status = outcome.http_status;
  delivery.last_error = outcome.delivered() ? ""
                        : outcome.error.empty()
                            ? "the receiver answered " + std::to_string(outcome.http_status)
                            : outcome.error;
  if (outcome.delivered()) {
    delivery.state = state::WebhookState::kDelivered;
    delivery.delivered_at = now;
    delivery.next_attempt_at.reset();
    VMSG_RETURN_IF_ERROR(Save(delivery));
    return Json{{"state", "delivered"}, {"http_status", outcome.http_status}};
  }
  const size_t index = std::min<size_t>(attempt, options_.retry_delays.size() - 1);
  const Duration delay = options_.retry_delays[index];
  if (now + delay >= deadline) return give_up(delivery.last_error);
  // The next attempt is queued before this one is recorded as made: a crash in between
  // repeats this attempt rather than losing the next.
  VMSG_RETURN_IF_ERROR(
      QueueAttempt(task_id, url, args["body"], delivery.attempts, *ended_at, delay));
  delivery.state = state::WebhookState::kPending;
  delivery.next_attempt_at = now + delay;
  VMSG_RETURN_IF_ERROR(Save(delivery));
  logger_.Info(
      "webhook", "delivery failed; retrying",
      {{"task_id", task_id}, {"attempt", delivery.attempts}, {"error", delivery.last_error}});
  return Json{{"state", "pending"}, {"http_status", outcome.http_status}};
}

}  // namespace vmsg::webhooks
