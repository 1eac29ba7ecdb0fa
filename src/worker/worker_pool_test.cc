// Tests of the worker pool on the real SQLite state backend and a FakeClock: every outcome
// of a delivery (success, permanent error, retry, user cancel, time limit, shutdown, unknown
// task, a throwing handler) and many jobs over several threads. Outcomes are awaited by
// polling a condition with a real-time bound; time limits and backoffs move the FakeClock.
#include "worker/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "state/sqlite/sqlite_state.h"

namespace vmsg::worker {
namespace {

using state::TaskStatus;
using ::testing::HasSubstr;

constexpr TimePoint kStart = TimePoint(std::chrono::seconds(1735813800));  // 2025-01-02
// The longest a test waits for an outcome before failing (real time).
constexpr auto kOutcomeTimeout = std::chrono::seconds(20);
constexpr auto kPollStep = std::chrono::milliseconds(5);
// How long a looping test handler runs before giving up on being cancelled (real time).
constexpr auto kHandlerGiveUp = std::chrono::seconds(30);

// Polls `condition` until it holds or kOutcomeTimeout passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kOutcomeTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(kPollStep);
  }
  return condition();
}

// A one-shot latch a test opens to let a blocked handler finish.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool WaitOpen() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kHandlerGiveUp, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A handler that runs until a cancellation point tells it to stop.
Result<Json> LoopUntilCancelled(TaskContext& ctx) {
  const auto give_up = std::chrono::steady_clock::now() + kHandlerGiveUp;
  while (std::chrono::steady_clock::now() < give_up) {
    Status stop = ctx.CheckCancelled();
    if (!stop.ok()) return stop;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Status::Internal("the test handler was never cancelled");
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_worker_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    backend_ = Open();
  }
  void TearDown() override {
    pool_.reset();
    backend_ = {};
    std::filesystem::remove_all(dir_);
  }

  state::StateBackend Open() {
    auto backend = state::NewSqliteBackend(
        state::SqliteOptions{.path = dir_ / "state.sqlite3", .jitter = [] { return 0.5; }}, clock_);
    EXPECT_TRUE(backend.ok()) << backend.status();
    return std::move(backend).value();
  }

  // Options that keep tests quick: short real-time waits; FakeClock durations as in prod.
  static WorkerOptions FastOptions(int threads = 1) {
    WorkerOptions options;
    options.threads = threads;
    options.fetch_wait = std::chrono::milliseconds(20);
    options.scheduler_interval = std::chrono::milliseconds(10);
    options.reaper_interval = std::chrono::milliseconds(10);
    return options;
  }

  WorkerPool& StartPool(TaskRegistry registry, WorkerOptions options = FastOptions()) {
    pool_ = std::make_unique<WorkerPool>(*backend_.queue, *backend_.results, *backend_.progress,
                                         std::move(registry), options, clock_, logger_);
    EXPECT_TRUE(pool_->Start().ok());
    return *pool_;
  }

  void Enqueue(const std::string& task_id, const std::string& task_name, int priority = 5) {
    state::JobSpec spec;
    spec.task_id = task_id;
    spec.task_name = task_name;
    spec.priority = priority;
    ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  }

  std::optional<TaskStatus> StatusOf(const std::string& task_id) {
    auto result = backend_.results->Get(task_id);
    if (!result.ok()) return std::nullopt;
    return result->status;
  }

  bool WaitForStatus(const std::string& task_id, TaskStatus status) {
    return WaitFor([&] { return StatusOf(task_id) == status; });
  }

  state::TaskResult ResultOf(const std::string& task_id) {
    auto result = backend_.results->Get(task_id);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(state::TaskResult{});
  }

  state::Progress ProgressOf(const std::string& task_id) {
    auto progress = backend_.progress->Latest(task_id);
    EXPECT_TRUE(progress.ok()) << progress.status();
    return progress.value_or(state::Progress{});
  }

  // The final progress is published just after the result record, so wait for it.
  state::Progress FinalProgressOf(const std::string& task_id, int percentage) {
    EXPECT_TRUE(WaitFor([&] {
      auto progress = backend_.progress->Latest(task_id);
      return progress.ok() && progress->percentage == percentage;
    }));
    return ProgressOf(task_id);
  }

  state::QueueStats Stats() {
    auto stats = backend_.queue->Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.value_or(state::QueueStats{});
  }

  static TaskRegistry RegistryWith(const std::string& name, TaskHandler handler) {
    TaskRegistry registry;
    EXPECT_TRUE(registry.Register(name, std::move(handler)).ok());
    return registry;
  }

  FakeClock clock_{kStart};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  std::filesystem::path dir_;
  state::StateBackend backend_;
  std::unique_ptr<WorkerPool> pool_;
};

