// Tests of CancellationToken: the first reason wins and is seen by other threads.
#include "base/cancellation.h"

#include <gtest/gtest.h>

#include <thread>

namespace vmsg {
namespace {

TEST(CancellationTokenTest, StartsNotCancelled) {
  CancellationToken token;
  EXPECT_FALSE(token.cancelled());
  EXPECT_TRUE(token.CheckCancelled().ok());
}

TEST(CancellationTokenTest, FirstReasonWins) {
  CancellationToken token;
  token.Cancel(Status::Cancelled("by user", "task_revoked"));
  token.Cancel(Status::ResourceExhausted("too slow", "time_limit_exceeded"));
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(token.CheckCancelled(), Status::Cancelled("by user", "task_revoked"));
}

TEST(CancellationTokenTest, OkReasonBecomesCancelled) {
  CancellationToken token;
  token.Cancel(Status::Ok());
  EXPECT_TRUE(token.CheckCancelled().IsCancelled());
}

TEST(CancellationTokenTest, ReasonVisibleFromAnotherThread) {
  CancellationToken token;
  std::thread canceller([&] { token.Cancel(Status::Cancelled("stop", "worker_shutdown")); });
  canceller.join();
  EXPECT_EQ(token.CheckCancelled().reason(), "worker_shutdown");
}

}  // namespace
}  // namespace vmsg
