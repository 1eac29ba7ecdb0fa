#include "state/state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg::state {
namespace {

using namespace std::chrono_literals;

TEST(RetryBackoffTest, GrowsAsTheFourthPowerPlusFifteenWithJitter) {
  EXPECT_EQ(RetryBackoff(0, 0.0), 16s);  // 1 + 15
  EXPECT_EQ(RetryBackoff(1, 0.0), 31s);  // 16 + 15
  EXPECT_EQ(RetryBackoff(2, 0.0), 96s);  // 81 + 15
  EXPECT_EQ(RetryBackoff(0, 1.0), std::chrono::duration_cast<Duration>(20.8s));
  EXPECT_GT(RetryBackoff(3, 0.5), RetryBackoff(3, 0.0));
  EXPECT_LT(RetryBackoff(3, 0.5), RetryBackoff(3, 1.0));
  EXPECT_EQ(RetryBackoff(1, 7.0), RetryBackoff(1, 1.0));  // jitter is clamped
}

TEST(TaskStatusTest, NamesRoundTrip) {
  for (TaskStatus s : {TaskStatus::kPending, TaskStatus::kStarted, TaskStatus::kRetry,
                       TaskStatus::kSuccess, TaskStatus::kFailure, TaskStatus::kRevoked}) {
    EXPECT_EQ(ParseTaskStatus(TaskStatusName(s)), s);
  }
  EXPECT_FALSE(ParseTaskStatus("DONE").has_value());
  EXPECT_TRUE(IsTerminal(TaskStatus::kRevoked));
  EXPECT_FALSE(IsTerminal(TaskStatus::kRetry));
}

TEST(TaskResultTest, JsonHasExactlyTheSpecFields) {
  TaskResult r;
  r.task_id = "abc";
  r.status = TaskStatus::kSuccess;
  r.result = {{"video_url", "u"}};
  r.date_done = *ParseIso8601("2025-01-02T10:30:00.000Z");
  Json j = r.ToJson();
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, ::testing::UnorderedElementsAre("status", "result", "traceback", "children",
                                                    "date_done", "task_id"));
  EXPECT_EQ(j["date_done"], "2025-01-02T10:30:00.000Z");
  EXPECT_TRUE(j["traceback"].is_null());
  EXPECT_EQ(TaskResult::FromJson(j)->ToJson(), j);
  TaskResult pending;
  pending.task_id = "p";
  EXPECT_TRUE(pending.ToJson()["date_done"].is_null());
  EXPECT_FALSE(TaskResult::FromJson({{"task_id", "x"}, {"status", "WEIRD"}}).ok());
}

TEST(ProgressTest, JsonHasTheSpecFieldsAndRoundTrips) {
  Progress p;
  p.task_id = "abc123";
  p.percentage = 35;
  p.message = "背景を削除中...";
  p.current_step = "background_removal";
  p.timestamp = *ParseIso8601("2025-01-02T10:30:45Z");
  Json j = p.ToJson();
  EXPECT_EQ(j.size(), 6u);
  EXPECT_EQ(j["total_steps"], 8);
  Result<Progress> back = Progress::FromJson(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToJson(), j);
  EXPECT_FALSE(back->final);
  j["percentage"] = 100;
  EXPECT_TRUE(Progress::FromJson(j)->final);
  j["percentage"] = -1;
  EXPECT_TRUE(Progress::FromJson(j)->final);
}

TEST(SessionTest, JsonRoundTrips) {
  Session s{"xyz789", "abc123", *ParseIso8601("2025-01-02T10:30:00Z"),
            *ParseIso8601("2025-01-02T10:32:00Z")};
  Json j = s.ToJson();
  EXPECT_EQ(j["last_ping"], "2025-01-02T10:32:00Z");
  EXPECT_EQ(Session::FromJson(j)->ToJson(), j);
  EXPECT_FALSE(Session::FromJson({{"session_id", "x"}}).ok());
}

}  // namespace
}  // namespace vmsg::state
