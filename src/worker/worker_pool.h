// The worker pool: threads that fetch jobs from the JobQueue, run the registered handler for
// each, and record the outcome as Celery does (celery-task-meta-{id} and progress:{id}),
// plus the scheduler (due and retry jobs), the reaper (expired reservations) and the
// time-limit watchdog that keep the queue moving.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/cancellation.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/json.h"
#include "base/log.h"
#include "base/result.h"
#include "state/state.h"

namespace vmsg::worker {

// Reasons carried by the statuses a CancellationToken is cancelled with; the pool matches
// on them to pick a task's outcome.
inline constexpr std::string_view kUserCancelReason = "task_revoked";
inline constexpr std::string_view kTimeLimitReason = "time_limit_exceeded";
inline constexpr std::string_view kShutdownReason = "worker_shutdown";

// How often CheckCancelled, and the watchdog for every running task, ask the queue whether
// the user cancelled the task (real time).
inline constexpr std::chrono::milliseconds kCancelPollInterval{200};
// How often the watchdog looks for tasks over their time limit (real time).
inline constexpr std::chrono::milliseconds kWatchdogInterval{50};
// The spec's progress record counts eight pipeline steps.
inline constexpr int kTotalSteps = 8;

// Final progress messages (DESIGN.md section 4), in the task's language.
struct FinalTexts {
  std::string_view done;
  std::string_view cancelled;
  std::string_view error_prefix;  // followed by the error's message
  std::string_view time_limit;    // after error_prefix
};
inline constexpr FinalTexts kJapaneseFinalTexts{"完了しました！", "キャンセルされました",
                                                "エラーが発生しました: ", "時間制限を超えました"};
inline constexpr FinalTexts kEnglishFinalTexts{
    "Done!", "Cancelled", "An error occurred: ", "the time limit was exceeded"};
// A job's texts before its handler says otherwise: English when its arguments say
// "language": "en", else Japanese.
const FinalTexts& FinalTextsFor(const state::Job& job);
// The exception a REVOKED record names, as Celery's own.
inline constexpr std::string_view kRevokedExcType = "TaskRevokedError";
// current_step of a final progress record.
inline constexpr std::string_view kDoneStep = "done";
inline constexpr std::string_view kFailedStep = "failed";
inline constexpr std::string_view kCancelledStep = "cancelled";

// The last progress record of an ended task: `percentage` 100 when done, -1 when it failed
// or was cancelled, with its step (kDoneStep, ...) and message, marked final.
state::Progress FinalProgress(const std::string& task_id, int percentage, std::string_view step,
                              std::string message, TimePoint at);

// What a handler gets for one delivery of one job. Its methods are meant for the handler's
// own thread; the token inside is thread-safe.
class TaskContext {
 public:
  // Built by the pool; handlers never make one (tests may, to unit-test a handler).
  TaskContext(state::Job job, std::shared_ptr<CancellationToken> token, state::JobQueue& queue,
              state::ProgressStore& progress, const Clock& clock, Duration time_limit,
              const Logger& logger, Env& env = Env::Default());

  const state::Job& job() const { return job_; }
  CancellationToken& token() { return *token_; }

  // Publishes progress:{task_id} = {percentage, step, message, total_steps 8, now} (not
  // final). InvalidArgument for a percentage outside -1..100; otherwise the store's error.
  Status ReportProgress(int percentage, std::string step, std::string message);

  // The cancellation point: OK to go on, or the reason to stop, which the handler should
  // return as it is. Stops for a user's cancel (asks the queue at most every
  // kCancelPollInterval of real time; Cancelled, reason kUserCancelReason), for the time
  // limit measured on the Clock from when the handler started (ResourceExhausted, reason
  // kTimeLimitReason, never retryable) and for a worker shutdown (Cancelled, reason
  // kShutdownReason). A queue error while polling is logged and does not stop the task.
  Status CheckCancelled();

  // The language of the task's final progress message (done, cancelled, failed), which the
  // pool writes after the handler returns. FinalTextsFor(job()) until set.
  void SetFinalTexts(const FinalTexts& texts) { final_texts_ = &texts; }
  const FinalTexts& final_texts() const { return *final_texts_; }

