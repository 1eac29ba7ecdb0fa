// CancellationToken: the reason is written under a mutex before the flag is published, so
// a reader that sees the flag always finds the reason.
#include "base/cancellation.h"

#include <utility>

namespace vmsg {

void CancellationToken::Cancel(Status why) {
  if (why.ok()) why = Status::Cancelled("cancelled");
  std::lock_guard lock(mutex_);
  if (cancelled_.load(std::memory_order_relaxed)) return;
  reason_ = std::move(why);
  cancelled_.store(true, std::memory_order_release);
}

Status CancellationToken::CheckCancelled() const {
  if (!cancelled()) return Status::Ok();
  std::lock_guard lock(mutex_);
  return reason_;
}

}  // namespace vmsg
