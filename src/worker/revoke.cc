// Revoking a task (see revoke.h).
#include "worker/revoke.h"

#include "worker/worker_pool.h"

namespace vmsg::worker {

Result<RevokeOutcome> RevokeTask(state::JobQueue& queue, state::TaskResults& results,
                                 const Clock& clock, const std::string& task_id,
                                 const RevokedHook& on_revoked) {
  VMSG_RETURN_IF_ERROR(queue.Cancel(task_id));
  VMSG_ASSIGN_OR_RETURN(bool running, queue.IsCancelRequested(task_id));
  if (running) return RevokeOutcome::kRevoking;
  const TimePoint now = clock.Now();
  state::TaskResult revoked;
  revoked.task_id = task_id;
  revoked.status = state::TaskStatus::kRevoked;
  revoked.result = {{"exc_type", std::string(kRevokedExcType)},
                    {"exc_message", "task " + task_id + " revoked before it started"}};
  revoked.date_done = now;
  // The task's arguments (and so its language) are not at hand here; the spec's language.
  VMSG_RETURN_IF_ERROR(results.PutFinal(
      revoked,
      FinalProgress(task_id, -1, kCancelledStep, std::string(kJapaneseFinalTexts.cancelled), now)));
  if (on_revoked) VMSG_RETURN_IF_ERROR(on_revoked(revoked));
  return RevokeOutcome::kRevoked;
}

}  // namespace vmsg::worker