// A succeeded job is acked with the next fetch: back to back jobs, then a shutdown, must
// leave no reservation behind.
TEST_F(WorkerPoolTest, BackToBackJobsAreAllAckedByShutdown) {
  StartPool(RegistryWith("vmsg.test", [](TaskContext&) -> Result<Json> { return Json::object(); }));
  constexpr int kJobs = 40;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(
        backend_.queue->Enqueue({.task_id = "t-" + std::to_string(i), .task_name = "vmsg.test"})
            .ok());
  }
  ASSERT_TRUE(WaitFor([&] { return pool_->Counters().succeeded == kJobs; }));
  pool_->Shutdown();
  const state::QueueStats stats = Stats();
  EXPECT_EQ(stats.ready + stats.reserved + stats.delayed + stats.dead, 0);
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(ResultOf("t-" + std::to_string(i)).status, TaskStatus::kSuccess);
  }
}

TEST_F(WorkerPoolTest, SuccessRecordsStartedThenResultAndFinalProgress) {
  Gate gate;
  StartPool(RegistryWith("vmsg.test", [&](TaskContext& ctx) -> Result<Json> {
    VMSG_RETURN_IF_ERROR(ctx.ReportProgress(50, "optimize", "画像を最適化中..."));
    if (!gate.WaitOpen()) return Status::Internal("gate never opened");
    return Json{{"video", "final_video.mp4"}, {"args", ctx.job().args}};
  }));
  state::JobSpec spec{.task_id = "t-ok", .task_name = "vmsg.test", .args = Json{{"n", 1}}};
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());

  ASSERT_TRUE(WaitForStatus("t-ok", TaskStatus::kStarted));
  EXPECT_TRUE(ResultOf("t-ok").result.contains("pid"));
  ASSERT_TRUE(WaitFor([&] {
    auto p = backend_.progress->Latest("t-ok");
    return p.ok() && p->percentage == 50;
  }));
  const state::Progress running = ProgressOf("t-ok");
  EXPECT_EQ(running.current_step, "optimize");
  EXPECT_EQ(running.total_steps, 8);
  EXPECT_EQ(running.timestamp, kStart);
  EXPECT_FALSE(running.final);
  EXPECT_EQ(pool_->Counters().busy, 1);

  gate.Open();
  ASSERT_TRUE(WaitForStatus("t-ok", TaskStatus::kSuccess));
  const state::TaskResult done = ResultOf("t-ok");
  EXPECT_EQ(done.result, (Json{{"video", "final_video.mp4"}, {"args", {{"n", 1}}}}));
  EXPECT_EQ(done.date_done, kStart);
  const state::Progress final_progress = FinalProgressOf("t-ok", 100);
  EXPECT_EQ(final_progress.percentage, 100);
  EXPECT_EQ(final_progress.message, "完了しました！");
  EXPECT_EQ(final_progress.current_step, "done");
  ASSERT_TRUE(WaitFor([&] { return Stats().reserved == 0; }));
  const state::QueueStats stats = Stats();
  EXPECT_EQ(stats.ready + stats.delayed + stats.dead, 0);
  EXPECT_TRUE(WaitFor([&] { return pool_->Counters().busy == 0; }));
  EXPECT_EQ(pool_->Counters().succeeded, 1);
}