 private:
  state::Job job_;
  const FinalTexts* final_texts_;
  std::shared_ptr<CancellationToken> token_;
  state::JobQueue& queue_;
  state::ProgressStore& progress_;
  const Clock& clock_;
  TimePoint started_at_;
  Duration time_limit_;
  const Logger& logger_;
  Env& env_;
  std::chrono::steady_clock::time_point last_poll_{};  // when the queue was last asked
};

// Runs one job. A value is the task's result (stored as the SUCCESS record's `result`); an
// error fails the delivery: retried with backoff when IsRetryable() and retries are left,
// otherwise FAILURE. Handlers should be idempotent (a job may be delivered again) and call
// ctx.CheckCancelled() between steps. A thrown exception is caught and treated as Internal.
using TaskHandler = std::function<Result<Json>(TaskContext&)>;

// Handlers by task name ("vmsg.generate_video"). Filled before the pool starts, then only
// read, so it needs no lock.
class TaskRegistry {
 public:
  // InvalidArgument for an empty name or handler; AlreadyExists when the name is taken.
  Status Register(std::string name, TaskHandler handler);
  // The handler for `name`, or nullptr when none is registered.
  const TaskHandler* Find(const std::string& name) const;

 private:
  std::map<std::string, TaskHandler, std::less<>> handlers_;
};

struct WorkerOptions {
  int threads = 2;                                         // worker threads, at least 1
  Duration visibility_timeout = std::chrono::minutes(10);  // reservation length per fetch
  Duration task_time_limit = std::chrono::seconds(300);    // CELERY_TASK_TIME_LIMIT
  bool track_started = true;                               // CELERY_TASK_TRACK_STARTED
  Duration fetch_wait = std::chrono::seconds(1);           // longest blocking Fetch
  int prefetch = 1;  // jobs each thread reserves per fetch (1..state::kMaxFetchBatch)
  Duration scheduler_interval = std::chrono::seconds(1);  // EnqueueDue period
  Duration reaper_interval = std::chrono::seconds(5);     // ReapExpired period
  // How long a worker keeps trying, with backoff, to record a finished task's outcome
  // while the state store is unavailable (a Redis restart), within the job's reservation;
  // after that the job is left to the queue, which runs it again.
  Duration outcome_retry_budget = std::chrono::seconds(60);
  // Threads and monotonic time (null: Env::Default()).
  Env* env = nullptr;
  // Told of each task that ends (SUCCESS, FAILURE, REVOKED) once its record is written and
  // before the queue is told, so a crash in between tells it again for the same job: it
  // must be idempotent. An error is logged; after SUCCESS it is retried with the record.
  std::function<Status(const state::Job&, const state::TaskResult&)> on_task_ended;

  // InvalidArgument naming the first field out of range (all durations must be positive).
  Status Validate() const;
};

// A snapshot of the pool's counters (for tests and metrics). An outcome is counted before
// its record is written (SUCCESS: once its record is written), so whoever reads the record
// also sees the count, except for SUCCESS, whose count may trail its record briefly.
struct WorkerCounters {
  int64_t busy = 0;       // workers running a handler now
  int64_t succeeded = 0;  // SUCCESS recorded
  int64_t failed = 0;     // FAILURE recorded (errors, time limits, unknown tasks)
  int64_t retried = 0;    // rescheduled by the queue (RETRY recorded)
  int64_t revoked = 0;    // cancelled by a user (REVOKED recorded)
  int64_t released = 0;   // handed back to the queue by a shutdown
};

// Runs jobs from `queue` on `options.threads` threads. For each delivery: STARTED (when
// track_started), then the handler, then exactly one outcome:
//   value              -> SUCCESS {result, date_done}, progress 100 "done", Ack
//   user cancel        -> REVOKED, progress -1 "cancelled", Ack
//   time limit         -> FAILURE TimeLimitExceeded, progress -1, Fail (never retried)
//   retryable error    -> Fail; RETRY when rescheduled, else as a permanent error
//   permanent error    -> FAILURE {exc_type, exc_message}, progress -1, Fail (dead)
//   shutdown           -> Release (ready again at once, attempt unchanged), no record
//   refused message    -> FAILURE with Job::refusal, Fail (dead), no handler runs
//   expired (Celery)   -> REVOKED, Ack, no handler runs
// The outcome is recorded before the queue is told (Ack, or Fail of a permanent error);
// only for a retryable error does the queue's answer decide the record, so it comes first.
// A handler returning a value wins over a cancellation that arrived meanwhile: the work is
// done. All references must outlive the pool. Every method is thread-safe.
class WorkerPool {
 public:
  WorkerPool(state::JobQueue& queue, state::TaskResults& results, state::ProgressStore& progress,
             TaskRegistry registry, WorkerOptions options, const Clock& clock,
             const Logger& logger);
  // Shuts down (see Shutdown) if still running.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the worker, scheduler, reaper and watchdog threads. InvalidArgument for invalid
  // options; FailedPrecondition when already started (a pool starts once).
  Status Start();

