// Status and cancellation of generation tasks.
#include "api/task_handlers.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/ids.h"
#include "worker/revoke.h"
#include "worker/worker_pool.h"

namespace vmsg::api {
namespace {

std::optional<http::Response> InvalidId(const http::Request& request) {
  if (IsUuidV4(request.Param("task_id"))) return std::nullopt;
  return http::ProblemResponse(400, "invalid_task_id", "task ids are lower-case UUIDv4 strings",
                               request.request_id);
}

http::Response Status(const TaskServices& s, const http::Request& request) {
  if (auto bad = InvalidId(request)) return *bad;
  const std::string task_id(request.Param("task_id"));
  Result<state::TaskResult> result = s.results->Get(task_id);
  Result<state::Progress> progress = s.progress->Latest(task_id);
  if (!result.ok() && !result.status().IsNotFound()) {
    return http::ProblemFromStatus(result.status(), request.request_id);
  }
  if (!progress.ok() && !progress.status().IsNotFound()) {
    return http::ProblemFromStatus(progress.status(), request.request_id);
  }
  if (!result.ok() && !progress.ok()) {
    return http::ProblemResponse(404, "task_not_found",
                                 "no task " + task_id + " (unknown, or its record has expired)",
                                 request.request_id);
  }
  Json body = result.ok() ? result->ToJson() : Json{{"task_id", task_id}, {"status", "PENDING"}};
  body["progress"] = progress.ok() ? progress->ToJson() : Json(nullptr);
  if (s.webhooks != nullptr) {
    // How the callback_url's delivery goes (absent when the task named none).
    if (Result<state::WebhookDelivery> hook = s.webhooks->Get(task_id); hook.ok()) {
      Json shown = hook->ToJson();
      shown.erase("task_id");
      body["webhook"] = std::move(shown);
    }
  }
  return http::Response::Json(200, body);
}

http::Response Cancel(const TaskServices& s, const http::Request& request) {
  if (auto bad = InvalidId(request)) return *bad;
  const std::string task_id(request.Param("task_id"));
  Result<worker::RevokeOutcome> revoked =
      worker::RevokeTask(*s.queue, *s.results, *s.clock, task_id, s.on_revoked);
  if (revoked.ok() && *revoked == worker::RevokeOutcome::kRevoking) {
    // The worker stops at its next cancellation point and records REVOKED itself.
    return http::Response::Json(202, {{"task_id", task_id}, {"status", "REVOKING"}});
  }
  if (revoked.ok()) return http::Response::Json(200, {{"task_id", task_id}, {"status", "REVOKED"}});
  if (!revoked.status().IsNotFound())
    return http::ProblemFromStatus(revoked.status(), request.request_id);
  Result<state::TaskResult> result = s.results->Get(task_id);
  if (result.ok() && state::IsTerminal(result->status)) {
    return http::ProblemResponse(409, "task_finished",
                                 "task " + task_id + " has already ended with status " +
                                     std::string(state::TaskStatusName(result->status)),
                                 request.request_id);
  }
  return http::ProblemResponse(404, "task_not_found", "no queued or running task " + task_id,
                               request.request_id);
}

using NextUpdate = Result<std::optional<state::Progress>>;

// The final progress record of a task that has ended, made from its result record: for a
// task whose own final record is gone (progress expires 5 minutes after the end, results
// after 24 hours) or was never written. nullopt while the task is queued or running.
std::optional<state::Progress> EndedFromResult(const TaskServices& s, const std::string& task_id) {
  Result<state::TaskResult> result = s.results->Get(task_id);
  if (!result.ok()) return std::nullopt;
  const worker::FinalTexts& texts = worker::kJapaneseFinalTexts;
  const TimePoint at = result->date_done.value_or(s.clock->Now());
  switch (result->status) {
    case state::TaskStatus::kSuccess:
      return worker::FinalProgress(task_id, 100, worker::kDoneStep, std::string(texts.done), at);
    case state::TaskStatus::kFailure: {
      const Json& info = result->result;
      return worker::FinalProgress(
          task_id, -1, worker::kFailedStep,
          std::string(texts.error_prefix) +
              (info.is_object() ? info.value("exc_message", std::string()) : std::string()),
          at);
    }
    case state::TaskStatus::kRevoked:
      return worker::FinalProgress(task_id, -1, worker::kCancelledStep,
                                   std::string(texts.cancelled), at);
    default:
      return std::nullopt;
  }
}

// The message a follower gets when the progress feed itself fails.
std::string ProgressError(const vmsg::Status& status) {
  return DumpJson({{"code", "progress_unavailable"}, {"detail", status.message()}});
}

// Follows a task's progress: the latest record first, then every update, until the final
// one, until a callback returns false (the client left), or until the subscription fails
// (returned). `on_quiet` runs after each keep-alive interval without an update. The
// blocking subscription wait runs on a thread of this feed's own, never a server thread.
boost::asio::awaitable<vmsg::Status> FollowProgress(
    const TaskServices& s, const std::string& task_id, state::ProgressSubscription& sub,
    std::function<boost::asio::awaitable<bool>(const state::Progress&)> on_update,
    std::function<boost::asio::awaitable<bool>()> on_quiet) {
  boost::asio::thread_pool waiter(1);
  vmsg::Status outcome;
  Json last_sent;
  auto send = [&](const state::Progress& p) -> boost::asio::awaitable<bool> {
    Json record = p.ToJson();
    if (record == last_sent) co_return true;  // the latest record and its publication
    last_sent = std::move(record);
    co_return co_await on_update(p);
  };
  bool open = true;
  if (Result<state::Progress> latest = s.progress->Latest(task_id); latest.ok()) {
    open = co_await send(*latest) && !latest->final;
  } else if (std::optional<state::Progress> ended = EndedFromResult(s, task_id)) {
    co_await send(*ended);
    open = false;
  }
  while (open) {
    std::optional<NextUpdate> next = co_await boost::asio::co_spawn(
        waiter,
        [&]() -> boost::asio::awaitable<std::optional<NextUpdate>> {
          co_return sub.Next(s.keepalive_interval);
        },
        boost::asio::use_awaitable);
    if (!next->ok()) {
      outcome = next->status();
      break;
    }
    if (!next->value().has_value()) {
      // A quiet while: the task may have ended with no final record to publish.
      if (std::optional<state::Progress> ended = EndedFromResult(s, task_id)) {
        co_await send(*ended);
        break;
      }
      open = co_await on_quiet();
      continue;
    }
    const state::Progress& update = *next->value();
    open = co_await send(update) && !update.final;
  }
  sub.Close();
  waiter.join();
  co_return outcome;
}

boost::asio::awaitable<void> StreamProgress(http::StreamWriter& out, TaskServices s,
                                            std::string task_id,
                                            std::unique_ptr<state::ProgressSubscription> sub) {
  vmsg::Status status = co_await FollowProgress(
      s, task_id, *sub,
      [&out](const state::Progress& p) -> boost::asio::awaitable<bool> {
        const std::string event = ProgressEvent(p);  // must outlive the write
        co_return co_await out.Write(event);
      },
      [&out] { return out.Write(": keep-alive\n\n"); });
  if (!status.ok()) {
    const std::string event = "event: error\ndata: " + ProgressError(status) + "\n\n";
    co_await out.Write(event);
  }
}

// One WebSocket follower: keeps its ws:session record while connected (refreshed when
// the client answers the server's pings) and closes after the task ends.
boost::asio::awaitable<void> SocketProgress(http::WebSocket& ws, TaskServices s,
                                            std::string task_id, std::string session_id,
                                            std::unique_ptr<state::ProgressSubscription> sub) {
  const TimePoint now = s.clock->Now();
  (void)s.sessions->Put({session_id, task_id, now, now});
  uint64_t pongs_seen = 0;
  auto refresh = [&] {
    if (ws.pongs() != pongs_seen) {
      pongs_seen = ws.pongs();
      (void)s.sessions->Touch(session_id);
    }
  };
  vmsg::Status status = co_await FollowProgress(
      s, task_id, *sub,
      [&](const state::Progress& p) -> boost::asio::awaitable<bool> {
        refresh();
        co_return co_await ws.SendText(DumpJson(p.ToJson()));
      },
      [&]() -> boost::asio::awaitable<bool> {
        refresh();
        co_return ws.open();
      });
  if (!status.ok()) {
    const std::string error = ProgressError(status);
    co_await ws.SendText(error);
  }
  (void)s.sessions->Remove(session_id);
}

// Subscribes (before reading the latest record, so no update falls between the two) and
// checks that the task exists.
Result<std::unique_ptr<state::ProgressSubscription>> SubscribeToTask(const TaskServices& s,
                                                                     const std::string& task_id) {
  VMSG_ASSIGN_OR_RETURN(auto sub, s.progress->Subscribe(task_id));
  if (s.progress->Latest(task_id).status().IsNotFound() &&
      s.results->Get(task_id).status().IsNotFound()) {
    return vmsg::Status::NotFound("no task " + task_id + " (unknown, or its record has expired)",
                                  "task_not_found");
  }
  return sub;
}

boost::asio::awaitable<http::Response> ProgressStream(TaskServices s, http::Request& request) {
  if (auto bad = InvalidId(request)) co_return *bad;
  const std::string task_id(request.Param("task_id"));
  auto sub = SubscribeToTask(s, task_id);
  if (!sub.ok()) co_return http::ProblemFromStatus(sub.status(), request.request_id);
  http::Response r;
  r.headers.Set("Content-Type", "text/event-stream; charset=utf-8");
  r.headers.Set("Cache-Control", "no-cache");
  r.headers.Set("X-Accel-Buffering", "no");
  auto shared_sub = std::make_shared<std::unique_ptr<state::ProgressSubscription>>(std::move(*sub));
  r.body = http::StreamBody{[s, task_id, shared_sub](http::StreamWriter& out) {
    return StreamProgress(out, s, task_id, std::move(*shared_sub));
  }};
  co_return r;
}

// A browser sends Origin on WebSocket handshakes and CORS does not apply to them, so the
// origin is checked here: the page's own origin, or one of the allowed ones.
bool WebSocketOriginAllowed(const TaskServices& s, const http::Request& request) {
  auto origin = request.headers.Get("Origin");
  if (!origin) return true;  // not a browser
  if (std::find(s.allowed_origins.begin(), s.allowed_origins.end(), *origin) !=
      s.allowed_origins.end()) {
    return true;
  }
  return http::IsSameOrigin(*origin, request);
}

boost::asio::awaitable<http::Response> ProgressSocket(TaskServices s, http::Request& request) {
  if (auto bad = InvalidId(request)) co_return *bad;
  if (!WebSocketOriginAllowed(s, request)) {
    co_return http::ProblemResponse(403, "origin_denied",
                                    "WebSocket connections from this origin are not allowed",
                                    request.request_id);
  }
  const std::string task_id(request.Param("task_id"));
  auto sub = SubscribeToTask(s, task_id);
  if (!sub.ok()) co_return http::ProblemFromStatus(sub.status(), request.request_id);
  const std::string session_id = s.ids->NewUuid();
  http::Response r;
  r.headers.Set("X-Session-Id", session_id);
  auto shared_sub = std::make_shared<std::unique_ptr<state::ProgressSubscription>>(std::move(*sub));
  r.body = http::UpgradeBody{[s, task_id, session_id, shared_sub](http::WebSocket& ws) {
    return SocketProgress(ws, s, task_id, session_id, std::move(*shared_sub));
  }};
  co_return r;
}

}  // namespace

std::string ProgressEvent(const state::Progress& progress) {
  return "event: progress\ndata: " + DumpJson(progress.ToJson()) + "\n\n";
}

TaskServices TaskServicesFor(state::StateBackend& state, const Clock& clock, IdGenerator& ids) {
  return {.queue = state.queue.get(),
          .results = state.results.get(),
          .progress = state.progress.get(),
          .sessions = state.sessions.get(),
          .webhooks = state.webhooks.get(),
          .clock = &clock,
          .ids = &ids};
}

void AddTaskRoutes(http::Router& router, TaskServices services) {
  http::RouteOptions sse;
  sse.max_body_bytes = 0;
  sse.rate_group = http::RateGroup::kApi;
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
      [services](http::Request& r) { return ProgressStream(services, r); }, std::move(sse));