// An English message's task ends in English: by its arguments before the handler runs
// (an unknown task), and as the handler decides once it has read them.
TEST_F(WorkerPoolTest, FinalProgressSpeaksTheTasksLanguage) {
  StartPool(RegistryWith("vmsg.test", [](TaskContext& ctx) -> Result<Json> {
    if (ctx.job().args.value("say", "") == "en") ctx.SetFinalTexts(kEnglishFinalTexts);
    if (ctx.job().args.value("fail", false)) return Status::InvalidArgument("bad photo");
    return Json::object();
  }));
  const auto run = [&](const std::string& id, const std::string& task, Json args) {
    state::JobSpec spec{.task_id = id, .task_name = task, .args = std::move(args)};
    EXPECT_TRUE(backend_.queue->Enqueue(spec).ok());
  };
  run("t-en-args", "vmsg.unknown", Json{{"language", "en"}});
  run("t-ja-args", "vmsg.unknown", Json{{"language", "ja"}});
  run("t-en-done", "vmsg.test", Json{{"say", "en"}});
  run("t-en-fail", "vmsg.test", Json{{"say", "en"}, {"fail", true}});
  run("t-ja-done", "vmsg.test", Json::object());
  ASSERT_TRUE(WaitForStatus("t-en-args", TaskStatus::kFailure));
  ASSERT_TRUE(WaitForStatus("t-ja-args", TaskStatus::kFailure));
  ASSERT_TRUE(WaitForStatus("t-en-done", TaskStatus::kSuccess));
  ASSERT_TRUE(WaitForStatus("t-en-fail", TaskStatus::kFailure));
  ASSERT_TRUE(WaitForStatus("t-ja-done", TaskStatus::kSuccess));
  EXPECT_THAT(FinalProgressOf("t-en-args", -1).message, testing::StartsWith("An error occurred: "));
  EXPECT_THAT(FinalProgressOf("t-ja-args", -1).message,
              testing::StartsWith("エラーが発生しました: "));
  EXPECT_EQ(FinalProgressOf("t-en-done", 100).message, "Done!");
  EXPECT_EQ(FinalProgressOf("t-en-fail", -1).message, "An error occurred: bad photo");
  EXPECT_EQ(FinalProgressOf("t-ja-done", 100).message, "完了しました！");
}

// The result store as during a Redis restart: its first `failures` PutFinal calls fail
// with Unavailable; everything else reaches the real store.
class UnavailableForAWhile final : public state::TaskResults {
 public:
  UnavailableForAWhile(state::TaskResults& real, int failures) : real_(real), left_(failures) {}
  Status Put(const state::TaskResult& result) override { return real_.Put(result); }
  Status PutFinal(const state::TaskResult& result, const state::Progress& progress) override {
    ++calls_;
    if (left_ != 0) {
      if (left_ > 0) --left_;
      return Status::Unavailable("redis: connect to redis://127.0.0.1:6379/1: Connection refused");
    }
    return real_.PutFinal(result, progress);
  }
  Result<state::TaskResult> Get(const std::string& task_id) override { return real_.Get(task_id); }
  int calls() const { return calls_.load(); }

 private:
  state::TaskResults& real_;
  std::atomic<int> left_;  // -1: fails for ever
  std::atomic<int> calls_{0};
};

TEST_F(WorkerPoolTest, OutcomeIsRecordedAfterAShortStateOutage) {
  UnavailableForAWhile results(*backend_.results, 3);
  pool_ = std::make_unique<WorkerPool>(*backend_.queue, results, *backend_.progress,
                                       RegistryWith("vmsg.test",
                                                    [](TaskContext&) -> Result<Json> {
                                                      return Json{{"n", 1}};
                                                    }),
                                       FastOptions(), clock_, logger_);
  ASSERT_TRUE(pool_->Start().ok());
  Enqueue("t-outage", "vmsg.test");

  ASSERT_TRUE(WaitForStatus("t-outage", TaskStatus::kSuccess));
  EXPECT_EQ(results.calls(), 4);
  EXPECT_EQ(ResultOf("t-outage").result, (Json{{"n", 1}}));
  ASSERT_TRUE(WaitFor([&] { return pool_->Counters().succeeded == 1; }));
  pool_->Shutdown();  // acks the success
  const state::QueueStats stats = Stats();
  EXPECT_EQ(stats.ready + stats.delayed + stats.reserved + stats.dead, 0);
  EXPECT_EQ(pool_->Counters().retried, 0);
}

TEST_F(WorkerPoolTest, OutcomeLeftToTheQueueWhenTheOutageOutlastsTheBudget) {
  UnavailableForAWhile results(*backend_.results, -1);
  WorkerOptions options = FastOptions();
  options.outcome_retry_budget = std::chrono::milliseconds(300);
  pool_ = std::make_unique<WorkerPool>(*backend_.queue, results, *backend_.progress,
                                       RegistryWith("vmsg.test",
                                                    [](TaskContext&) -> Result<Json> {
                                                      return Json{{"n", 1}};
                                                    }),
                                       options, clock_, logger_);
  ASSERT_TRUE(pool_->Start().ok());
  Enqueue("t-long-outage", "vmsg.test");

  // Retryable, so the queue runs it again later; nothing is lost.
  ASSERT_TRUE(WaitForStatus("t-long-outage", TaskStatus::kRetry));
  EXPECT_GE(results.calls(), 2);
  EXPECT_EQ(Stats().delayed, 1);
}

