// Completion webhooks: a generation submitted with a `callback_url` is POSTed to it when it
// ends (SUCCESS, FAILURE or REVOKED) as JSON {task_id, status, result | error}, signed with
// X-Vmsg-Signature (signature.h). Each attempt is a job on the task queue
// (kDeliveryTaskName), so deliveries outlive a restart; a failed attempt queues the next
// after the next of `retry_delays`, until `give_up_after` from the task's end. The record
// webhook:{task_id} (state::WebhookDelivery) tells the status route how it went.
//
// Never twice after a 2xx: an attempt first reads the record and does nothing once it says
// delivered (or once a later attempt was made); after a 2xx it is marked delivered before
// the job is acknowledged. (A crash between the receiver's 2xx and that write is the one
// window in which the receiver can see a delivery again; the task id is its idempotency
// key.)
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "state/state.h"
#include "worker/worker_pool.h"

namespace vmsg::webhooks {

inline constexpr std::string_view kDeliveryTaskName = "vmsg.deliver_webhook";
// The job argument (of a generation) that names its receiver.
inline constexpr std::string_view kCallbackUrlArg = "callback_url";

struct WebhookOptions {
  std::string secret;  // VMSG_WEBHOOK_SECRET; empty: callback URLs are refused
  bool allow_private = false;
  // The waits before the second, third, ... attempt; the last repeats.
  std::vector<Duration> retry_delays = {std::chrono::seconds(10), std::chrono::seconds(30),
                                        std::chrono::minutes(2),  std::chrono::minutes(10),
                                        std::chrono::minutes(30), std::chrono::hours(1),
                                        std::chrono::hours(2),    std::chrono::hours(4)};
  Duration give_up_after = std::chrono::hours(24);
  std::chrono::milliseconds timeout{10'000};
  std::string user_agent = "vmsg";
};

// The body a receiver gets: {task_id, status, result} on SUCCESS, {task_id, status, error:
// {type, message}} otherwise.
Json DeliveryBody(const state::TaskResult& result);

class WebhookService {
 public:
  WebhookService(state::WebhookStore& store, state::JobQueue& queue, const Clock& clock,
                 const Logger& logger, WebhookOptions options);

  // For a generation's request: the URL's shape and destination (callback_url.h), and
  // InvalidArgument "webhooks_disabled" when no secret is configured.
  Status CheckCallbackUrl(std::string_view url) const;

  // Records that task `task_id` will call `url` back (state waiting).
  Status Register(const std::string& task_id, const std::string& url);

  // The worker pool's on_task_ended: when the ended job carries a callback URL, queues the
  // first delivery and marks the record pending. Idempotent (a job that ends twice after a
  // crash queues one delivery).
  Status OnTaskEnded(const state::Job& job, const state::TaskResult& result);

  // For a task revoked before it started (no job left to carry the URL): queues the
  // delivery when a waiting record names a receiver. OK when there is none.
  Status OnTaskRevoked(const state::TaskResult& result);

  // The handler of kDeliveryTaskName jobs.
  worker::TaskHandler DeliveryHandler();

 private:
  Status QueueAttempt(const std::string& task_id, const std::string& url, const Json& body,
                      int attempt, TimePoint ended_at, Duration delay);
  Result<Json> Attempt(const state::Job& job);
  Status Save(state::WebhookDelivery& delivery);

  state::WebhookStore& store_;
  state::JobQueue& queue_;
  const Clock& clock_;
  const Logger& logger_;
  WebhookOptions options_;
};

}  // namespace vmsg::webhooks
