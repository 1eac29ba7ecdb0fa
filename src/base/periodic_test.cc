#include "base/periodic.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>

namespace vmsg {
namespace {

using namespace std::chrono_literals;

TEST(PeriodicTaskTest, RunsRepeatedlyUntilDestroyed) {
  std::mutex mutex;
  std::condition_variable ran;
  int runs = 0;
  {
    PeriodicTask task(1ms, [&] {
      std::lock_guard lock(mutex);
      ++runs;
      ran.notify_all();
    });
    task.Start();
    std::unique_lock lock(mutex);
    ASSERT_TRUE(ran.wait_for(lock, 10s, [&] { return runs >= 3; }));
  }
  std::lock_guard lock(mutex);
  const int after = runs;
  EXPECT_GE(after, 3);
}

TEST(PeriodicTaskTest, DestructionDoesNotWaitForTheInterval) {
  // Were destruction to wait out the hour, CTest's timeout would fail this test.
  std::atomic<int> runs{0};
  {
    PeriodicTask task(1h, [&] { ++runs; });
    task.Start();
  }
  EXPECT_EQ(runs, 0);
}

TEST(PeriodicTaskTest, NothingRunsBeforeStart) {
  std::atomic<int> runs{0};
  {
    PeriodicTask task(1ms, [&] { ++runs; });
    std::this_thread::sleep_for(20ms);  // twenty intervals: none may run
  }
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace vmsg