TEST_F(WorkerPoolTest, TrackStartedOffWritesNoStartedRecord) {
  Gate gate;
  WorkerOptions options = FastOptions();
  options.track_started = false;
  StartPool(RegistryWith("vmsg.test",
                         [&](TaskContext&) -> Result<Json> {
                           gate.WaitOpen();
                           return Json::object();
                         }),
            options);
  Enqueue("t-quiet", "vmsg.test");
  ASSERT_TRUE(WaitFor([&] { return pool_->Counters().busy == 1; }));
  EXPECT_EQ(StatusOf("t-quiet"), std::nullopt);
  gate.Open();
  EXPECT_TRUE(WaitForStatus("t-quiet", TaskStatus::kSuccess));
}

TEST_F(WorkerPoolTest, PermanentErrorIsFailureAndDead) {
  StartPool(RegistryWith("vmsg.test", [](TaskContext&) -> Result<Json> {
    return Status::InvalidArgument("picture has no face", "no_face_found");
  }));
  Enqueue("t-bad", "vmsg.test");

  ASSERT_TRUE(WaitForStatus("t-bad", TaskStatus::kFailure));
  const state::TaskResult failed = ResultOf("t-bad");
  EXPECT_EQ(failed.result,
            (Json{{"exc_type", "no_face_found"}, {"exc_message", "picture has no face"}}));
  EXPECT_TRUE(failed.date_done.has_value());
  const state::Progress progress = FinalProgressOf("t-bad", -1);
  EXPECT_EQ(progress.percentage, -1);
  EXPECT_EQ(progress.message, "エラーが発生しました: picture has no face");

  ASSERT_TRUE(WaitFor([&] { return Stats().dead == 1; }));
  auto dead = backend_.queue->ListDead(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].job.task_id, "t-bad");
  EXPECT_THAT((*dead)[0].error, HasSubstr("picture has no face"));
  EXPECT_EQ(pool_->Counters().failed, 1);
  EXPECT_EQ(pool_->Counters().retried, 0);
}

TEST_F(WorkerPoolTest, RetryableErrorRetriesAfterBackoffThenSucceeds) {
  StartPool(RegistryWith("vmsg.test", [](TaskContext& ctx) -> Result<Json> {
    if (ctx.job().attempt == 0) return Status::Unavailable("model server down");
    return Json{{"attempt", ctx.job().attempt}};
  }));
  Enqueue("t-retry", "vmsg.test");

  ASSERT_TRUE(WaitForStatus("t-retry", TaskStatus::kRetry));
  EXPECT_EQ(ResultOf("t-retry").result,
            (Json{{"exc_type", "UNAVAILABLE"}, {"exc_message", "model server down"}}));
  EXPECT_FALSE(ResultOf("t-retry").date_done.has_value());
  EXPECT_EQ(Stats().delayed, 1);
  EXPECT_EQ(pool_->Counters().retried, 1);

  // Backoff after attempt 0 is (1^4 + 15) s plus at most 30 %.
  clock_.Advance(std::chrono::seconds(60));
  ASSERT_TRUE(WaitForStatus("t-retry", TaskStatus::kSuccess));
  EXPECT_EQ(ResultOf("t-retry").result, (Json{{"attempt", 1}}));
  EXPECT_TRUE(WaitFor([&] { return pool_->Counters().succeeded == 1; }));
  EXPECT_EQ(pool_->Counters().failed, 0);
}

