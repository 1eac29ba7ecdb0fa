// Short-lived task state, as the storage spec's "Redis" section fixes it: the job queue,
// task results (celery-task-meta-{id}), progress (progress:{id}), WebSocket sessions
// (ws:session:{id}) and rate limits (ratelimit:{ip}), and two records of vmsg's own: API
// keys (apikey:{id}) and webhook deliveries (webhook:{task_id}). Two backends implement every
// interface: SQLite (embedded, the default) and Redis (distributed). Both pass one
// conformance suite (state_conformance_test.cc); nothing above these interfaces knows
// which one it runs on. All times come from the injected Clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"

namespace vmsg::state {

// TTLs from the spec.
inline constexpr std::chrono::hours kTaskResultTtl{24};
inline constexpr std::chrono::minutes kProgressTtlAfterCompletion{5};
inline constexpr std::chrono::minutes kSessionTtl{10};
inline constexpr std::chrono::hours kRateLimitWindow{1};

// ---------------------------------------------------------------------------------------
// Job queue

inline constexpr int kMinPriority = 0;  // least urgent
inline constexpr int kMaxPriority = 9;  // most urgent

struct JobSpec {
  std::string task_id;    // a UUIDv4 chosen by the caller
  std::string task_name;  // e.g. "vmsg.generate_video"
  Json args = Json::object();
  int priority = 5;   // kMinPriority..kMaxPriority; higher is fetched first
  Duration delay{0};  // not fetchable before now + delay
  int max_retries = 3;
};

struct Job {
  std::string task_id;
  std::string task_name;
  Json args;
  int priority = 0;
  int attempt = 0;  // 0 on first delivery, +1 per retry or redelivery after expiry
  int max_retries = 0;
  TimePoint enqueued_at;
  // Set only for jobs another producer queued (a Celery client on Redis):
  // `refusal`, when the message cannot run as it is (not protocol 2 JSON, positional
  // arguments): the worker records FAILURE with it and never runs a handler;
  // `expires`, Celery's expiry: a job taken after it is revoked, as Celery does.
  std::string refusal;
  std::optional<TimePoint> expires;
};

// A fetched job, invisible to other fetchers until `expires_at`.
struct Reservation {
  Job job;
  std::string token;  // identifies this delivery; a stale token cannot ack or fail
  TimePoint expires_at;
};

struct DeadJob {
  Job job;
  std::string error;
  TimePoint died_at;
};

struct QueueStats {
  int64_t ready = 0;
  // Ready jobs by priority. Redis keeps Celery's four lists per queue (see
  // celery_message.h), so there the keys are 9, 6, 3 and 0, each counting its list.
  std::map<int, int64_t> ready_by_priority;
  int64_t delayed = 0;  // delayed and waiting-to-retry jobs
  int64_t reserved = 0;
  int64_t dead = 0;
};

// The checks every backend's Enqueue makes: InvalidArgument for an empty id or name, a
// priority outside 0..9 or negative retries.
Status ValidateJobSpec(const JobSpec& spec);

// A uniform [0, 1) source for retry jitter, seeded from std::random_device. Not
// thread-safe: callers serialise their calls.
std::function<double()> DefaultJitter();

// The most jobs one AckAndFetch may take; InvalidArgument from CheckBatch otherwise.
inline constexpr int kMaxFetchBatch = 64;
Status CheckBatch(int max_jobs);

// Retry backoff after attempt n (0-based): (n+1)^4 + 15 seconds plus up to 30 % jitter,
// drawn from `jitter_unit` in [0, 1) so tests can fix it.
Duration RetryBackoff(int attempt, double jitter_unit);

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Queues a job. InvalidArgument for an empty id or name, or a priority outside 0..9;
  // AlreadyExists when a job with this task id is queued, delayed or reserved.
  virtual Status Enqueue(const JobSpec& spec) = 0;

  // Takes the most urgent ready job (highest priority, then oldest; Redis groups the ten
  // priorities in Celery's four steps: 9-7, 6-4, 3-1 and 0) and reserves it for
  // `visibility_timeout`. Waits up to `max_wait` for one to become ready (a zero wait
  // returns at once); nullopt when none did. Delayed jobs become ready only through
  // EnqueueDue. Thread-safe; each job goes to one fetcher at a time.
  virtual Result<std::optional<Reservation>> Fetch(Duration visibility_timeout,
                                                   Duration max_wait) = 0;

  // Completes a delivery. NotFound when the reservation is no longer held (it expired and
  // was redelivered, or was already acked).
  virtual Status Ack(const Reservation& reservation) = 0;
  // Acks every reservation in `done` that is still held, then takes up to `max_jobs` ready
  // jobs as Fetch does (waiting up to `max_wait` only when none is ready). On Redis both
  // happen in one round trip when jobs are ready: what a busy worker wants between jobs.
  // A stale reservation in `done` (redelivered elsewhere) is skipped and counted.
  struct AckAndFetchResult {
    int stale = 0;
    std::vector<Reservation> fetched;
  };
  virtual Result<AckAndFetchResult> AckAndFetch(const std::vector<Reservation>& done,
                                                Duration visibility_timeout, Duration max_wait,
                                                int max_jobs) = 0;
  // Records a failed delivery. A retryable error with retries left reschedules the job
  // after RetryBackoff (attempt + 1); a permanent error or the last retry moves it to the
  // dead set with `error.ToString()`. Returns whether it was rescheduled. NotFound as Ack.
  virtual Result<bool> Fail(const Reservation& reservation, const Status& error) = 0;

