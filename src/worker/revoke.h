// Revoking a task, however the request arrives (the API's DELETE, or a Celery client's
// `revoke` broadcast): a task that has not started is removed from the queue and recorded
// REVOKED here; a running one is flagged, and its worker stops at the next cancellation
// point and records REVOKED itself.
#pragma once

#include <functional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "state/state.h"

namespace vmsg::worker {

enum class RevokeOutcome {
  kRevoked,   // it had not started: removed, REVOKED and the final progress written
  kRevoking,  // it is running: its worker will stop it
};

// Told of a task revoked before it started, once its REVOKED record is written (as
// WorkerOptions::on_task_ended is of a task that ran): a webhook goes out.
using RevokedHook = std::function<Status(const state::TaskResult&)>;

// The REVOKED record and the final progress go out together (TaskResults::PutFinal), then
// `on_revoked` (when set) hears of it. NotFound when the queue holds no such task (unknown,
// finished, or revoked already); otherwise the stores' errors and the hook's.
Result<RevokeOutcome> RevokeTask(state::JobQueue& queue, state::TaskResults& results,
                                 const Clock& clock, const std::string& task_id,
                                 const RevokedHook& on_revoked = nullptr);

}  // namespace vmsg::worker