// on_task_ended hears of each end once, after the record is written, with the job and its
// outcome; never of a retry.
TEST_F(WorkerPoolTest, OnTaskEndedHearsOfEveryEndOnceAfterItsRecord) {
  std::mutex mutex;
  std::vector<std::pair<std::string, TaskStatus>> heard;
  WorkerOptions options = FastOptions();
  options.on_task_ended = [&](const state::Job& job, const state::TaskResult& result) {
    // The record is there when the hook runs.
    EXPECT_EQ(StatusOf(job.task_id), result.status);
    std::lock_guard lock(mutex);
    heard.emplace_back(job.task_id, result.status);
    return Status::Ok();
  };
  TaskRegistry registry;
  ASSERT_TRUE(
      registry.Register("vmsg.ok", [](TaskContext&) -> Result<Json> { return Json::object(); })
          .ok());
  ASSERT_TRUE(registry
                  .Register("vmsg.bad",
                            [](TaskContext&) -> Result<Json> {
                              return Status::InvalidArgument("no face", "no_face_found");
                            })
                  .ok());
  ASSERT_TRUE(registry
                  .Register("vmsg.flaky",
                            [](TaskContext& ctx) -> Result<Json> {
                              if (ctx.job().attempt == 0)
                                return Status::Unavailable("model server down");
                              return Json::object();
                            })
                  .ok());
  StartPool(std::move(registry), options);
  Enqueue("t-ok", "vmsg.ok");
  Enqueue("t-bad", "vmsg.bad");
  Enqueue("t-flaky", "vmsg.flaky");
  ASSERT_TRUE(WaitForStatus("t-ok", TaskStatus::kSuccess));
  ASSERT_TRUE(WaitForStatus("t-bad", TaskStatus::kFailure));
  ASSERT_TRUE(WaitForStatus("t-flaky", TaskStatus::kRetry));
  clock_.Advance(std::chrono::seconds(60));
  ASSERT_TRUE(WaitForStatus("t-flaky", TaskStatus::kSuccess));
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mutex);
    return heard.size() == 3;
  }));
  pool_->Shutdown();
  std::sort(heard.begin(), heard.end());
  EXPECT_EQ(heard,
            (std::vector<std::pair<std::string, TaskStatus>>{{"t-bad", TaskStatus::kFailure},
                                                             {"t-flaky", TaskStatus::kSuccess},
                                                             {"t-ok", TaskStatus::kSuccess}}));
}

TEST_F(WorkerPoolTest, UserCancelOfRunningTaskIsRevoked) {
  StartPool(RegistryWith("vmsg.test", LoopUntilCancelled));
  Enqueue("t-cancel", "vmsg.test");
  ASSERT_TRUE(WaitForStatus("t-cancel", TaskStatus::kStarted));

  ASSERT_TRUE(backend_.queue->Cancel("t-cancel").ok());
  ASSERT_TRUE(WaitForStatus("t-cancel", TaskStatus::kRevoked));
  EXPECT_EQ(ResultOf("t-cancel").result["exc_type"], "TaskRevokedError");
  const state::Progress progress = FinalProgressOf("t-cancel", -1);
  EXPECT_EQ(progress.percentage, -1);
  EXPECT_EQ(progress.message, "キャンセルされました");
  ASSERT_TRUE(WaitFor([&] { return Stats().reserved == 0; }));
  EXPECT_EQ(Stats().dead, 0);
  EXPECT_EQ(Stats().ready, 0);
  EXPECT_EQ(pool_->Counters().revoked, 1);
}