  // Hands a reservation back at once (graceful shutdown): ready again, attempt unchanged.
  virtual Status Release(const Reservation& reservation) = 0;

  // Removes a queued or delayed job, or flags a reserved one so that its worker stops at
  // the next cancellation point (see IsCancelRequested). NotFound for an unknown id.
  virtual Status Cancel(const std::string& task_id) = 0;
  virtual Result<bool> IsCancelRequested(const std::string& task_id) = 0;

  // Moves delayed and retry jobs whose time has come to the ready queue; returns how many.
  virtual Result<int64_t> EnqueueDue() = 0;

  // Returns reservations whose visibility timeout passed to the ready queue (attempt + 1),
  // so a job whose worker died is delivered again; returns how many.
  virtual Result<int64_t> ReapExpired() = 0;

  virtual Result<QueueStats> Stats() = 0;
  virtual Result<std::vector<DeadJob>> ListDead(int64_t limit) = 0;
};

struct Progress;

// ---------------------------------------------------------------------------------------
// Task results: celery-task-meta-{task_id}

enum class TaskStatus { kPending, kStarted, kRetry, kSuccess, kFailure, kRevoked };
std::string_view TaskStatusName(TaskStatus status);  // "PENDING", ...
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);
bool IsTerminal(TaskStatus status);  // SUCCESS, FAILURE, REVOKED

struct TaskResult {
  std::string task_id;
  TaskStatus status = TaskStatus::kPending;
  Json result;     // the handler's result on SUCCESS; {exc_type, exc_message} on FAILURE
  Json traceback;  // null, or a string
  Json children = Json::array();
  std::optional<TimePoint> date_done;  // set for terminal states

  // The spec's record: {status, result, traceback, children, date_done, task_id}.
  Json ToJson() const;
  static Result<TaskResult> FromJson(const Json& json);
};

class TaskResults {
 public:
  virtual ~TaskResults() = default;
  // Writes the record with a TTL of 24 h from now (replacing any previous one).
  virtual Status Put(const TaskResult& result) = 0;
  // Writes a finished task's outcome and then its final progress record (delivered to the
  // progress subscribers as ProgressStore::Publish does), in one round trip on Redis. A
  // client that sees the final progress can read the outcome. Errors as Put and Publish.
  virtual Status PutFinal(const TaskResult& result, const Progress& final_progress) = 0;
  // NotFound when absent or expired.
  virtual Result<TaskResult> Get(const std::string& task_id) = 0;
};

// ---------------------------------------------------------------------------------------
// Progress: progress:{task_id}

struct Progress {
  std::string task_id;
  int percentage = 0;  // 0..100, or -1 on failure
  std::string message;
  std::string current_step;
  int total_steps = 8;
  TimePoint timestamp;
  bool final = false;  // the task has ended: the record expires 5 min later

  Json ToJson() const;  // the spec's six fields
  static Result<Progress> FromJson(const Json& json);
};

class ProgressSubscription {
 public:
  virtual ~ProgressSubscription() = default;
  // Waits up to `timeout` for the next update; nullopt on timeout. Updates arrive in the
  // order they were published, none skipped. Unavailable when the backend connection broke.
  virtual Result<std::optional<Progress>> Next(Duration timeout) = 0;
  // Wakes a blocked Next (which then returns nullopt) from another thread; Next returns
  // Cancelled from then on.
  virtual void Close() = 0;
};

// The checks every backend's Publish makes: InvalidArgument for an empty task id or a
// percentage outside -1..100.
Status ValidateProgress(const Progress& progress);

class ProgressStore {
 public:
  virtual ~ProgressStore() = default;
  // Stores the latest progress and delivers it to every subscriber of the task. A final
  // record expires kProgressTtlAfterCompletion after it was written; others live until
  // the task ends (kept at most a day).
  virtual Status Publish(const Progress& progress) = 0;
  // NotFound when absent or expired.
  virtual Result<Progress> Latest(const std::string& task_id) = 0;
  // Receives every update published after this call returns.
  virtual Result<std::unique_ptr<ProgressSubscription>> Subscribe(const std::string& task_id) = 0;
};

// ---------------------------------------------------------------------------------------
// WebSocket sessions: ws:session:{session_id}

