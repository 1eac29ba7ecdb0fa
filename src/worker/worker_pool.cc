// The worker pool's threads and the bookkeeping of one delivery: STARTED, the handler, then
// the outcome written as Celery writes it, and only then the queue told (Sidekiq's rule).
#include "worker/worker_pool.h"

#include <unistd.h>

#include <deque>
#include <exception>
#include <utility>

namespace vmsg::worker {
namespace {

constexpr std::string_view kComponent = "worker";
// Celery's names for these exceptions, so Celery tools read the records as usual.
constexpr std::string_view kTimeLimitExcType = "TimeLimitExceeded";
constexpr std::string_view kNotRegisteredReason = "NotRegistered";
constexpr std::string_view kHandlerExceptionReason = "handler_exception";
constexpr std::string_view kInvalidMessageReason = "invalid_task_message";
constexpr int kMinPercentage = -1;
constexpr int kMaxPercentage = 100;
constexpr int kFailedPercentage = -1;
// Backoff between tries to record a finished task's outcome (doubling up to the maximum).
constexpr Duration kOutcomeRetryFirstBackoff = std::chrono::milliseconds(100);
constexpr Duration kOutcomeRetryMaxBackoff = std::chrono::seconds(2);

Json StartedMeta() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return Json{{"pid", static_cast<int64_t>(::getpid())}, {"hostname", std::string(host)}};
}

// Celery's exception record: the reason when there is one (stable, matchable), else the
// status code's name.
Json ExceptionInfo(const Status& error) {
  const std::string type =
      error.reason().empty() ? std::string(StatusCodeName(error.code())) : error.reason();
  return Json{{"exc_type", type}, {"exc_message", error.message()}};
}

// The status a task over its time limit stops with: never retryable, since the same work
// would hit the same limit again.
Status TimeLimitExceeded(Duration limit) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit).count();
  return Status::ResourceExhausted("time limit exceeded (" + std::to_string(seconds) + " s)",
                                   std::string(kTimeLimitReason));
}

Status ShutdownStatus() {
  return Status::Cancelled("the worker is shutting down", std::string(kShutdownReason));
}

Status UserCancelStatus() {
  return Status::Cancelled("task cancelled by request", std::string(kUserCancelReason));
}