  http::RouteOptions ws;
  ws.max_body_bytes = 0;
  ws.rate_group = http::RateGroup::kApi;
  ws.doc.summary = "Live progress of a task over WebSocket";
  ws.doc.description =
      "Upgrade to WebSocket. Each text message is a progress record (task_id, percentage, "
      "message, current_step, total_steps, timestamp): the latest at once, then every update; "
      "the server pings every 30 s, keeps a ws:session record while connected, and closes "
      "normally after the final update. The 101 response carries the session id in "
      "X-Session-Id.";
  ws.doc.tags = {"tasks"};
  ws.doc.responses = {{"101", {{"description", "Switching to WebSocket"}}},
                      {"403", {{"description", "Origin not allowed"}}},
                      {"404", {{"description", "Unknown or expired task"}}},
                      {"426", {{"description", "Not a WebSocket upgrade request"}}}};
  router.Add(
      "GET", "/api/ws/progress/{task_id}",
      [services](http::Request& r) { return ProgressSocket(services, r); }, std::move(ws));

  http::RouteOptions status;
  status.max_body_bytes = 0;
  status.rate_group = http::RateGroup::kApi;
  status.doc.summary = "A generation task's status and latest progress";
  status.doc.tags = {"tasks"};
  status.doc.responses = {
      {"200",
       {{"description",
         "The task record (status PENDING, STARTED, RETRY, SUCCESS, FAILURE or REVOKED; result; "
         "date_done) and `progress` (percentage, message, current_step, total_steps, timestamp) "
         "or null; with a callback_url, `webhook` {url, state: waiting, pending, delivered or "
         "failed, attempts, last_http_status, last_error, task_ended_at, next_attempt_at, "
         "delivered_at, updated_at}"}}},
      {"400", {{"description", "The id is not a task id"}}},
      {"404", {{"description", "Unknown or expired task"}}}};
  router.Add("GET", "/api/video/status/{task_id}",
             http::Sync([services](http::Request& r) { return Status(services, r); }),
             std::move(status));

  http::RouteOptions cancel;
  cancel.max_body_bytes = 0;
  cancel.rate_group = http::RateGroup::kApi;
  cancel.doc.summary = "Cancel a generation task";
  cancel.doc.tags = {"tasks"};
  cancel.doc.responses = {
      {"200", {{"description", "The task had not started and is now REVOKED"}}},
      {"202", {{"description", "The task is running and stops at its next cancellation point"}}},
      {"404", {{"description", "No queued or running task with this id"}}},
      {"409", {{"description", "The task has already ended"}}}};
  router.Add("DELETE", "/api/video/tasks/{task_id}",
             http::Sync([services](http::Request& r) { return Cancel(services, r); }),
             std::move(cancel));
}

}  // namespace vmsg::api