struct Session {
  std::string session_id;
  std::string task_id;
  TimePoint connected_at;
  TimePoint last_ping;
  Json ToJson() const;
  static Result<Session> FromJson(const Json& json);
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Creates or replaces the session, expiring kSessionTtl after last_ping.
  virtual Status Put(const Session& session) = 0;
  // Sets last_ping to now and extends the TTL. NotFound when expired.
  virtual Status Touch(const std::string& session_id) = 0;
  virtual Result<Session> Get(const std::string& session_id) = 0;
  virtual Status Remove(const std::string& session_id) = 0;
};

// ---------------------------------------------------------------------------------------
// Rate limits: ratelimit:{ip}

struct RateDecision {
  bool allowed = false;
  int64_t count = 0;  // hits in the current window, this one included
  TimePoint window_start;
  Duration retry_after{0};  // when refused: until the window ends
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one hit for `key` (e.g. "generate:203.0.113.9") in a fixed window of
  // kRateLimitWindow that starts at the key's first hit; allowed while count <= limit.
  // Atomic under any concurrency, across processes for Redis.
  virtual Result<RateDecision> Hit(const std::string& key, int64_t limit) = 0;
  // Takes one hit back from `key`'s current window (a request that was counted, then refused
  // for another reason, so that only accepted ones spend the budget). Never below zero; a
  // key without a current window is left alone (OK). Atomic as Hit.
  virtual Status Refund(const std::string& key) = 0;
};

// ---------------------------------------------------------------------------------------
// API keys: apikey:{id} and apikey-hash:{sha256 hex} -> id, kept until deleted (no TTL)

struct ApiKey {
  std::string id;    // kApiKeyIdPrefix + 16 hex digits
  std::string name;  // the operator's label, 1..kMaxApiKeyNameBytes bytes of UTF-8
  std::string hash;  // lower-case hex SHA-256 of the secret; the secret itself is never stored
  std::string hint;  // the secret's first characters, to tell keys apart in a list
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;

  bool revoked() const { return revoked_at.has_value(); }
  Json ToJson() const;
  static Result<ApiKey> FromJson(const Json& json);
};
inline constexpr std::string_view kApiKeyIdPrefix = "key_";
inline constexpr size_t kMaxApiKeyNameBytes = 100;

// Oldest first, then by id (how every backend's List orders them).
void SortApiKeys(std::vector<ApiKey>& keys);
// NotFound (reason "api_key_not_found") naming the id.
Status ApiKeyNotFound(const std::string& id);

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // Stores a new key. InvalidArgument when id, name or hash is empty; AlreadyExists when
  // the id or the hash is taken.
  virtual Status Create(const ApiKey& key) = 0;
  // Every key, revoked ones included, oldest first.
  virtual Result<std::vector<ApiKey>> List() = 0;
  // Marks the key revoked now (a key revoked before keeps its first revoked_at) and returns
  // it. NotFound when no key has `id`.
  virtual Result<ApiKey> Revoke(const std::string& id) = 0;
  // The key whose secret hashes to `hash`; NotFound when none does.
  virtual Result<ApiKey> FindByHash(const std::string& hash) = 0;
};

// ---------------------------------------------------------------------------------------
// Webhook deliveries: webhook:{task_id}, kept kWebhookRecordTtl after its last change

inline constexpr std::chrono::hours kWebhookRecordTtl{48};

enum class WebhookState {
  kWaiting,    // the task has not ended
  kPending,    // the task ended: a delivery is queued or waiting to be retried
  kDelivered,  // the receiver answered 2xx
  kFailed,     // given up: the retry window passed, or the URL is refused
};
std::string_view WebhookStateName(WebhookState state);  // "waiting", ...
std::optional<WebhookState> ParseWebhookState(std::string_view name);

struct WebhookDelivery {
  std::string task_id;
  std::string url;
  WebhookState state = WebhookState::kWaiting;
  int attempts = 0;          // POSTs made
  int last_http_status = 0;  // the receiver's last answer; 0 when none came
  std::string last_error;    // why the last attempt failed; empty when none did
  std::optional<TimePoint> task_ended_at;
  std::optional<TimePoint> next_attempt_at;
  std::optional<TimePoint> delivered_at;
  TimePoint updated_at;

  Json ToJson() const;
  static Result<WebhookDelivery> FromJson(const Json& json);
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  // Creates or replaces the record, expiring kWebhookRecordTtl after updated_at.
  virtual Status Put(const WebhookDelivery& delivery) = 0;
  // NotFound when absent or expired.
  virtual Result<WebhookDelivery> Get(const std::string& task_id) = 0;
};

// ---------------------------------------------------------------------------------------

// Everything one backend provides. Health reports reachability and round-trip latency.
struct StateBackend {
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<TaskResults> results;
  std::unique_ptr<ProgressStore> progress;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<RateLimiter> rate_limits;
  std::unique_ptr<ApiKeyStore> api_keys;
  std::unique_ptr<WebhookStore> webhooks;
  std::function<Result<Duration>()> ping;  // round trip to the store
  std::string description;                 // "sqlite:/path" or "redis://host:port/db"
};

}  // namespace vmsg::state
