// Task endpoints: GET /api/video/status/{task_id}, DELETE /api/video/tasks/{task_id} and
// the live progress streams WS /api/ws/progress/{task_id} and GET /api/sse/progress/{task_id}
// (Server-Sent Events, for clients without WebSocket).
// Handlers validate the id before any lookup and leave the rules to the state interfaces.
#pragma once

#include "base/clock.h"
#include "base/ids.h"
#include "http/router.h"
#include "state/state.h"
#include "worker/revoke.h"

namespace vmsg::api {

struct TaskServices {
  state::JobQueue* queue = nullptr;
  state::TaskResults* results = nullptr;
  state::ProgressStore* progress = nullptr;
  state::SessionStore* sessions = nullptr;
  // The webhook records the status route shows; null: none shown.
  state::WebhookStore* webhooks = nullptr;
  // Told of a task revoked before it started (a webhook goes out); empty: nobody.
  worker::RevokedHook on_revoked;
  const Clock* clock = nullptr;
  IdGenerator* ids = nullptr;
  // Origins besides the page's own allowed to open WebSockets (VMSG_CORS_ORIGINS).
  std::vector<std::string> allowed_origins;
  // An SSE stream sends a comment line after this long without an update, so proxies and
  // the client see the connection is alive (and a gone client is noticed).
  Duration keepalive_interval = std::chrono::seconds(15);
};

// "event: progress\ndata: {...}\n\n": one Server-Sent Event carrying a progress record.
std::string ProgressEvent(const state::Progress& progress);

// The services of one state backend, as the task routes use them.
TaskServices TaskServicesFor(state::StateBackend& state, const Clock& clock, IdGenerator& ids);

// Registers the routes. The services must outlive the router.
void AddTaskRoutes(http::Router& router, TaskServices services);

}  // namespace vmsg::api
