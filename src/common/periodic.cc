// The periodic task's loop.
#include "common/periodic.h"

namespace vmsg {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> run)
    : thread_([this, interval, run = std::move(run)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
          lock.unlock();
          run();
          lock.lock();
        }
      }) {}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace vmsg
