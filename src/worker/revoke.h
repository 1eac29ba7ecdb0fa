// Revoking a task, however the request arrives (the API's DELETE, or a Celery client's
// `revoke` broadcast): a task that has not started is removed from the queue and recorded
// REVOKED here; a running one is flagged, and its worker stops at the next cancellation
// point and records REVOKED itself.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "state/state.h"

namespace vmsg::worker {

enum class RevokeOutcome {
  kRevoked,   // it had not started: removed, REVOKED and the final progress written
  kRevoking,  // it is running: its worker will stop it
};

// The REVOKED record and the final progress go out together (TaskResults::PutFinal).
// NotFound when the queue holds no such task (unknown, finished, or revoked already);
// otherwise the stores' errors.
Result<RevokeOutcome> RevokeTask(state::JobQueue& queue, state::TaskResults& results,
                                 const Clock& clock, const std::string& task_id);

}  // namespace vmsg::worker
