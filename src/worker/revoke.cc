#include "worker/revoke.h"

#include "worker/worker_pool.h"

namespace vmsg::worker {

Result<RevokeOutcome> RevokeTask(state::JobQueue& queue, state::TaskResults& results,
                                 const Clock& clock, const std::string& task_id) {
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
  state::Progress cancelled;
  cancelled.task_id = task_id;
  cancelled.percentage = -1;
  // The task's arguments (and so its language) are not at hand here; the spec's language.
  cancelled.message = std::string(kJapaneseFinalTexts.cancelled);
  cancelled.current_step = "cancelled";
  cancelled.timestamp = now;
  cancelled.final = true;
  VMSG_RETURN_IF_ERROR(results.PutFinal(revoked, cancelled));
  return RevokeOutcome::kRevoked;
}

}  // namespace vmsg::worker
