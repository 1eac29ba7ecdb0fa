// Task endpoints: GET /api/video/status/{task_id}, DELETE /api/video/tasks/{task_id} and
// the live progress stream GET /api/sse/progress/{task_id} (Server-Sent Events).
// Handlers validate the id before any lookup and leave the rules to the state interfaces.
#pragma once

#include "common/clock.h"
#include "http/router.h"
#include "state/state.h"

namespace vmsg::http {

struct TaskServices {
  state::JobQueue* queue = nullptr;
  state::TaskResults* results = nullptr;
  state::ProgressStore* progress = nullptr;
  const Clock* clock = nullptr;
  // An SSE stream sends a comment line after this long without an update, so proxies and
  // the client see the connection is alive (and a gone client is noticed).
  Duration keepalive_interval = std::chrono::seconds(15);
};

// "event: progress\ndata: {...}\n\n": one Server-Sent Event carrying a progress record.
std::string ProgressEvent(const state::Progress& progress);

// Registers the routes. The services must outlive the router.
void AddTaskRoutes(Router& router, TaskServices services);

}  // namespace vmsg::http
