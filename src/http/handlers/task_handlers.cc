// Status and cancellation of generation tasks.
#include "http/handlers/task_handlers.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

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

using NextUpdate = Result<std::optional<state::Progress>>;

// Streams progress until the task ends or the client leaves. The subscription's blocking
// wait runs on a thread of this stream's own, so no server thread ever blocks on it.
boost::asio::awaitable<void> StreamProgress(StreamWriter& out, TaskServices s, std::string task_id,
                                            std::unique_ptr<state::ProgressSubscription> sub) {
  boost::asio::thread_pool waiter(1);
  std::string last_sent;
  auto send = [&](const state::Progress& p) -> boost::asio::awaitable<bool> {
    std::string event = ProgressEvent(p);
    if (event == last_sent) co_return true;  // the latest record and its publication
    last_sent = event;
    co_return co_await out.Write(event);
  };
  bool open = true;
  if (Result<state::Progress> latest = s.progress->Latest(task_id); latest.ok()) {
    open = co_await send(*latest) && !latest->final;
  }
  while (open) {
    std::optional<NextUpdate> next = co_await boost::asio::co_spawn(
        waiter,
        [&]() -> boost::asio::awaitable<std::optional<NextUpdate>> {
          co_return sub->Next(s.keepalive_interval);
        },
        boost::asio::use_awaitable);
    if (!next->ok()) {
      Json error = {{"code", "progress_unavailable"}, {"detail", next->status().message()}};
      co_await out.Write("event: error\ndata: " + DumpJson(error) + "\n\n");
      break;
    }
    if (!next->value().has_value()) {
      open = co_await out.Write(": keep-alive\n\n");
      continue;
    }
    const state::Progress& update = *next->value();
    open = co_await send(update) && !update.final;
  }
  sub->Close();
  waiter.join();
}

boost::asio::awaitable<Response> ProgressStream(TaskServices s, Request& request) {
  if (auto bad = InvalidId(request)) co_return *bad;
  const std::string task_id(request.Param("task_id"));
  // Subscribe before reading the latest record, so no update falls between the two.
  Result<std::unique_ptr<state::ProgressSubscription>> sub = s.progress->Subscribe(task_id);
  if (!sub.ok()) co_return ProblemFromStatus(sub.status(), request.request_id);
  if (s.progress->Latest(task_id).status().IsNotFound() &&
      s.results->Get(task_id).status().IsNotFound()) {
    co_return ProblemResponse(404, "task_not_found",
                              "no task " + task_id + " (unknown, or its record has expired)",
                              request.request_id);
  }
  Response r;
  r.headers.Set("Content-Type", "text/event-stream; charset=utf-8");
  r.headers.Set("Cache-Control", "no-cache");
  r.headers.Set("X-Accel-Buffering", "no");
  auto shared_sub = std::make_shared<std::unique_ptr<state::ProgressSubscription>>(std::move(*sub));
  r.body = StreamBody{[s, task_id, shared_sub](StreamWriter& out) {
    return StreamProgress(out, s, task_id, std::move(*shared_sub));
  }};
  co_return r;
}

}  // namespace

std::string ProgressEvent(const state::Progress& progress) {
  return "event: progress\ndata: " + DumpJson(progress.ToJson()) + "\n\n";
}

void AddTaskRoutes(Router& router, TaskServices services) {
  RouteOptions sse;
  sse.max_body_bytes = 0;
  sse.doc.summary = "Live progress of a task as Server-Sent Events";
  sse.doc.description =
      "Sends the latest progress record at once, then every update as it happens (`event: "
      "progress`, `data:` the record), a comment line every 15 s without one, and ends after "
      "the final update (100 %, or -1 on failure or cancellation). For clients without "
      "WebSocket.";
  sse.doc.tags = {"tasks"};
  sse.doc.responses = {{"200", {{"description", "text/event-stream"}}},
                       {"404", {{"description", "Unknown or expired task"}}}};
  router.Add(
      "GET", "/api/sse/progress/{task_id}",
      [services](Request& r) { return ProgressStream(services, r); }, std::move(sse));

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
