// Tests of what only the SQLite backend promises: durability across reopen, WAL mode, clear
// errors for bad files, safety of two backends on one file, and the expiry sweep.
#include "state/sqlite/sqlite_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

namespace vmsg::state {
namespace {

using ::testing::HasSubstr;

constexpr TimePoint kStart = TimePoint(std::chrono::seconds(1735813800));  // 2025-01-02

// A fresh folder per test, removed afterwards.
class SqliteStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_sqlite_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "data" / "state.sqlite3";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  StateBackend Open() {
    auto backend =
        NewSqliteBackend(SqliteOptions{.path = path_, .jitter = [] { return 0.5; }}, clock_);
    EXPECT_TRUE(backend.ok()) << backend.status();
    return std::move(backend).value();
  }

  // Runs one query returning an integer or text on a separate raw connection.
  std::string Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  static JobSpec Spec(std::string id, int priority = 5) {
    JobSpec spec;
    spec.task_id = std::move(id);
    spec.task_name = "vmsg.generate_video";
    spec.args = {{"text", "こんにちは"}};
    spec.priority = priority;
    return spec;
  }

  FakeClock clock_{kStart};
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST_F(SqliteStateTest, EverythingSurvivesCloseAndReopen) {
  std::string token;
  {
    StateBackend backend = Open();
    EXPECT_EQ(backend.description, "sqlite:" + path_.string());
    ASSERT_TRUE(backend.queue->Enqueue(Spec("job-a")).ok());
    ASSERT_TRUE(backend.queue->Enqueue(Spec("job-b")).ok());
    JobSpec delayed = Spec("job-c");
    delayed.delay = std::chrono::minutes(1);
    ASSERT_TRUE(backend.queue->Enqueue(delayed).ok());
    auto fetched = backend.queue->Fetch(std::chrono::seconds(30), Duration::zero());
    ASSERT_TRUE(fetched.ok() && fetched->has_value());
    EXPECT_EQ((*fetched)->job.task_id, "job-a");
    token = (*fetched)->token;

    TaskResult result{.task_id = "job-z", .status = TaskStatus::kSuccess, .result = {{"ok", 1}}};
    ASSERT_TRUE(backend.results->Put(result).ok());
    ASSERT_TRUE(backend.sessions->Put({"sess-1", "job-a", clock_.Now(), clock_.Now()}).ok());
    ASSERT_TRUE(backend.rate_limits->Hit("generate:203.0.113.9", 5).ok());
  }

  StateBackend backend = Open();
  auto stats = backend.queue->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready, 1);
  EXPECT_EQ(stats->delayed, 1);
  EXPECT_EQ(stats->reserved, 1);
  auto result = backend.results->Get("job-z");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->result, Json({{"ok", 1}}));
  EXPECT_TRUE(backend.sessions->Get("sess-1").ok());
  auto hit = backend.rate_limits->Hit("generate:203.0.113.9", 5);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->count, 2);
  EXPECT_EQ(hit->window_start, kStart);

  // The reopened queue reaps the reservation made before the close and delivers it again.
  clock_.Advance(std::chrono::seconds(31));
  auto reaped = backend.queue->ReapExpired();
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(*reaped, 1);
  auto again = backend.queue->Fetch(std::chrono::seconds(30), Duration::zero());
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->job.task_id, "job-a");
  EXPECT_EQ((*again)->job.attempt, 1);
  EXPECT_EQ((*again)->job.args, Json({{"text", "こんにちは"}}));
  EXPECT_EQ((*again)->job.enqueued_at, kStart);
  Reservation stale = **again;
  stale.token = token;
  EXPECT_TRUE(backend.queue->Ack(stale).IsNotFound());
  EXPECT_TRUE(backend.queue->Ack(**again).ok());
}

TEST_F(SqliteStateTest, FileIsInWalModeWithVersionedSchema) {
  StateBackend backend = Open();
  EXPECT_EQ(Query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Query("PRAGMA user_version"), "1");
  EXPECT_TRUE(backend.ping().ok());
}

