// Backend-independent parts of the state records: names, JSON forms, retry backoff.
#include "state/state.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

namespace vmsg::state {
namespace {

Json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? Json(FormatIso8601Millis(*t)) : Json(nullptr);
}

Result<TimePoint> TimeField(const Json& json, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(std::string text, GetString(json, key));
  auto t = ParseIso8601AssumingUtc(text);  // Celery's own records have naive times
  if (!t) {
    return Status::InvalidArgument("field '" + std::string(key) + "' is not an ISO 8601 time",
                                   "invalid_field");
  }
  return *t;
}

Result<std::optional<TimePoint>> OptionalTimeField(const Json& json, std::string_view key) {
  if (!json.contains(key) || json[key].is_null()) return std::optional<TimePoint>();
  VMSG_ASSIGN_OR_RETURN(TimePoint t, TimeField(json, key));
  return std::optional<TimePoint>(t);
}

}  // namespace

Status ValidateJobSpec(const JobSpec& spec) {
  if (spec.task_id.empty()) return Status::InvalidArgument("job needs a task id");
  if (spec.task_name.empty()) return Status::InvalidArgument("job needs a task name");
  if (spec.priority < kMinPriority || spec.priority > kMaxPriority) {
    return Status::InvalidArgument("job priority must be 0..9, not " +
                                   std::to_string(spec.priority));
  }
  if (spec.max_retries < 0) return Status::InvalidArgument("max_retries must not be negative");
  return Status::Ok();
}

Status CheckBatch(int max_jobs) {
  if (max_jobs < 1 || max_jobs > kMaxFetchBatch) {
    return Status::InvalidArgument("a fetch takes 1.." + std::to_string(kMaxFetchBatch) +
                                   " jobs, not " + std::to_string(max_jobs));
  }
  return Status::Ok();
}

Status ValidateProgress(const Progress& progress) {
  if (progress.task_id.empty()) return Status::InvalidArgument("progress needs a task id");
  if (progress.percentage < -1 || progress.percentage > 100) {
    return Status::InvalidArgument("progress percentage must be -1..100, not " +
                                   std::to_string(progress.percentage));
  }
  return Status::Ok();
}