std::chrono::steady_clock::duration ToSteady(Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// TaskContext

const FinalTexts& FinalTextsFor(const state::Job& job) {
  const bool english = job.args.is_object() && job.args.value("language", "") == "en";
  return english ? kEnglishFinalTexts : kJapaneseFinalTexts;
}

TaskContext::TaskContext(state::Job job, std::shared_ptr<CancellationToken> token,
                         state::JobQueue& queue, state::ProgressStore& progress, const Clock& clock,
                         Duration time_limit, const Logger& logger, Env& env)
    : job_(std::move(job)),
      final_texts_(&FinalTextsFor(job_)),
      token_(std::move(token)),
      queue_(queue),
      progress_(progress),
      clock_(clock),
      started_at_(clock.Now()),
      time_limit_(time_limit),
      logger_(logger),
      env_(env) {}

Status TaskContext::ReportProgress(int percentage, std::string step, std::string message) {
  if (percentage < kMinPercentage || percentage > kMaxPercentage) {
    return Status::InvalidArgument("progress percentage must be -1..100, not " +
                                   std::to_string(percentage));
  }
  state::Progress progress;
  progress.task_id = job_.task_id;
  progress.percentage = percentage;
  progress.current_step = std::move(step);
  progress.message = std::move(message);
  progress.total_steps = kTotalSteps;
  progress.timestamp = clock_.Now();
  return progress_.Publish(progress);
}

Status TaskContext::CheckCancelled() {
  if (token_->cancelled()) return token_->CheckCancelled();
  if (clock_.Now() - started_at_ >= time_limit_) {
    token_->Cancel(TimeLimitExceeded(time_limit_));
    return token_->CheckCancelled();
  }
  const auto now = env_.MonotonicNow();
  if (last_poll_ == std::chrono::steady_clock::time_point{} ||
      now - last_poll_ >= kCancelPollInterval) {
    last_poll_ = now;
    Result<bool> requested = queue_.IsCancelRequested(job_.task_id);
    if (!requested.ok()) {
      logger_.Warning(kComponent, "could not read the cancel flag; going on",
                      {{"task_id", job_.task_id}, {"error", requested.status().ToString()}});
    } else if (*requested) {
      token_->Cancel(UserCancelStatus());
    }
  }
  return token_->CheckCancelled();
}

// ---------------------------------------------------------------------------------------
// TaskRegistry

Status TaskRegistry::Register(std::string name, TaskHandler handler) {
  if (name.empty()) return Status::InvalidArgument("a task handler needs a name");
  if (!handler) return Status::InvalidArgument("task " + name + " has an empty handler");
  if (handlers_.contains(name)) {
    return Status::AlreadyExists("task " + name + " already has a handler");
  }
  handlers_.emplace(std::move(name), std::move(handler));
  return Status::Ok();
}

const TaskHandler* TaskRegistry::Find(const std::string& name) const {
  auto it = handlers_.find(name);
  return it == handlers_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------
// WorkerOptions

Status WorkerOptions::Validate() const {
  if (threads < 1) return Status::InvalidArgument("worker threads must be at least 1");
  if (prefetch < 1 || prefetch > state::kMaxFetchBatch) {
    return Status::InvalidArgument("worker prefetch must be 1.." +
                                   std::to_string(state::kMaxFetchBatch));
  }
  const std::pair<std::string_view, Duration> durations[] = {
      {"visibility_timeout", visibility_timeout},
      {"task_time_limit", task_time_limit},
      {"fetch_wait", fetch_wait},
      {"scheduler_interval", scheduler_interval},
      {"reaper_interval", reaper_interval},
      {"outcome_retry_budget", outcome_retry_budget},
  };
  for (const auto& [name, value] : durations) {
    if (value <= Duration::zero()) {
      return Status::InvalidArgument("worker option " + std::string(name) + " must be positive");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// WorkerPool

WorkerPool::WorkerPool(state::JobQueue& queue, state::TaskResults& results,
                       state::ProgressStore& progress, TaskRegistry registry, WorkerOptions options,
                       const Clock& clock, const Logger& logger)
    : queue_(queue),
      results_(results),
      progress_(progress),
      registry_(std::move(registry)),
      options_(options),
      clock_(clock),
      logger_(logger),
      env_(options.env != nullptr ? *options.env : Env::Default()),
      started_meta_(StartedMeta()) {}

WorkerPool::~WorkerPool() { Shutdown(); }

Status WorkerPool::Start() {
  VMSG_RETURN_IF_ERROR(options_.Validate());
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) return Status::FailedPrecondition("the worker pool starts only once");
  started_ = true;
  for (int i = 0; i < options_.threads; ++i) {
    threads_.push_back(env_.StartThread([this, i] { WorkerLoop(i); }));
  }
  threads_.push_back(env_.StartThread([this] {
    RunPeriodic("scheduler", options_.scheduler_interval, [this] { return queue_.EnqueueDue(); });
  }));
  threads_.push_back(env_.StartThread([this] {
    RunPeriodic("reaper", options_.reaper_interval, [this] { return queue_.ReapExpired(); });
  }));
  threads_.push_back(env_.StartThread([this] { WatchdogLoop(); }));
  logger_.Info(kComponent, "worker pool started", {{"threads", options_.threads}});
  return Status::Ok();
}

void WorkerPool::Shutdown() {
  std::lock_guard shutdown_lock(shutdown_mutex_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
    for (auto& [index, running] : running_) {
      running.token->Cancel(ShutdownStatus());
    }
    threads.swap(threads_);
  }
  stop_cv_.notify_all();
  for (std::thread& thread : threads) thread.join();
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
  if (!threads.empty()) logger_.Info(kComponent, "worker pool stopped");
}

void WorkerPool::Wait() {
  std::unique_lock lock(mutex_);
  if (!started_) return;
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

WorkerCounters WorkerPool::Counters() const {
  return WorkerCounters{.busy = busy_.load(),
                        .succeeded = succeeded_.load(),
                        .failed = failed_.load(),
                        .retried = retried_.load(),
                        .revoked = revoked_.load(),
                        .released = released_.load()};
}

bool WorkerPool::SleepUnlessStopping(Duration interval) {
  std::unique_lock lock(mutex_);
  stop_cv_.wait_for(lock, ToSteady(interval), [this] { return stopping_; });
  return !stopping_;
}

void WorkerPool::RunPeriodic(std::string_view name, Duration interval,
                             const std::function<Result<int64_t>()>& step) {
  do {
    // A failing store must not end the loop: log it and try again next period.
    try {
      Result<int64_t> moved = step();
      if (!moved.ok()) {
        logger_.Warning(kComponent, "periodic queue step failed",
                        {{"step", name}, {"error", moved.status().ToString()}});
      } else if (*moved > 0) {
        logger_.Debug(kComponent, "periodic queue step moved jobs",
                      {{"step", name}, {"jobs", *moved}});
      }
    } catch (const std::exception& e) {
      logger_.Error(kComponent, "periodic queue step threw", {{"step", name}, {"error", e.what()}});
    }
  } while (SleepUnlessStopping(interval));
}

void WorkerPool::WatchdogLoop() {
  auto last_cancel_poll = env_.MonotonicNow();
  while (SleepUnlessStopping(kWatchdogInterval)) {
    const TimePoint now = clock_.Now();
    // A user's cancel also reaches a handler busy inside one long step (an encode, say)
    // that polls only its token: the watchdog asks the queue on its behalf.
    std::vector<std::pair<std::string, std::shared_ptr<CancellationToken>>> to_poll;
    const bool poll_cancels = env_.MonotonicNow() - last_cancel_poll >= kCancelPollInterval;
    {
      std::lock_guard lock(mutex_);
      for (auto& [index, running] : running_) {
        if (running.token->cancelled()) continue;
        if (now - running.started_at >= options_.task_time_limit) {
          running.token->Cancel(TimeLimitExceeded(options_.task_time_limit));
          logger_.Warning(kComponent, "task over its time limit; cancelling",
                          {{"task_id", running.task_id}});
        } else if (poll_cancels) {
          to_poll.emplace_back(running.task_id, running.token);
        }
      }
    }
    if (!poll_cancels) continue;
    last_cancel_poll = env_.MonotonicNow();
    // Outside the lock: these are queue round trips.
    for (const auto& [task_id, token] : to_poll) {
      Result<bool> requested = queue_.IsCancelRequested(task_id);
      if (requested.ok() && *requested) token->Cancel(UserCancelStatus());
    }
  }
}

void WorkerPool::WorkerLoop(int index) {
  // Succeeded jobs are acked together with the next fetch (one round trip on Redis); their
  // outcome is already stored, so until then a crash only means a redelivery. With
  // options_.prefetch > 1 a fetch also takes several jobs at once, as Celery's prefetch.
  std::vector<state::Reservation> to_ack;
  std::deque<state::Reservation> taken;
  bool first_of_fetch = false;
  auto stop = [&] {
    for (const state::Reservation& r : taken) ReleaseForShutdown(r);
    // Plain acks: fetching with them would only take a job to hand straight back.
    for (const state::Reservation& r : to_ack) {
      if (Status acked = queue_.Ack(r); !acked.ok()) {
        logger_.Warning(kComponent, "ack failed after success",
                        {{"task_id", r.job.task_id}, {"error", acked.ToString()}});
      }
    }
  };
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return stop();
    }
    if (taken.empty()) {
      Result<state::JobQueue::AckAndFetchResult> fetched = queue_.AckAndFetch(
          to_ack, options_.visibility_timeout, options_.fetch_wait, options_.prefetch);
      if (!fetched.ok()) {
        logger_.Warning(kComponent, "fetch failed; backing off",
                        {{"worker", index}, {"error", fetched.status().ToString()}});
        if (!SleepUnlessStopping(options_.fetch_wait)) return stop();
        continue;
      }
      LogAckOutcome(to_ack, fetched);
      to_ack.clear();
      for (state::Reservation& r : fetched->fetched) taken.push_back(std::move(r));
      first_of_fetch = true;
      continue;
    }
    const state::Reservation reservation = std::move(taken.front());
    taken.pop_front();
    const bool prefetched = !std::exchange(first_of_fetch, false);
    // A prefetched job that waited so long that it could no longer finish within its
    // reservation goes back, so that it never runs twice at once.
    if (prefetched && clock_.Now() + options_.task_time_limit > reservation.expires_at) {
      Status released = queue_.Release(reservation);
      if (!released.ok()) {
        logger_.Warning(kComponent, "release of a stale prefetched job failed",
                        {{"task_id", reservation.job.task_id}, {"error", released.ToString()}});
      }
      continue;
    }
    // Anything thrown outside the handler (the handler's own exceptions are caught in
    // RunHandler) must not end this thread: hand the job back and keep serving.
    try {
      if (Process(index, reservation)) to_ack.push_back(reservation);
    } catch (const std::exception& e) {
      logger_.Error(kComponent, "processing a job threw; releasing it",
                    {{"task_id", reservation.job.task_id}, {"error", e.what()}});
      Status released = queue_.Release(reservation);
      if (!released.ok()) {
        logger_.Warning(kComponent, "release after an error failed",
                        {{"task_id", reservation.job.task_id}, {"error", released.ToString()}});
      }
    }
  }
}

void WorkerPool::LogAckOutcome(const std::vector<state::Reservation>& acked,
                               const Result<state::JobQueue::AckAndFetchResult>& outcome) {
  if (acked.empty()) return;
  if (!outcome.ok()) {
    logger_.Warning(
        kComponent, "ack failed after success",
        {{"jobs", static_cast<int64_t>(acked.size())}, {"error", outcome.status().ToString()}});
  } else if (outcome->stale > 0) {
    logger_.Warning(kComponent, "succeeded jobs had lost their reservation before the ack",
                    {{"jobs", outcome->stale}});
  }
}

bool WorkerPool::Process(int index, const state::Reservation& reservation) {
  const state::Job& job = reservation.job;
  auto token = std::make_shared<CancellationToken>();
  {
    // Registering under the same lock Shutdown takes: either Shutdown sees this task and
    // cancels it, or this worker sees stopping_ and hands the job straight back.
    std::lock_guard lock(mutex_);
    if (stopping_) {
      token->Cancel(ShutdownStatus());
    } else {
      running_[index] = Running{job.task_id, clock_.Now(), token};
    }
  }
  if (token->cancelled()) {
    ReleaseForShutdown(reservation);
    return false;
  }

  struct Unregister {
    WorkerPool* pool;
    int index;
    ~Unregister() {
      std::lock_guard lock(pool->mutex_);
      pool->running_.erase(index);
    }
  } unregister{this, index};

  // A message another producer queued that cannot run, or that expired while it waited
  // (Celery revokes those).
  if (!job.refusal.empty()) {
    FailWithError(reservation,
                  Status::InvalidArgument(job.refusal, std::string(kInvalidMessageReason)),
                  FinalTextsFor(job));
    return false;
  }
  if (job.expires && *job.expires <= clock_.Now()) {
    Revoke(reservation,
           Status::Cancelled(
               "the task expired at " + FormatIso8601(*job.expires) + " before a worker took it",
               std::string(kUserCancelReason)),
           FinalTextsFor(job));
    return false;
  }

  const TaskHandler* handler = registry_.Find(job.task_name);
  if (handler == nullptr) {
    FailWithError(
        reservation,
        Status::InvalidArgument("no handler is registered for task '" + job.task_name + "'",
                                std::string(kNotRegisteredReason)),
        FinalTextsFor(job));
    return false;
  }

  if (options_.track_started) {
    PutResult(MakeResult(job.task_id, state::TaskStatus::kStarted, started_meta_));
  }
  // Which process took which task, for following one task across several workers.
  logger_.Info(kComponent, "task started",
               {{"task_id", job.task_id},
                {"task", job.task_name},
                {"attempt", job.attempt},
                {"worker", index}});

  busy_.fetch_add(1);
  TaskContext ctx(job, token, queue_, progress_, clock_, options_.task_time_limit, logger_, env_);
  Result<Json> outcome = RunHandler(*handler, ctx);
  busy_.fetch_sub(1);

  const FinalTexts& texts = ctx.final_texts();
  if (outcome.ok()) return Succeed(reservation, std::move(outcome).value(), texts);
  Status why = token->CheckCancelled();
  if (why.ok()) {
    // The handler failed without passing a cancellation point; a cancel the user asked for
    // meanwhile still decides the outcome.
    Result<bool> requested = queue_.IsCancelRequested(job.task_id);
    if (requested.ok() && *requested) {
      why = UserCancelStatus();
    }
  }
  if (why.reason() == kShutdownReason) {
    ReleaseForShutdown(reservation);
  } else if (why.reason() == kUserCancelReason) {
    Revoke(reservation, why, texts);
  } else if (why.reason() == kTimeLimitReason) {
    FailTimeLimit(reservation, texts);
  } else {
    FailWithError(reservation, outcome.status(), texts);
  }
  return false;
}

Result<Json> WorkerPool::RunHandler(const TaskHandler& handler, TaskContext& ctx) {
  try {
    return handler(ctx);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("task handler threw: ") + e.what(),
                            std::string(kHandlerExceptionReason));
  } catch (...) {
    return Status::Internal("task handler threw a non-standard exception",
                            std::string(kHandlerExceptionReason));
  }
}

bool WorkerPool::Succeed(const state::Reservation& reservation, Json result,
                         const FinalTexts& texts) {
  const std::string& task_id = reservation.job.task_id;
  const state::TaskResult record =
      MakeResult(task_id, state::TaskStatus::kSuccess, std::move(result));
  const state::Progress done =
      FinalProgress(task_id, kMaxPercentage, kDoneStep, std::string(texts.done), clock_.Now());
  // The outcome, then whoever waits on the end (a webhook): retried together.
  auto record_outcome = [&] {
    Status put = results_.PutFinal(record, done);
    return put.ok() ? TaskEnded(reservation.job, record) : put;
  };
  Status recorded = record_outcome();
  // A short outage of the state store (a Redis restart) must not throw the finished work
  // away: try again with backoff while the budget and the reservation last, so that no
  // other worker runs the task meanwhile.
  const auto give_up = env_.MonotonicNow() + ToSteady(options_.outcome_retry_budget);
  Duration backoff = kOutcomeRetryFirstBackoff;
  while (!recorded.ok() && recorded.IsRetryable() &&
         env_.MonotonicNow() + ToSteady(backoff) < give_up &&
         clock_.Now() + backoff < reservation.expires_at) {
    logger_.Warning(
        kComponent, "recording a result failed; trying again",
        {{"task_id", task_id},
         {"retry_in_ms", std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count()},
         {"error", recorded.ToString()}});
    if (!SleepUnlessStopping(backoff)) break;
    backoff = std::min(backoff * 2, kOutcomeRetryMaxBackoff);
    recorded = record_outcome();
  }
  if (!recorded.ok()) {
    // Not acked, so the job is not lost: the queue retries it (handlers are idempotent).
    FailWithError(reservation, recorded.WithContext("recording the result of " + task_id), texts);
    return false;
  }
  succeeded_.fetch_add(1);
  return true;
}

void WorkerPool::Revoke(const state::Reservation& reservation, const Status& why,
                        const FinalTexts& texts) {
  const std::string& task_id = reservation.job.task_id;
  revoked_.fetch_add(1);
  PutFinal(
      reservation.job,
      MakeResult(task_id, state::TaskStatus::kRevoked,
                 Json{{"exc_type", std::string(kRevokedExcType)}, {"exc_message", why.message()}}),
      FinalProgress(task_id, kFailedPercentage, kCancelledStep, std::string(texts.cancelled),
                    clock_.Now()));
  Status acked = queue_.Ack(reservation);
  if (!acked.ok()) {
    logger_.Warning(kComponent, "ack failed after revoke",
                    {{"task_id", task_id}, {"error", acked.ToString()}});
  }
}

void WorkerPool::FailTimeLimit(const state::Reservation& reservation, const FinalTexts& texts) {
  const std::string& task_id = reservation.job.task_id;
  const Status why = TimeLimitExceeded(options_.task_time_limit);
  failed_.fetch_add(1);
  PutFinal(
      reservation.job,
      MakeResult(
          task_id, state::TaskStatus::kFailure,
          Json{{"exc_type", std::string(kTimeLimitExcType)}, {"exc_message", why.message()}}),
      FinalProgress(task_id, kFailedPercentage, kFailedStep,
                    std::string(texts.error_prefix) + std::string(texts.time_limit), clock_.Now()));
  Result<bool> rescheduled = queue_.Fail(reservation, why);
  if (!rescheduled.ok()) {
    logger_.Warning(kComponent, "recording a time-limit failure in the queue failed",
                    {{"task_id", task_id}, {"error", rescheduled.status().ToString()}});
  }
}

void WorkerPool::FailWithError(const state::Reservation& reservation, const Status& error,
                               const FinalTexts& texts) {
  const std::string& task_id = reservation.job.task_id;
  logger_.Warning(kComponent, "task failed",
                  {{"task_id", task_id},
                   {"task", reservation.job.task_name},
                   {"attempt", reservation.job.attempt},
                   {"error", error.ToString()}});
  auto record_failure = [&] {
    state::TaskResult failure =
        MakeResult(task_id, state::TaskStatus::kFailure, ExceptionInfo(error));
    failure.traceback = error.ToString();
    failed_.fetch_add(1);
    PutFinal(reservation.job, failure,
             FinalProgress(task_id, kFailedPercentage, kFailedStep,
                           std::string(texts.error_prefix) + error.message(), clock_.Now()));
  };
  if (!error.IsRetryable()) {
    // A permanent error always goes to the dead set, so its record can be written first.
    record_failure();
    Result<bool> rescheduled = queue_.Fail(reservation, error);
    if (!rescheduled.ok()) {
      logger_.Warning(kComponent, "recording a failure in the queue failed",
                      {{"task_id", task_id}, {"error", rescheduled.status().ToString()}});
    }
    return;
  }
  // Only the queue knows whether retries are left (and whether a cancel forbids one), so
  // its answer comes first; the queue's own record is the safely written outcome.
  Result<bool> rescheduled = queue_.Fail(reservation, error);
  if (!rescheduled.ok()) {
    logger_.Warning(kComponent, "recording a failure in the queue failed",
                    {{"task_id", task_id}, {"error", rescheduled.status().ToString()}});
    return;
  }
  if (*rescheduled) {
    retried_.fetch_add(1);
    PutResult(MakeResult(task_id, state::TaskStatus::kRetry, ExceptionInfo(error)));
  } else {
    record_failure();
  }
}

void WorkerPool::ReleaseForShutdown(const state::Reservation& reservation) {
  Status released = queue_.Release(reservation);
  if (!released.ok()) {
    logger_.Warning(kComponent, "release on shutdown failed",
                    {{"task_id", reservation.job.task_id}, {"error", released.ToString()}});
    return;
  }
  released_.fetch_add(1);
  logger_.Info(kComponent, "released a running task on shutdown",
               {{"task_id", reservation.job.task_id}});
}

state::TaskResult WorkerPool::MakeResult(const std::string& task_id, state::TaskStatus status,
                                         Json result) const {
  state::TaskResult record;
  record.task_id = task_id;
  record.status = status;
  record.result = std::move(result);
  if (state::IsTerminal(status)) record.date_done = clock_.Now();
  return record;
}

void WorkerPool::PutResult(const state::TaskResult& result) {
  Status put = results_.Put(result);
  if (!put.ok()) {
    logger_.Warning(kComponent, "writing a task result failed",
                    {{"task_id", result.task_id},
                     {"status", state::TaskStatusName(result.status)},
                     {"error", put.ToString()}});
  }
}

Status WorkerPool::TaskEnded(const state::Job& job, const state::TaskResult& result) {
  if (!options_.on_task_ended) return Status::Ok();
  Status told = options_.on_task_ended(job, result);
  return told.ok() ? told : told.WithContext("telling of the end of " + job.task_id);
}

void WorkerPool::PutFinal(const state::Job& job, const state::TaskResult& result,
                          const state::Progress& progress) {
  Status put = results_.PutFinal(result, progress);
  if (put.ok()) put = TaskEnded(job, result);
  if (!put.ok()) {
    logger_.Warning(kComponent, "writing a task's outcome failed",
                    {{"task_id", result.task_id},
                     {"status", state::TaskStatusName(result.status)},
                     {"error", put.ToString()}});
  }
}

state::Progress FinalProgress(const std::string& task_id, int percentage, std::string_view step,
                              std::string message, TimePoint at) {
  state::Progress progress;
  progress.task_id = task_id;
  progress.percentage = percentage;
  progress.current_step = std::string(step);
  progress.message = std::move(message);
  progress.total_steps = kTotalSteps;
  progress.timestamp = at;
  progress.final = true;
  return progress;
}

}  // namespace vmsg::worker
