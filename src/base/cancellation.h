// CancellationToken: how a running task learns that it should stop (a user's cancel, the
// task time limit, or a worker shutting down) and why.
#pragma once

#include <atomic>
#include <mutex>

#include "base/status.h"

namespace vmsg {

// A one-way flag with a reason. Once cancelled it stays cancelled; the first reason given
// wins. Every method is thread-safe: the worker's watchdog and Shutdown cancel a token
// while the handler's thread polls it.
class CancellationToken {
 public:
  // Requests cancellation for `why`, which should be non-OK (an OK status is replaced by
  // Cancelled("cancelled")). Later calls keep the first reason.
  void Cancel(Status why);

  // True once Cancel was called. Cheap (one atomic load): fine in a tight loop.
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // OK while not cancelled, otherwise the reason given to the first Cancel.
  Status CheckCancelled() const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  Status reason_;  // GUARDED_BY(mutex_); set once, before cancelled_ becomes true
};

}  // namespace vmsg