TEST_F(WorkerPoolTest, TimeLimitFailsWithoutRetry) {
  StartPool(RegistryWith("vmsg.test", LoopUntilCancelled));
  Enqueue("t-slow", "vmsg.test");
  ASSERT_TRUE(WaitForStatus("t-slow", TaskStatus::kStarted));

  clock_.Advance(std::chrono::seconds(301));
  ASSERT_TRUE(WaitForStatus("t-slow", TaskStatus::kFailure));
  EXPECT_EQ(ResultOf("t-slow").result, (Json{{"exc_type", "TimeLimitExceeded"},
                                             {"exc_message", "time limit exceeded (300 s)"}}));
  const state::Progress progress = FinalProgressOf("t-slow", -1);
  EXPECT_EQ(progress.percentage, -1);
  EXPECT_EQ(progress.message, "エラーが発生しました: 時間制限を超えました");

  // max_retries is 3, yet a time limit is never retried.
  ASSERT_TRUE(WaitFor([&] { return Stats().dead == 1; }));
  EXPECT_EQ(Stats().delayed, 0);
  auto dead = backend_.queue->ListDead(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_THAT((*dead)[0].error, HasSubstr("time_limit_exceeded"));
  EXPECT_EQ(pool_->Counters().failed, 1);
}

TEST_F(WorkerPoolTest, WatchdogCancelsTokenOverTimeLimit) {
  // The handler only watches its token, never calling CheckCancelled: the watchdog alone
  // must notice the limit.
  StartPool(RegistryWith("vmsg.test", [](TaskContext& ctx) -> Result<Json> {
    const auto give_up = std::chrono::steady_clock::now() + kHandlerGiveUp;
    while (!ctx.token().cancelled() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return ctx.token().CheckCancelled();
  }));
  Enqueue("t-watch", "vmsg.test");
  ASSERT_TRUE(WaitForStatus("t-watch", TaskStatus::kStarted));
  clock_.Advance(std::chrono::seconds(301));
  ASSERT_TRUE(WaitForStatus("t-watch", TaskStatus::kFailure));
  EXPECT_EQ(ResultOf("t-watch").result["exc_type"], "TimeLimitExceeded");
}

TEST_F(WorkerPoolTest, WatchdogDeliversUserCancelToTokenOnlyHandler) {
  // A handler inside one long step watches only its token: the user's cancel still reaches
  // it, through the watchdog, and the task ends REVOKED.
  StartPool(RegistryWith("vmsg.test", [](TaskContext& ctx) -> Result<Json> {
    const auto give_up = std::chrono::steady_clock::now() + kHandlerGiveUp;
    while (!ctx.token().cancelled() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return ctx.token().CheckCancelled();
  }));
  Enqueue("t-token", "vmsg.test");
  ASSERT_TRUE(WaitForStatus("t-token", TaskStatus::kStarted));
  ASSERT_TRUE(backend_.queue->Cancel("t-token").ok());
  ASSERT_TRUE(WaitForStatus("t-token", TaskStatus::kRevoked));
  EXPECT_EQ(pool_->Counters().revoked, 1);
}

TEST_F(WorkerPoolTest, ShutdownReleasesRunningTaskForAnotherWorker) {
  StartPool(RegistryWith("vmsg.test", LoopUntilCancelled));
  Enqueue("t-shut", "vmsg.test");
  ASSERT_TRUE(WaitForStatus("t-shut", TaskStatus::kStarted));

  pool_->Shutdown();
  EXPECT_EQ(pool_->Counters().released, 1);
  EXPECT_EQ(StatusOf("t-shut"), TaskStatus::kStarted);  // not REVOKED, not FAILURE

  // Another process's queue on the same file takes it at once, same attempt.
  state::StateBackend other = Open();
  auto fetched = other.queue->Fetch(std::chrono::minutes(10), Duration::zero());
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  ASSERT_TRUE(fetched->has_value());
  EXPECT_EQ((*fetched)->job.task_id, "t-shut");
  EXPECT_EQ((*fetched)->job.attempt, 0);
}

TEST_F(WorkerPoolTest, UnknownTaskNameFailsPermanently) {
  StartPool(TaskRegistry{});
  Enqueue("t-unknown", "vmsg.no_such_task");
  ASSERT_TRUE(WaitForStatus("t-unknown", TaskStatus::kFailure));
  const state::TaskResult failed = ResultOf("t-unknown");
  EXPECT_EQ(failed.result["exc_type"], "NotRegistered");
  EXPECT_THAT(failed.result["exc_message"].get<std::string>(), HasSubstr("vmsg.no_such_task"));
  EXPECT_TRUE(WaitFor([&] { return Stats().dead == 1; }));
}

TEST_F(WorkerPoolTest, ThrowingHandlerFailsAndWorkerKeepsServing) {
  TaskRegistry registry;
  ASSERT_TRUE(registry
                  .Register("vmsg.throw",
                            [](TaskContext&) -> Result<Json> { throw std::runtime_error("boom"); })
                  .ok());
  ASSERT_TRUE(
      registry.Register("vmsg.ok",
                        [](TaskContext&) -> Result<Json> {
                          return Json{{"ok", true}};
                        })
          .ok());
  StartPool(std::move(registry), FastOptions(/*threads=*/1));
  Enqueue("t-throw", "vmsg.throw", /*priority=*/9);
  Enqueue("t-next", "vmsg.ok", /*priority=*/1);

  ASSERT_TRUE(WaitForStatus("t-throw", TaskStatus::kFailure));
  EXPECT_THAT(ResultOf("t-throw").result["exc_message"].get<std::string>(), HasSubstr("boom"));
  ASSERT_TRUE(WaitForStatus("t-next", TaskStatus::kSuccess));
  EXPECT_EQ(ResultOf("t-next").result, (Json{{"ok", true}}));
}

TEST_F(WorkerPoolTest, ManyJobsOverFourThreadsCompleteExactlyOnce) {
  constexpr int kJobs = 100;
  std::mutex mutex;
  std::map<std::string, int> runs;
  StartPool(RegistryWith("vmsg.test",
                         [&](TaskContext& ctx) -> Result<Json> {
                           std::lock_guard lock(mutex);
                           ++runs[ctx.job().task_id];
                           return Json{{"id", ctx.job().task_id}};
                         }),
            FastOptions(/*threads=*/4));
  for (int i = 0; i < kJobs; ++i) Enqueue("t-" + std::to_string(i), "vmsg.test", i % 10);

  ASSERT_TRUE(WaitFor([&] { return pool_->Counters().succeeded == kJobs; }));
  ASSERT_TRUE(WaitFor([&] { return Stats().reserved == 0; }));
  pool_->Shutdown();
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(runs.size(), static_cast<size_t>(kJobs));
    for (const auto& [id, count] : runs) EXPECT_EQ(count, 1) << id;
  }
  for (int i = 0; i < kJobs; ++i) {
    const std::string id = "t-" + std::to_string(i);
    EXPECT_EQ(StatusOf(id), TaskStatus::kSuccess) << id;
  }
  const state::QueueStats stats = Stats();
  EXPECT_EQ(stats.ready + stats.delayed + stats.reserved + stats.dead, 0);
  const WorkerCounters counters = pool_->Counters();
  EXPECT_EQ(counters.failed + counters.retried + counters.revoked + counters.released, 0);
}

TEST_F(WorkerPoolTest, StartRejectsBadOptionsAndSecondStart) {
  WorkerOptions bad = FastOptions();
  bad.threads = 0;
  WorkerPool invalid(*backend_.queue, *backend_.results, *backend_.progress, TaskRegistry{}, bad,
                     clock_, logger_);
  EXPECT_TRUE(invalid.Start().IsInvalidArgument());

  WorkerPool& pool = StartPool(TaskRegistry{});
  EXPECT_EQ(pool.Start().code(), StatusCode::kFailedPrecondition);
}

TEST_F(WorkerPoolTest, WaitReturnsAfterShutdownFromAnotherThread) {
  WorkerPool& pool = StartPool(TaskRegistry{});
  std::thread stopper([&] { pool.Shutdown(); });
  pool.Wait();
  stopper.join();
  pool.Shutdown();  // a second call is harmless
}

TEST_F(WorkerPoolTest, RegistryRejectsEmptyAndDuplicateNames) {
  TaskRegistry registry;
  auto noop = [](TaskContext&) -> Result<Json> { return Json(); };
  EXPECT_TRUE(registry.Register("", noop).IsInvalidArgument());
  EXPECT_TRUE(registry.Register("vmsg.a", TaskHandler()).IsInvalidArgument());
  EXPECT_TRUE(registry.Register("vmsg.a", noop).ok());
  EXPECT_EQ(registry.Register("vmsg.a", noop).code(), StatusCode::kAlreadyExists);
  EXPECT_NE(registry.Find("vmsg.a"), nullptr);
  EXPECT_EQ(registry.Find("vmsg.b"), nullptr);
}

TEST_F(WorkerPoolTest, TaskContextValidatesProgressAndChecksTimeLimitOnClock) {
  auto token = std::make_shared<CancellationToken>();
  state::Job job{.task_id = "t-ctx", .task_name = "vmsg.test"};
  TaskContext ctx(job, token, *backend_.queue, *backend_.progress, clock_,
                  std::chrono::seconds(300), logger_);
  EXPECT_TRUE(ctx.ReportProgress(101, "x", "y").IsInvalidArgument());
  EXPECT_TRUE(ctx.ReportProgress(-2, "x", "y").IsInvalidArgument());
  ASSERT_TRUE(ctx.ReportProgress(15, "detect", "人物を検出中...").ok());
  EXPECT_EQ(ProgressOf("t-ctx").message, "人物を検出中...");

  EXPECT_TRUE(ctx.CheckCancelled().ok());
  clock_.Advance(std::chrono::seconds(300));
  const Status stop = ctx.CheckCancelled();
  EXPECT_EQ(stop.reason(), kTimeLimitReason);
  EXPECT_FALSE(stop.IsRetryable());
  EXPECT_TRUE(token->cancelled());
}

}  // namespace
}  // namespace vmsg::worker