  // Graceful stop: no more fetches; running tasks are cancelled (reason kShutdownReason)
  // and their reservations released as soon as their handlers return, so another worker
  // can take them without waiting for the visibility timeout; then every thread is
  // joined. Returns when all threads have ended; a second call waits for the first. A
  // handler that never reaches a cancellation point delays it until the handler returns.
  void Shutdown();

  // Blocks until Shutdown has finished; returns at once when the pool never started.
  void Wait();

  WorkerCounters Counters() const;

 private:
  struct Running {
    std::string task_id;
    TimePoint started_at;
    std::shared_ptr<CancellationToken> token;
  };

  void WorkerLoop(int index);
  // True when the job succeeded and its reservation still needs an ack.
  bool Process(int index, const state::Reservation& reservation);
  void LogAckOutcome(const std::vector<state::Reservation>& acked,
                     const Result<state::JobQueue::AckAndFetchResult>& outcome);
  void RunPeriodic(std::string_view name, Duration interval,
                   const std::function<Result<int64_t>()>& step);
  void WatchdogLoop();
  // Sleeps for `interval` of real time or until Shutdown begins; false once stopping.
  bool SleepUnlessStopping(Duration interval);

  Result<Json> RunHandler(const TaskHandler& handler, TaskContext& ctx);
  // Stores the outcome; true when the job now only needs its ack.
  bool Succeed(const state::Reservation& reservation, Json result, const FinalTexts& texts);
  // REVOKED with `why`'s message (a user's cancel, or Celery's expiry), then Ack.
  void Revoke(const state::Reservation& reservation, const Status& why, const FinalTexts& texts);
  void FailTimeLimit(const state::Reservation& reservation, const FinalTexts& texts);
  void FailWithError(const state::Reservation& reservation, const Status& error,
                     const FinalTexts& texts);
  void ReleaseForShutdown(const state::Reservation& reservation);

  void PutResult(const state::TaskResult& result);
  void PutFinal(const state::Job& job, const state::TaskResult& result,
                const state::Progress& progress);
  // options_.on_task_ended, when set.
  Status TaskEnded(const state::Job& job, const state::TaskResult& result);
  state::TaskResult MakeResult(const std::string& task_id, state::TaskStatus status,
                               Json result) const;

  state::JobQueue& queue_;
  state::TaskResults& results_;
  state::ProgressStore& progress_;
  const TaskRegistry registry_;
  const WorkerOptions options_;
  const Clock& clock_;
  const Logger& logger_;
  Env& env_;
  const Json started_meta_;  // Celery's STARTED result: {pid, hostname}

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;     // wakes periodic threads when stopping_ is set
  std::condition_variable stopped_cv_;  // wakes Wait when stopped_ is set
  bool started_ = false;                // GUARDED_BY(mutex_)
  bool stopping_ = false;               // GUARDED_BY(mutex_)
  bool stopped_ = false;                // GUARDED_BY(mutex_)
  std::map<int, Running> running_;      // GUARDED_BY(mutex_); by worker index
  std::vector<std::thread> threads_;    // written by Start, joined by the first Shutdown
  std::mutex shutdown_mutex_;           // serialises Shutdown callers

  std::atomic<int64_t> busy_{0};
  std::atomic<int64_t> succeeded_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> retried_{0};
  std::atomic<int64_t> revoked_{0};
  std::atomic<int64_t> released_{0};
};

}  // namespace vmsg::worker
