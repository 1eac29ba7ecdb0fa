// PeriodicTask: runs a function on its own thread every `interval` of real time, from Start
// until it is destroyed (sweeps, schedulers). Making one starts nothing, so an owner can
// build it with the rest and start it once everything it touches exists. Destruction wakes
// the thread at once and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "base/env.h"

namespace vmsg {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> run);
  ~PeriodicTask();

  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Starts the thread (on `env`); the first run is one interval later. Once only.
  void Start(Env& env = Env::Default());

 private:
  const std::chrono::milliseconds interval_;
  std::function<void()> run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace vmsg