std::function<double()> DefaultJitter() {
  return [engine = std::mt19937_64(std::random_device{}())]() mutable {
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

Duration RetryBackoff(int attempt, double jitter_unit) {
  const double n = attempt + 1;
  const double base = std::pow(n, 4) + 15.0;
  const double seconds = base * (1.0 + 0.3 * std::clamp(jitter_unit, 0.0, 1.0));
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

std::string_view TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kPending:
      return "PENDING";
    case TaskStatus::kStarted:
      return "STARTED";
    case TaskStatus::kRetry:
      return "RETRY";
    case TaskStatus::kSuccess:
      return "SUCCESS";
    case TaskStatus::kFailure:
      return "FAILURE";
    case TaskStatus::kRevoked:
      return "REVOKED";
  }
  return "PENDING";
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view name) {
  for (TaskStatus s : {TaskStatus::kPending, TaskStatus::kStarted, TaskStatus::kRetry,
                       TaskStatus::kSuccess, TaskStatus::kFailure, TaskStatus::kRevoked}) {
    if (TaskStatusName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsTerminal(TaskStatus status) {
  return status == TaskStatus::kSuccess || status == TaskStatus::kFailure ||
         status == TaskStatus::kRevoked;
}

Json TaskResult::ToJson() const {
  return {{"status", TaskStatusName(status)},
          {"result", result},
          {"traceback", traceback},
          {"children", children},
          {"date_done", TimeOrNull(date_done)},
          {"task_id", task_id}};
}

Result<TaskResult> TaskResult::FromJson(const Json& json) {
  TaskResult r;
  VMSG_ASSIGN_OR_RETURN(r.task_id, GetString(json, "task_id"));
  VMSG_ASSIGN_OR_RETURN(std::string status, GetString(json, "status"));
  auto parsed = ParseTaskStatus(status);
  if (!parsed) return Status::InvalidArgument("unknown task status '" + status + "'");
  r.status = *parsed;
  r.result = json.value("result", Json(nullptr));
  r.traceback = json.value("traceback", Json(nullptr));
  r.children = json.value("children", Json::array());
  if (json.contains("date_done") && !json["date_done"].is_null()) {
    VMSG_ASSIGN_OR_RETURN(r.date_done, TimeField(json, "date_done"));
  }
  return r;
}

Json Progress::ToJson() const {
  return {{"task_id", task_id},         {"percentage", percentage},
          {"message", message},         {"current_step", current_step},
          {"total_steps", total_steps}, {"timestamp", FormatIso8601Millis(timestamp)}};
}

Result<Progress> Progress::FromJson(const Json& json) {
  Progress p;
  VMSG_ASSIGN_OR_RETURN(p.task_id, GetString(json, "task_id"));
  VMSG_ASSIGN_OR_RETURN(int64_t percentage, GetInt(json, "percentage"));
  p.percentage = static_cast<int>(percentage);
  VMSG_ASSIGN_OR_RETURN(p.message, GetString(json, "message"));
  VMSG_ASSIGN_OR_RETURN(p.current_step, GetString(json, "current_step"));
  VMSG_ASSIGN_OR_RETURN(int64_t total, GetInt(json, "total_steps"));
  p.total_steps = static_cast<int>(total);
  VMSG_ASSIGN_OR_RETURN(p.timestamp, TimeField(json, "timestamp"));
  p.final = p.percentage >= 100 || p.percentage < 0;
  return p;
}

Json Session::ToJson() const {
  return {{"session_id", session_id},
          {"task_id", task_id},
          {"connected_at", FormatIso8601(connected_at)},
          {"last_ping", FormatIso8601(last_ping)}};
}

Result<Session> Session::FromJson(const Json& json) {
  Session s;
  VMSG_ASSIGN_OR_RETURN(s.session_id, GetString(json, "session_id"));
  VMSG_ASSIGN_OR_RETURN(s.task_id, GetString(json, "task_id"));
  VMSG_ASSIGN_OR_RETURN(s.connected_at, TimeField(json, "connected_at"));
  VMSG_ASSIGN_OR_RETURN(s.last_ping, TimeField(json, "last_ping"));
  return s;
}

Json ApiKey::ToJson() const {
  return {{"id", id},
          {"name", name},
          {"hash", hash},
          {"hint", hint},
          {"created_at", FormatIso8601Millis(created_at)},
          {"revoked_at", TimeOrNull(revoked_at)}};
}

Result<ApiKey> ApiKey::FromJson(const Json& json) {
  ApiKey k;
  VMSG_ASSIGN_OR_RETURN(k.id, GetString(json, "id"));
  VMSG_ASSIGN_OR_RETURN(k.name, GetString(json, "name"));
  VMSG_ASSIGN_OR_RETURN(k.hash, GetString(json, "hash"));
  VMSG_ASSIGN_OR_RETURN(k.hint, GetString(json, "hint"));
  VMSG_ASSIGN_OR_RETURN(k.created_at, TimeField(json, "created_at"));
  VMSG_ASSIGN_OR_RETURN(k.revoked_at, OptionalTimeField(json, "revoked_at"));
  return k;
}

void SortApiKeys(std::vector<ApiKey>& keys) {
  std::sort(keys.begin(), keys.end(), [](const ApiKey& a, const ApiKey& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
}

Status ApiKeyNotFound(const std::string& id) {
  return Status::NotFound("no API key " + id, "api_key_not_found");
}

namespace {
constexpr std::pair<WebhookState, std::string_view> kWebhookStateNames[] = {
    {WebhookState::kWaiting, "waiting"},
    {WebhookState::kPending, "pending"},
    {WebhookState::kDelivered, "delivered"},
    {WebhookState::kFailed, "failed"},
};
}  // namespace

std::string_view WebhookStateName(WebhookState state) {
  for (const auto& [value, name] : kWebhookStateNames) {
    if (value == state) return name;
  }
  return "unknown";
}

std::optional<WebhookState> ParseWebhookState(std::string_view name) {
  for (const auto& [value, known] : kWebhookStateNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

Json WebhookDelivery::ToJson() const {
  return {{"task_id", task_id},
          {"url", url},
          {"state", WebhookStateName(state)},
          {"attempts", attempts},
          {"last_http_status", last_http_status},
          {"last_error", last_error},
          {"task_ended_at", TimeOrNull(task_ended_at)},
          {"next_attempt_at", TimeOrNull(next_attempt_at)},
          {"delivered_at", TimeOrNull(delivered_at)},
          {"updated_at", FormatIso8601Millis(updated_at)}};
}

Result<WebhookDelivery> WebhookDelivery::FromJson(const Json& json) {
  WebhookDelivery d;
  VMSG_ASSIGN_OR_RETURN(d.task_id, GetString(json, "task_id"));
  VMSG_ASSIGN_OR_RETURN(d.url, GetString(json, "url"));
  VMSG_ASSIGN_OR_RETURN(std::string state, GetString(json, "state"));
  auto parsed = ParseWebhookState(state);
  if (!parsed) return Status::InvalidArgument("unknown webhook state '" + state + "'");
  d.state = *parsed;
  VMSG_ASSIGN_OR_RETURN(int64_t attempts, GetInt(json, "attempts"));
  VMSG_ASSIGN_OR_RETURN(int64_t http_status, GetInt(json, "last_http_status"));
  d.attempts = static_cast<int>(attempts);
  d.last_http_status = static_cast<int>(http_status);
  VMSG_ASSIGN_OR_RETURN(d.last_error, GetString(json, "last_error"));
  VMSG_ASSIGN_OR_RETURN(d.task_ended_at, OptionalTimeField(json, "task_ended_at"));
  VMSG_ASSIGN_OR_RETURN(d.next_attempt_at, OptionalTimeField(json, "next_attempt_at"));
  VMSG_ASSIGN_OR_RETURN(d.delivered_at, OptionalTimeField(json, "delivered_at"));
  VMSG_ASSIGN_OR_RETURN(d.updated_at, TimeField(json, "updated_at"));
  return d;
}

}  // namespace vmsg::state