TEST_F(SqliteStateTest, FileThatIsNotADatabaseIsUnavailable) {
  std::filesystem::create_directories(path_.parent_path());
  {
    std::ofstream out(path_, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "not a database, just text ";
  }
  auto backend = NewSqliteBackend(SqliteOptions{.path = path_}, clock_);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(backend.status().message(), HasSubstr(path_.string()));
  EXPECT_THAT(backend.status().message(), HasSubstr("not a database"));
}

TEST_F(SqliteStateTest, PathThatCannotBeOpenedIsUnavailable) {
  std::filesystem::create_directories(path_);  // a folder where the file should be
  auto backend = NewSqliteBackend(SqliteOptions{.path = path_}, clock_);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(backend.status().message(), HasSubstr(path_.string()));
}

TEST_F(SqliteStateTest, NewerSchemaIsRefused) {
  { StateBackend backend = Open(); }
  Query("PRAGMA user_version = 99");
  auto backend = NewSqliteBackend(SqliteOptions{.path = path_}, clock_);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(backend.status().message(), HasSubstr("99"));
}

TEST_F(SqliteStateTest, TwoBackendsOnOneFileNeverDeliverAJobTwice) {
  constexpr int kJobs = 500;
  constexpr int kThreadsPerBackend = 4;
  StateBackend first = Open();
  StateBackend second = Open();
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(first.queue->Enqueue(Spec("job-" + std::to_string(i), i % 10)).ok());
  }

  std::mutex mutex;
  std::map<std::string, int> deliveries;
  std::atomic<int> errors{0};
  auto work = [&](JobQueue& queue) {
    while (true) {
      auto fetched = queue.Fetch(std::chrono::minutes(10), Duration::zero());
      if (!fetched.ok()) {
        ++errors;
        ADD_FAILURE() << fetched.status();
        return;
      }
      if (!fetched->has_value()) return;
      {
        std::lock_guard lock(mutex);
        ++deliveries[(*fetched)->job.task_id];
      }
      if (!queue.Ack(**fetched).ok()) ++errors;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreadsPerBackend; ++i) {
    threads.emplace_back(work, std::ref(*first.queue));
    threads.emplace_back(work, std::ref(*second.queue));
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(errors.load(), 0);
  ASSERT_EQ(deliveries.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, count] : deliveries) EXPECT_EQ(count, 1) << id;
  auto stats = second.queue->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready + stats->reserved + stats->delayed, 0);
}

TEST_F(SqliteStateTest, SweepDeletesExpiredRecords) {
  StateBackend backend = Open();
  auto sweep = NewSqliteSweeper(SqliteOptions{.path = path_}, clock_);
  ASSERT_TRUE(sweep.ok()) << sweep.status();

  ASSERT_TRUE(backend.results->Put({.task_id = "t1", .status = TaskStatus::kStarted}).ok());
  Progress running{.task_id = "t1", .percentage = 35, .timestamp = clock_.Now()};
  ASSERT_TRUE(backend.progress->Publish(running).ok());
  Progress done{.task_id = "t2", .percentage = 100, .timestamp = clock_.Now(), .final = true};
  ASSERT_TRUE(backend.progress->Publish(done).ok());
  ASSERT_TRUE(backend.sessions->Put({"s1", "t1", clock_.Now(), clock_.Now()}).ok());
  ASSERT_TRUE(backend.rate_limits->Hit("ip", 1).ok());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM records"), "5");
  EXPECT_EQ((*sweep)().value_or(-1), 0);

  // After 11 min the final progress and the session are gone, on read and after a sweep.
  clock_.Advance(std::chrono::minutes(11));
  EXPECT_TRUE(backend.progress->Latest("t2").status().IsNotFound());
  EXPECT_TRUE(backend.sessions->Get("s1").status().IsNotFound());
  EXPECT_EQ(Query("SELECT COUNT(*) FROM records"), "5");
  EXPECT_EQ((*sweep)().value_or(-1), 2);
  EXPECT_TRUE(backend.progress->Latest("t1").ok());

  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ((*sweep)().value_or(-1), 1);  // the rate-limit window
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ((*sweep)().value_or(-1), 2);  // the result and the unfinished progress
  EXPECT_EQ(Query("SELECT COUNT(*) FROM records"), "0");
}

