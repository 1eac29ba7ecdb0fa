// Status and cancellation of generation tasks.
#include "http/handlers/task_handlers.h"

#include "common/ids.h"

namespace vmsg::http {
namespace {

constexpr char kCancelledMessage[] = "キャンセルされました";

std::optional<Response> InvalidId(const Request& request) {
  if (IsUuidV4(request.Param("task_id"))) return std::nullopt;
  return ProblemResponse(400, "invalid_task_id", "task ids are lower-case UUIDv4 strings",
                         request.request_id);
}

Response Status(const TaskServices& s, const Request& request) {
  if (auto bad = InvalidId(request)) return *bad;
  const std::string task_id(request.Param("task_id"));
  Result<state::TaskResult> result = s.results->Get(task_id);
  Result<state::Progress> progress = s.progress->Latest(task_id);
  if (!result.ok() && !result.status().IsNotFound()) {
    return ProblemFromStatus(result.status(), request.request_id);
  }
  if (!progress.ok() && !progress.status().IsNotFound()) {
    return ProblemFromStatus(progress.status(), request.request_id);
  }
  if (!result.ok() && !progress.ok()) {
    return ProblemResponse(404, "task_not_found",
                           "no task " + task_id + " (unknown, or its record has expired)",
                           request.request_id);
  }
  Json body = result.ok() ? result->ToJson() : Json{{"task_id", task_id}, {"status", "PENDING"}};
  body["progress"] = progress.ok() ? progress->ToJson() : Json(nullptr);
  return Response::Json(200, body);
}

Response Cancel(const TaskServices& s, const Request& request) {
  if (auto bad = InvalidId(request)) return *bad;
  const std::string task_id(request.Param("task_id"));
  if (vmsg::Status cancelled = s.queue->Cancel(task_id); !cancelled.ok()) {
    if (!cancelled.IsNotFound()) return ProblemFromStatus(cancelled, request.request_id);
    Result<state::TaskResult> result = s.results->Get(task_id);
    if (result.ok() && state::IsTerminal(result->status)) {
      return ProblemResponse(409, "task_finished",
                             "task " + task_id + " has already ended with status " +
                                 std::string(state::TaskStatusName(result->status)),
                             request.request_id);
    }
    return ProblemResponse(404, "task_not_found", "no queued or running task " + task_id,
                           request.request_id);
  }
  Result<bool> running = s.queue->IsCancelRequested(task_id);
  if (!running.ok()) return ProblemFromStatus(running.status(), request.request_id);
  if (*running) {
    // The worker stops at its next cancellation point and records REVOKED itself.
    return Response::Json(202, {{"task_id", task_id}, {"status", "REVOKING"}});
  }
  // It never started: record the outcome here.
  const TimePoint now = s.clock->Now();
  state::TaskResult revoked;
  revoked.task_id = task_id;
  revoked.status = state::TaskStatus::kRevoked;
  revoked.date_done = now;
  if (vmsg::Status put = s.results->Put(revoked); !put.ok()) {
    return ProblemFromStatus(put, request.request_id);
  }
  state::Progress progress;
  progress.task_id = task_id;
  progress.percentage = -1;
  progress.message = kCancelledMessage;
  progress.current_step = "cancelled";
  progress.timestamp = now;
  progress.final = true;
  if (vmsg::Status put = s.progress->Publish(progress); !put.ok()) {
    return ProblemFromStatus(put, request.request_id);
  }
  return Response::Json(200, {{"task_id", task_id}, {"status", "REVOKED"}});
}

}  // namespace

void AddTaskRoutes(Router& router, TaskServices services) {
  RouteOptions status;
  status.max_body_bytes = 0;
  status.doc.summary = "A generation task's status and latest progress";
  status.doc.tags = {"tasks"};
  status.doc.responses = {
      {"200",
       {{"description",
         "The task record (status PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED; result; "
         "date_done) and `progress` (percentage, message, current_step, total_steps, timestamp) "
         "or null"}}},
      {"400", {{"description", "The id is not a task id"}}},
      {"404", {{"description", "Unknown or expired task"}}}};
  router.Add("GET", "/api/video/status/{task_id}",
             Sync([services](Request& r) { return Status(services, r); }), std::move(status));

  RouteOptions cancel;
  cancel.max_body_bytes = 0;
  cancel.doc.summary = "Cancel a generation task";
  cancel.doc.tags = {"tasks"};
  cancel.doc.responses = {
      {"200", {{"description", "The task had not started and is now REVOKED"}}},
      {"202", {{"description", "The task is running and stops at its next cancellation point"}}},
      {"404", {{"description", "No queued or running task with this id"}}},
      {"409", {{"description", "The task has already ended"}}}};
  router.Add("DELETE", "/api/video/tasks/{task_id}",
             Sync([services](Request& r) { return Cancel(services, r); }), std::move(cancel));
}

}  // namespace vmsg::http
