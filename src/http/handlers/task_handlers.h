// Task endpoints: GET /api/video/status/{task_id} and DELETE /api/video/tasks/{task_id}.
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
};

// Registers both routes. The services must outlive the router.
void AddTaskRoutes(Router& router, TaskServices services);

}  // namespace vmsg::http