TEST_F(SqliteStateTest, FailUsesInjectedJitterForBackoff) {
  StateBackend backend = Open();
  ASSERT_TRUE(backend.queue->Enqueue(Spec("job")).ok());
  auto fetched = backend.queue->Fetch(std::chrono::minutes(1), Duration::zero());
  ASSERT_TRUE(fetched.ok() && fetched->has_value());
  auto retried = backend.queue->Fail(**fetched, Status::Unavailable("tts down"));
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(*retried);

  const Duration backoff = RetryBackoff(0, 0.5);  // the fixed jitter of Open()
  clock_.Advance(backoff - std::chrono::milliseconds(1));
  EXPECT_EQ(backend.queue->EnqueueDue().value_or(-1), 0);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(backend.queue->EnqueueDue().value_or(-1), 1);
  auto again = backend.queue->Fetch(std::chrono::minutes(1), Duration::zero());
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->job.attempt, 1);
}

TEST_F(SqliteStateTest, JobWhoseWorkerKeepsDyingGoesDead) {
  StateBackend backend = Open();
  JobSpec spec = Spec("job");
  spec.max_retries = 1;
  ASSERT_TRUE(backend.queue->Enqueue(spec).ok());
  for (int expiry = 1; expiry <= 2; ++expiry) {
    auto fetched = backend.queue->Fetch(std::chrono::seconds(10), Duration::zero());
    ASSERT_TRUE(fetched.ok() && fetched->has_value());
    clock_.Advance(std::chrono::seconds(11));
    EXPECT_EQ(backend.queue->ReapExpired().value_or(-1), 1);
  }
  auto dead = backend.queue->ListDead(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].job.task_id, "job");
  EXPECT_EQ((*dead)[0].error, "worker lost (visibility timeout expired 2 times)");
  EXPECT_EQ((*dead)[0].died_at, clock_.Now());
  // A dead task id may be queued again.
  EXPECT_TRUE(backend.queue->Enqueue(spec).ok());
}

TEST_F(SqliteStateTest, WaitingFetchSeesJobsEnqueuedThroughAnotherBackend) {
  StateBackend first = Open();
  StateBackend second = Open();
  std::thread producer([&] { EXPECT_TRUE(first.queue->Enqueue(Spec("job")).ok()); });
  // Polling bounds how long the event from the other backend takes to be noticed.
  auto fetched = second.queue->Fetch(std::chrono::minutes(1), std::chrono::seconds(30));
  producer.join();
  ASSERT_TRUE(fetched.ok());
  ASSERT_TRUE(fetched->has_value());
  EXPECT_EQ((*fetched)->job.task_id, "job");
}

TEST_F(SqliteStateTest, SubscribersHearOnlyTheirOwnBackend) {
  StateBackend first = Open();
  StateBackend second = Open();
  auto mine = first.progress->Subscribe("t1");
  auto other = second.progress->Subscribe("t1");
  ASSERT_TRUE(mine.ok() && other.ok());
  for (int pct : {5, 15, 35}) {
    ASSERT_TRUE(first.progress->Publish({.task_id = "t1", .percentage = pct}).ok());
  }
  for (int pct : {5, 15, 35}) {
    auto next = (*mine)->Next(std::chrono::seconds(5));
    ASSERT_TRUE(next.ok() && next->has_value());
    EXPECT_EQ((*next)->percentage, pct);
  }
  auto none = (*other)->Next(std::chrono::milliseconds(1));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // The record itself is shared through the file.
  auto latest = second.progress->Latest("t1");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->percentage, 35);
}

}  // namespace
}  // namespace vmsg::state
