// SQLite implementation of the state interfaces: the spec's records (same names as the Redis
// keys) in one `records` table with an expiry column, and the job queue in `jobs`/`dead_jobs`.
#include "state/sqlite/sqlite_state.h"

#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include "base/ids.h"
#include "base/json.h"

namespace vmsg::state {
namespace {

constexpr int kSchemaVersion = 1;
constexpr std::chrono::milliseconds kBusyTimeout{5000};
// A progress record of a task that has not ended is kept at most this long.
constexpr std::chrono::hours kProgressMaxLifetime{24};

constexpr std::string_view kTaskResultPrefix = "celery-task-meta-";
constexpr std::string_view kProgressPrefix = "progress:";
constexpr std::string_view kSessionPrefix = "ws:session:";
constexpr std::string_view kRateLimitPrefix = "ratelimit:";
constexpr std::string_view kApiKeyPrefix = "apikey:";
constexpr std::string_view kApiKeyHashPrefix = "apikey-hash:";
constexpr std::string_view kWebhookPrefix = "webhook:";
// API keys never expire: their records carry the latest time there is (the year 2262).
constexpr TimePoint kNever = TimePoint::max();

// Job states in `jobs.state`; dead jobs live in their own table so that a task id may be
// queued again after it died.
constexpr std::string_view kReady = "ready";
constexpr std::string_view kDelayed = "delayed";
constexpr std::string_view kReserved = "reserved";

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE records (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX records_by_expiry ON records (expires_at_ms);
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL UNIQUE,
  task_name TEXT NOT NULL,
  args TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  max_retries INTEGER NOT NULL,
  enqueued_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ready', 'delayed', 'reserved')),
  due_at_ms INTEGER,
  token TEXT,
  expires_at_ms INTEGER,
  expirations INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_ready ON jobs (state, priority DESC, seq);
CREATE INDEX jobs_due ON jobs (state, due_at_ms);
CREATE INDEX jobs_expiry ON jobs (state, expires_at_ms);
CREATE TABLE dead_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL,
  task_name TEXT NOT NULL,
  args TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  max_retries INTEGER NOT NULL,
  enqueued_at_ms INTEGER NOT NULL,
  error TEXT NOT NULL,
  died_at_ms INTEGER NOT NULL
);
CREATE INDEX dead_jobs_by_death ON dead_jobs (died_at_ms DESC, id DESC);
)sql";

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMillis(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
}

std::string Key(std::string_view prefix, std::string_view id) {
  std::string key(prefix);
  key += id;
  return key;
}

// The one place SQLite result codes become Status values. `purpose` names the statement.
Status SqliteError(sqlite3* db, int rc, std::string_view purpose) {
  std::string detail = sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) detail = sqlite3_errmsg(db);
  std::string message = "sqlite: " + std::string(purpose) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(message + " (database busy)", "state_busy");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::DataLoss(message + " (the state database is damaged)", "state_corrupt");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::Unavailable(message, "state_unavailable");
    default:
      return Status::Internal(message);
  }
}

// A prepared statement whose Bind calls fill the parameters left to right.
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql, std::string_view purpose) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      Status status = SqliteError(db, rc, purpose);
      sqlite3_finalize(stmt);
      return status;
    }
    return Statement(db, stmt, purpose);
  }

  Statement(Statement&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        purpose_(other.purpose_),
        next_(other.next_),
        bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& Bind(int64_t value) { return Check(sqlite3_bind_int64(stmt_, ++next_, value)); }
  Statement& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
  Statement& Bind(std::string_view value) {
    return Check(sqlite3_bind_text(stmt_, ++next_, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT));
  }
  Statement& Bind(const std::string& value) { return Bind(std::string_view(value)); }
  Statement& Bind(const char* value) { return Bind(std::string_view(value)); }

  // True when a row is ready to read, false when the statement is done.
  Result<bool> Step() {
    if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, purpose_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, purpose_);
  }

  // Steps to the end, so that the statement no longer holds the transaction open (COMMIT
  // fails while a statement is in progress).
  Status Run() {
    while (true) {
      auto row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
    }
  }

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string_view purpose)
      : db_(db), stmt_(stmt), purpose_(purpose) {}

  Statement& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string_view purpose_;  // a literal at every call site
  int next_ = 0;
  int bind_rc_ = SQLITE_OK;
};

Status Exec(sqlite3* db, const char* sql, std::string_view purpose) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : SqliteError(db, rc, purpose);
}

// A write transaction taken up front (BEGIN IMMEDIATE), so that a read followed by a write
// never races another connection; rolled back unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(sqlite3* db) {
    VMSG_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE", "begin transaction"));
    return Transaction(db);
  }
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Status Commit() {
    Status status = Exec(db_, "COMMIT", "commit transaction");
    if (status.ok()) db_ = nullptr;
    return status;
  }

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// One open connection. Every use holds `mutex`.
struct Database {
  ~Database() { sqlite3_close_v2(db); }

  std::mutex mutex;
  sqlite3* db = nullptr;  // GUARDED_BY(mutex)
  std::string description;
  Env* env = &Env::Default();  // monotonic time for waits and the ping
};

Status CreateOrCheckSchema(sqlite3* db) {
  VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  VMSG_ASSIGN_OR_RETURN(Statement version,
                        Statement::Prepare(db, "PRAGMA user_version", "read schema version"));
  VMSG_ASSIGN_OR_RETURN(bool has_row, version.Step());
  const int64_t current = has_row ? version.Int(0) : 0;
  VMSG_RETURN_IF_ERROR(version.Run());
  if (current > kSchemaVersion) {
    return Status::FailedPrecondition("state database schema version " + std::to_string(current) +
                                      " is newer than this vmsg (" +
                                      std::to_string(kSchemaVersion) + ")");
  }
  if (current == 0) {
    VMSG_RETURN_IF_ERROR(Exec(db, kSchemaSql, "create schema"));
    const std::string set_version = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    VMSG_RETURN_IF_ERROR(Exec(db, set_version.c_str(), "write schema version"));
  }
  return txn.Commit();
}

Result<std::shared_ptr<Database>> OpenDatabase(const std::filesystem::path& path) {
  auto database = std::make_shared<Database>();
  database->description = "sqlite:" + path.string();
  auto unavailable = [&path](const Status& status) {
    return Status::Unavailable(
        "cannot open state database " + path.string() + ": " + status.message(),
        "state_unavailable");
  };
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  int rc =
      sqlite3_open_v2(path.c_str(), &database->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return unavailable(SqliteError(database->db, rc, "open"));
  sqlite3_busy_timeout(database->db, static_cast<int>(kBusyTimeout.count()));
  sqlite3_extended_result_codes(database->db, 1);

  // journal_mode is the first statement that reads the file, so it is where a file that is
  // not a database shows up.
  auto mode = Statement::Prepare(database->db, "PRAGMA journal_mode = WAL", "enable WAL");
  if (!mode.ok()) return unavailable(mode.status());
  auto row = mode->Step();
  if (!row.ok()) return unavailable(row.status());
  const std::string journal_mode = *row ? mode->Text(0) : "";
  if (Status s = mode->Run(); !s.ok()) return unavailable(s);
  if (journal_mode != "wal") {
    return Status::Unavailable("cannot put state database " + path.string() +
                                   " in WAL mode (journal mode '" + journal_mode + "')",
                               "state_unavailable");
  }
  // In WAL mode NORMAL keeps every commit across a process crash (a dead worker); only a
  // power loss may drop the last few, which the queue's redelivery tolerates.
  if (Status s = Exec(database->db, "PRAGMA synchronous = NORMAL", "set synchronous"); !s.ok()) {
    return unavailable(s);
  }
  if (Status s = CreateOrCheckSchema(database->db); !s.ok()) {
    return s.code() == StatusCode::kFailedPrecondition ? s : unavailable(s);
  }
  return database;
}

// ---------------------------------------------------------------------------------------
// Records with an expiry: the spec's Redis keys and JSON values.

// The record's JSON, or nullopt when it is absent or expired. Caller holds the lock.
Result<std::optional<Json>> ReadRecord(sqlite3* db, const std::string& key, TimePoint now,
                                       int64_t* expires_at_ms = nullptr) {
  VMSG_ASSIGN_OR_RETURN(
      Statement stmt, Statement::Prepare(db,
                                         "SELECT value, expires_at_ms FROM records WHERE key = ?1 "
                                         "AND expires_at_ms > ?2",
                                         "read record"));
  stmt.Bind(key).Bind(ToMillis(now));
  VMSG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<Json>();
  if (expires_at_ms != nullptr) *expires_at_ms = stmt.Int(1);
  auto json = ParseJson(stmt.Text(0));
  if (!json.ok()) {
    return Status::DataLoss("state record " + key + " is not JSON: " + json.status().message());
  }
  return std::optional<Json>(std::move(*json));
}

Status WriteRecord(sqlite3* db, const std::string& key, const Json& value, TimePoint expires_at) {
  VMSG_ASSIGN_OR_RETURN(Statement stmt,
                        Statement::Prepare(db,
                                           "INSERT OR REPLACE INTO records (key, value, "
                                           "expires_at_ms) VALUES (?1, ?2, ?3)",
                                           "write record"));
  stmt.Bind(key).Bind(DumpJson(value)).Bind(ToMillis(expires_at));
  return stmt.Run();
}

Status Corrupt(const std::string& key, const Status& status) {
  return Status::DataLoss("state record " + key + " is malformed: " + status.message());
}

class SqliteTaskResults final : public TaskResults {
 public:
  SqliteTaskResults(std::shared_ptr<Database> db, const Clock& clock, ProgressStore& progress)
      : db_(std::move(db)), clock_(clock), progress_(progress) {}

  Status Put(const TaskResult& result) override {
    if (result.task_id.empty()) return Status::InvalidArgument("task result needs a task id");
    std::lock_guard lock(db_->mutex);
    return WriteRecord(db_->db, Key(kTaskResultPrefix, result.task_id), result.ToJson(),
                       clock_.Now() + kTaskResultTtl);
  }

  // In process there is no round trip to save: the outcome, then the progress.
  Status PutFinal(const TaskResult& result, const Progress& final_progress) override {
    VMSG_RETURN_IF_ERROR(ValidateProgress(final_progress));
    VMSG_RETURN_IF_ERROR(Put(result));
    return progress_.Publish(final_progress);
  }

  Result<TaskResult> Get(const std::string& task_id) override {
    const std::string key = Key(kTaskResultPrefix, task_id);
    std::optional<Json> json;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(json, ReadRecord(db_->db, key, clock_.Now()));
    }
    if (!json) return Status::NotFound("no result for task " + task_id);
    auto result = TaskResult::FromJson(*json);
    if (!result.ok()) return Corrupt(key, result.status());
    return result;
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
  ProgressStore& progress_;
};

// ---------------------------------------------------------------------------------------
// Progress with in-process fan-out.

class SubscriptionQueue {
 public:
  void Push(const Progress& progress) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      updates_.push_back(progress);
    }
    cv_.notify_all();
  }

  Result<std::optional<Progress>> Next(Duration timeout) {
    std::unique_lock lock(mutex_);
    if (closed_) return Status::Cancelled("progress subscription is closed");
    cv_.wait_for(lock, timeout, [this] { return closed_ || !updates_.empty(); });
    if (closed_ || updates_.empty()) return std::optional<Progress>();
    Progress next = std::move(updates_.front());
    updates_.pop_front();
    return std::optional<Progress>(std::move(next));
  }

  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      updates_.clear();
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Progress> updates_;  // GUARDED_BY(mutex_)
  bool closed_ = false;           // GUARDED_BY(mutex_)
};

// Current subscribers per task. Shared with the subscriptions, which may outlive the store.
class SubscriberHub {
 public:
  void Add(const std::string& task_id, const std::shared_ptr<SubscriptionQueue>& queue) {
    std::lock_guard lock(mutex_);
    subscribers_[task_id].insert(queue);
  }
  void Remove(const std::string& task_id, const std::shared_ptr<SubscriptionQueue>& queue) {
    std::lock_guard lock(mutex_);
    auto it = subscribers_.find(task_id);
    if (it == subscribers_.end()) return;
    it->second.erase(queue);
    if (it->second.empty()) subscribers_.erase(it);
  }
  void Deliver(const Progress& progress) {
    std::lock_guard lock(mutex_);
    auto it = subscribers_.find(progress.task_id);
    if (it == subscribers_.end()) return;
    for (const auto& queue : it->second) queue->Push(progress);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::set<std::shared_ptr<SubscriptionQueue>>> subscribers_;
};

class SqliteProgressSubscription final : public ProgressSubscription {
 public:
  SqliteProgressSubscription(std::shared_ptr<SubscriberHub> hub, std::string task_id)
      : hub_(std::move(hub)),
        task_id_(std::move(task_id)),
        queue_(std::make_shared<SubscriptionQueue>()) {
    hub_->Add(task_id_, queue_);
  }
  ~SqliteProgressSubscription() override { hub_->Remove(task_id_, queue_); }

  Result<std::optional<Progress>> Next(Duration timeout) override { return queue_->Next(timeout); }
  void Close() override { queue_->Close(); }

 private:
  std::shared_ptr<SubscriberHub> hub_;
  std::string task_id_;
  std::shared_ptr<SubscriptionQueue> queue_;
};

class SqliteProgressStore final : public ProgressStore {
 public:
  SqliteProgressStore(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock), hub_(std::make_shared<SubscriberHub>()) {}

  Status Publish(const Progress& progress) override {
    VMSG_RETURN_IF_ERROR(ValidateProgress(progress));
    const TimePoint expires_at =
        clock_.Now() +
        (progress.final ? Duration(kProgressTtlAfterCompletion) : Duration(kProgressMaxLifetime));
    // Held across the write and the delivery so that subscribers see the stored order.
    std::lock_guard publish_lock(publish_mutex_);
    {
      std::lock_guard lock(db_->mutex);
      VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, Key(kProgressPrefix, progress.task_id),
                                       progress.ToJson(), expires_at));
    }
    hub_->Deliver(progress);
    return Status::Ok();
  }

  Result<Progress> Latest(const std::string& task_id) override {
    const std::string key = Key(kProgressPrefix, task_id);
    std::optional<Json> json;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(json, ReadRecord(db_->db, key, clock_.Now()));
    }
    if (!json) return Status::NotFound("no progress for task " + task_id);
    auto progress = Progress::FromJson(*json);
    if (!progress.ok()) return Corrupt(key, progress.status());
    return progress;
  }

  Result<std::unique_ptr<ProgressSubscription>> Subscribe(const std::string& task_id) override {
    if (task_id.empty()) return Status::InvalidArgument("subscription needs a task id");
    return std::unique_ptr<ProgressSubscription>(
        std::make_unique<SqliteProgressSubscription>(hub_, task_id));
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
  std::shared_ptr<SubscriberHub> hub_;
  std::mutex publish_mutex_;
};

// ---------------------------------------------------------------------------------------
// Sessions and rate limits.

class SqliteSessionStore final : public SessionStore {
 public:
  SqliteSessionStore(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  Status Put(const Session& session) override {
    if (session.session_id.empty()) return Status::InvalidArgument("session needs an id");
    std::lock_guard lock(db_->mutex);
    return WriteRecord(db_->db, Key(kSessionPrefix, session.session_id), session.ToJson(),
                       session.last_ping + kSessionTtl);
  }

  Status Touch(const std::string& session_id) override {
    const std::string key = Key(kSessionPrefix, session_id);
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    const TimePoint now = clock_.Now();
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, ReadRecord(db_->db, key, now));
    if (!json) return Status::NotFound("no session " + session_id);
    auto session = Session::FromJson(*json);
    if (!session.ok()) return Corrupt(key, session.status());
    session->last_ping = now;
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, key, session->ToJson(), now + kSessionTtl));
    return txn.Commit();
  }

  Result<Session> Get(const std::string& session_id) override {
    const std::string key = Key(kSessionPrefix, session_id);
    std::optional<Json> json;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(json, ReadRecord(db_->db, key, clock_.Now()));
    }
    if (!json) return Status::NotFound("no session " + session_id);
    auto session = Session::FromJson(*json);
    if (!session.ok()) return Corrupt(key, session.status());
    return session;
  }

  // Removing an absent session succeeds: the caller's goal, no session, holds.
  Status Remove(const std::string& session_id) override {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(db_->db, "DELETE FROM records WHERE key = ?1", "remove session"));
    stmt.Bind(Key(kSessionPrefix, session_id));
    return stmt.Run();
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
};

class SqliteRateLimiter final : public RateLimiter {
 public:
  SqliteRateLimiter(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  Result<RateDecision> Hit(const std::string& key, int64_t limit) override {
    if (key.empty()) return Status::InvalidArgument("rate limit key is empty");
    if (limit < 0) return Status::InvalidArgument("rate limit must not be negative");
    const std::string record_key = Key(kRateLimitPrefix, key);
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    const TimePoint now = clock_.Now();
    int64_t expires_at_ms = 0;
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json,
                          ReadRecord(db_->db, record_key, now, &expires_at_ms));
    RateDecision decision;
    if (json) {
      auto count = GetInt(*json, "count");
      if (!count.ok()) return Corrupt(record_key, count.status());
      decision.count = *count + 1;
      // The record's expiry is the exact window end; the JSON's window_start has whole
      // seconds only.
      decision.window_start = FromMillis(expires_at_ms) - kRateLimitWindow;
    } else {
      decision.count = 1;
      decision.window_start = now;
    }
    const TimePoint window_end = decision.window_start + kRateLimitWindow;
    Json record = {{"count", decision.count},
                   {"window_start", FormatIso8601(decision.window_start)}};
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, record_key, record, window_end));
    VMSG_RETURN_IF_ERROR(txn.Commit());
    decision.allowed = decision.count <= limit;
    if (!decision.allowed) decision.retry_after = window_end - now;
    return decision;
  }

  Status Refund(const std::string& key) override {
    if (key.empty()) return Status::InvalidArgument("rate limit key is empty");
    const std::string record_key = Key(kRateLimitPrefix, key);
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    int64_t expires_at_ms = 0;
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json,
                          ReadRecord(db_->db, record_key, clock_.Now(), &expires_at_ms));
    if (!json) return Status::Ok();
    auto count = GetInt(*json, "count");
    if (!count.ok()) return Corrupt(record_key, count.status());
    if (*count <= 0) return Status::Ok();
    (*json)["count"] = *count - 1;
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, record_key, *json, FromMillis(expires_at_ms)));
    return txn.Commit();
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------
// API keys and webhook deliveries.

class SqliteApiKeyStore final : public ApiKeyStore {
 public:
  SqliteApiKeyStore(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  Status Create(const ApiKey& key) override {
    if (key.id.empty() || key.name.empty() || key.hash.empty()) {
      return Status::InvalidArgument("an API key needs an id, a name and a hash");
    }
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    const TimePoint now = clock_.Now();
    const std::string id_key = Key(kApiKeyPrefix, key.id);
    const std::string hash_key = Key(kApiKeyHashPrefix, key.hash);
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> by_id, ReadRecord(db_->db, id_key, now));
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> by_hash, ReadRecord(db_->db, hash_key, now));
    if (by_id || by_hash) return Status::AlreadyExists("API key " + key.id + " exists");
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, id_key, key.ToJson(), kNever));
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, hash_key, Json{{"id", key.id}}, kNever));
    return txn.Commit();
  }

  Result<std::vector<ApiKey>> List() override {
    std::vector<ApiKey> keys;
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Statement stmt,
                          Statement::Prepare(db_->db,
                                             "SELECT key, value FROM records WHERE key >= ?1 AND "
                                             "key < ?2",
                                             "list API keys"));
    std::string end(kApiKeyPrefix);
    end.back() += 1;  // "apikey;": just past every "apikey:..."
    stmt.Bind(kApiKeyPrefix).Bind(end);
    while (true) {
      VMSG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      auto json = ParseJson(stmt.Text(1));
      if (!json.ok()) return Corrupt(stmt.Text(0), json.status());
      auto key = ApiKey::FromJson(*json);
      if (!key.ok()) return Corrupt(stmt.Text(0), key.status());
      keys.push_back(std::move(*key));
    }
    SortApiKeys(keys);
    return keys;
  }

  Result<ApiKey> Revoke(const std::string& id) override {
    const std::string id_key = Key(kApiKeyPrefix, id);
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    const TimePoint now = clock_.Now();
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, ReadRecord(db_->db, id_key, now));
    if (!json) return ApiKeyNotFound(id);
    auto key = ApiKey::FromJson(*json);
    if (!key.ok()) return Corrupt(id_key, key.status());
    if (!key->revoked_at) key->revoked_at = now;
    VMSG_RETURN_IF_ERROR(WriteRecord(db_->db, id_key, key->ToJson(), kNever));
    VMSG_RETURN_IF_ERROR(txn.Commit());
    return key;
  }

  Result<ApiKey> FindByHash(const std::string& hash) override {
    const std::string hash_key = Key(kApiKeyHashPrefix, hash);
    std::lock_guard lock(db_->mutex);
    const TimePoint now = clock_.Now();
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> ref, ReadRecord(db_->db, hash_key, now));
    if (!ref) return Status::NotFound("no API key has this hash", "api_key_invalid");
    auto id = GetString(*ref, "id");
    if (!id.ok()) return Corrupt(hash_key, id.status());
    const std::string id_key = Key(kApiKeyPrefix, *id);
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, ReadRecord(db_->db, id_key, now));
    if (!json) return Corrupt(hash_key, Status::NotFound("it names a missing key " + *id));
    auto key = ApiKey::FromJson(*json);
    if (!key.ok()) return Corrupt(id_key, key.status());
    return key;
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
};

class SqliteWebhookStore final : public WebhookStore {
 public:
  SqliteWebhookStore(std::shared_ptr<Database> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  Status Put(const WebhookDelivery& delivery) override {
    if (delivery.task_id.empty()) return Status::InvalidArgument("webhook delivery needs a task");
    std::lock_guard lock(db_->mutex);
    return WriteRecord(db_->db, Key(kWebhookPrefix, delivery.task_id), delivery.ToJson(),
                       delivery.updated_at + kWebhookRecordTtl);
  }

  Result<WebhookDelivery> Get(const std::string& task_id) override {
    const std::string key = Key(kWebhookPrefix, task_id);
    std::optional<Json> json;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(json, ReadRecord(db_->db, key, clock_.Now()));
    }
    if (!json) return Status::NotFound("no webhook for task " + task_id);
    auto delivery = WebhookDelivery::FromJson(*json);
    if (!delivery.ok()) return Corrupt(key, delivery.status());
    return delivery;
  }

 private:
  std::shared_ptr<Database> db_;
  const Clock& clock_;
};

// ---------------------------------------------------------------------------------------
// Job queue.

// Wakes waiting fetchers of one backend. `generation` moves on every event, so a fetcher
// that read it before looking at the database cannot miss an event that happened since.
class ReadySignal {
 public:
  uint64_t Generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  void Notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    cv_.notify_all();
  }
  // Waits until the generation moves past `seen` or `until`; real time, not the Clock.
  void WaitPast(uint64_t seen, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, until, [&] { return generation_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;  // GUARDED_BY(mutex_)
};

constexpr std::string_view kJobColumns =
    "task_id, task_name, args, priority, attempt, max_retries, enqueued_at_ms";

Result<Job> ReadJob(const Statement& stmt, int first) {
  Job job;
  job.task_id = stmt.Text(first);
  job.task_name = stmt.Text(first + 1);
  auto args = ParseJson(stmt.Text(first + 2));
  if (!args.ok()) {
    return Status::DataLoss("arguments of job " + job.task_id +
                            " are not JSON: " + args.status().message());
  }
  job.args = std::move(*args);
  job.priority = static_cast<int>(stmt.Int(first + 3));
  job.attempt = static_cast<int>(stmt.Int(first + 4));
  job.max_retries = static_cast<int>(stmt.Int(first + 5));
  job.enqueued_at = FromMillis(stmt.Int(first + 6));
  return job;
}

class SqliteJobQueue final : public JobQueue {
 public:
  SqliteJobQueue(std::shared_ptr<Database> db, const Clock& clock, std::function<double()> jitter)
      : db_(std::move(db)), clock_(clock), jitter_(std::move(jitter)) {
    if (!jitter_) jitter_ = DefaultJitter();
  }

  Status Enqueue(const JobSpec& spec) override {
    VMSG_RETURN_IF_ERROR(ValidateJobSpec(spec));
    const bool delayed = spec.delay > Duration::zero();
    {
      std::lock_guard lock(db_->mutex);
      const TimePoint now = clock_.Now();
      VMSG_ASSIGN_OR_RETURN(
          Statement stmt,
          Statement::Prepare(db_->db,
                             "INSERT INTO jobs (task_id, task_name, args, priority, max_retries, "
                             "enqueued_at_ms, state, due_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                             "?7, ?8) ON CONFLICT (task_id) DO NOTHING",
                             "enqueue job"));
      stmt.Bind(spec.task_id)
          .Bind(spec.task_name)
          .Bind(DumpJson(spec.args))
          .Bind(spec.priority)
          .Bind(spec.max_retries)
          .Bind(ToMillis(now))
          .Bind(delayed ? kDelayed : kReady)
          .Bind(ToMillis(now + (delayed ? spec.delay : Duration::zero())));
      VMSG_RETURN_IF_ERROR(stmt.Run());
      if (sqlite3_changes(db_->db) == 0) {
        return Status::AlreadyExists("job " + spec.task_id + " is already queued");
      }
    }
    if (!delayed) ready_.Notify();
    return Status::Ok();
  }

  Result<std::optional<Reservation>> Fetch(Duration visibility_timeout,
                                           Duration max_wait) override {
    if (visibility_timeout <= Duration::zero()) {
      return Status::InvalidArgument("visibility timeout must be positive");
    }
    const auto deadline =
        db_->env->MonotonicNow() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::max(max_wait, Duration::zero()));
    while (true) {
      const uint64_t seen = ready_.Generation();
      VMSG_ASSIGN_OR_RETURN(std::optional<Reservation> reservation, TryFetch(visibility_timeout));
      if (reservation) return reservation;
      const auto now = db_->env->MonotonicNow();
      if (now >= deadline) return std::optional<Reservation>();
      ready_.WaitPast(seen, std::min(deadline, now + kSqliteFetchPollInterval));
    }
  }

  Status Ack(const Reservation& reservation) override {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Statement stmt,
                          Statement::Prepare(db_->db,
                                             "DELETE FROM jobs WHERE task_id = ?1 AND state = "
                                             "'reserved' AND token = ?2",
                                             "ack job"));
    stmt.Bind(reservation.job.task_id).Bind(reservation.token);
    VMSG_RETURN_IF_ERROR(stmt.Run());
    if (sqlite3_changes(db_->db) == 0) return StaleReservation(reservation);
    return Status::Ok();
  }

  // Local steps: SQLite has no round trip to save.
  Result<AckAndFetchResult> AckAndFetch(const std::vector<Reservation>& done,
                                        Duration visibility_timeout, Duration max_wait,
                                        int max_jobs) override {
    VMSG_RETURN_IF_ERROR(CheckBatch(max_jobs));
    AckAndFetchResult out;
    for (const Reservation& r : done) {
      Status acked = Ack(r);
      if (acked.IsNotFound()) {
        ++out.stale;
      } else if (!acked.ok()) {
        return acked;
      }
    }
    for (int i = 0; i < max_jobs; ++i) {
      VMSG_ASSIGN_OR_RETURN(std::optional<Reservation> next,
                            Fetch(visibility_timeout, i == 0 ? max_wait : Duration::zero()));
      if (!next) break;
      out.fetched.push_back(std::move(*next));
    }
    return out;
  }

  // A job whose cancellation was requested is never rescheduled: it goes to the dead set.
  Result<bool> Fail(const Reservation& reservation, const Status& error) override {
    bool rescheduled = false;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
      VMSG_ASSIGN_OR_RETURN(Statement find,
                            Statement::Prepare(db_->db,
                                               "SELECT attempt, max_retries, cancel_requested "
                                               "FROM jobs WHERE task_id = ?1 AND state = "
                                               "'reserved' AND token = ?2",
                                               "find failed job"));
      find.Bind(reservation.job.task_id).Bind(reservation.token);
      VMSG_ASSIGN_OR_RETURN(bool found, find.Step());
      if (!found) return StaleReservation(reservation);
      const int64_t attempt = find.Int(0);
      const int64_t max_retries = find.Int(1);
      const bool cancel_requested = find.Int(2) != 0;
      VMSG_RETURN_IF_ERROR(find.Run());
      const TimePoint now = clock_.Now();
      rescheduled = error.IsRetryable() && attempt < max_retries && !cancel_requested;
      if (rescheduled) {
        const Duration backoff = RetryBackoff(static_cast<int>(attempt), jitter_());
        VMSG_ASSIGN_OR_RETURN(Statement retry,
                              Statement::Prepare(db_->db,
                                                 "UPDATE jobs SET state = 'delayed', due_at_ms = "
                                                 "?2, attempt = attempt + 1, token = NULL, "
                                                 "expires_at_ms = NULL WHERE task_id = ?1",
                                                 "reschedule failed job"));
        retry.Bind(reservation.job.task_id).Bind(ToMillis(now + backoff));
        VMSG_RETURN_IF_ERROR(retry.Run());
      } else {
        VMSG_RETURN_IF_ERROR(
            Bury("task_id = ?1", reservation.job.task_id, "?2", error.ToString(), now));
      }
      VMSG_RETURN_IF_ERROR(txn.Commit());
    }
    return rescheduled;
  }

  Status Release(const Reservation& reservation) override {
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(Statement stmt,
                            Statement::Prepare(db_->db,
                                               "UPDATE jobs SET state = 'ready', token = NULL, "
                                               "expires_at_ms = NULL WHERE task_id = ?1 AND "
                                               "state = 'reserved' AND token = ?2",
                                               "release job"));
      stmt.Bind(reservation.job.task_id).Bind(reservation.token);
      VMSG_RETURN_IF_ERROR(stmt.Run());
      if (sqlite3_changes(db_->db) == 0) return StaleReservation(reservation);
    }
    ready_.Notify();
    return Status::Ok();
  }

  Status Cancel(const std::string& task_id) override {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    VMSG_ASSIGN_OR_RETURN(
        Statement find,
        Statement::Prepare(db_->db, "SELECT state FROM jobs WHERE task_id = ?1", "find job"));
    find.Bind(task_id);
    VMSG_ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return Status::NotFound("no queued, delayed or running job " + task_id);
    const bool reserved = find.Text(0) == kReserved;
    VMSG_RETURN_IF_ERROR(find.Run());
    VMSG_ASSIGN_OR_RETURN(
        Statement change,
        Statement::Prepare(db_->db,
                           reserved ? "UPDATE jobs SET cancel_requested = 1 WHERE task_id = ?1"
                                    : "DELETE FROM jobs WHERE task_id = ?1",
                           reserved ? "flag job cancelled" : "remove cancelled job"));
    change.Bind(task_id);
    VMSG_RETURN_IF_ERROR(change.Run());
    return txn.Commit();
  }

  // False for an id the queue no longer holds (never queued, removed, acked or dead).
  Result<bool> IsCancelRequested(const std::string& task_id) override {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(db_->db, "SELECT cancel_requested FROM jobs WHERE task_id = ?1",
                           "read cancel flag"));
    stmt.Bind(task_id);
    VMSG_ASSIGN_OR_RETURN(bool found, stmt.Step());
    return found && stmt.Int(0) != 0;
  }

  Result<int64_t> EnqueueDue() override {
    int64_t moved = 0;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(Statement stmt,
                            Statement::Prepare(db_->db,
                                               "UPDATE jobs SET state = 'ready', due_at_ms = NULL "
                                               "WHERE state = 'delayed' AND due_at_ms <= ?1",
                                               "enqueue due jobs"));
      stmt.Bind(ToMillis(clock_.Now()));
      VMSG_RETURN_IF_ERROR(stmt.Run());
      moved = sqlite3_changes(db_->db);
    }
    if (moved > 0) ready_.Notify();
    return moved;
  }

  // Each expiry counts as a delivery attempt (attempt + 1). A job whose attempt would pass
  // max_retries goes to the dead set instead, so a job that kills its worker cannot loop
  // forever. Returns how many expired reservations were handled either way.
  Result<int64_t> ReapExpired() override {
    int64_t requeued = 0;
    int64_t buried = 0;
    {
      std::lock_guard lock(db_->mutex);
      VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
      const TimePoint now = clock_.Now();
      VMSG_RETURN_IF_ERROR(Bury(
          "state = 'reserved' AND expires_at_ms <= ?1 AND attempt + 1 > max_retries", ToMillis(now),
          "'worker lost (visibility timeout expired ' || (expirations + 1) || ' times)'", "", now,
          &buried));
      VMSG_ASSIGN_OR_RETURN(Statement requeue,
                            Statement::Prepare(db_->db,
                                               "UPDATE jobs SET state = 'ready', token = NULL, "
                                               "expires_at_ms = NULL, attempt = attempt + 1, "
                                               "expirations = expirations + 1 WHERE state = "
                                               "'reserved' AND expires_at_ms <= ?1",
                                               "requeue expired reservations"));
      requeue.Bind(ToMillis(now));
      VMSG_RETURN_IF_ERROR(requeue.Run());
      requeued = sqlite3_changes(db_->db);
      VMSG_RETURN_IF_ERROR(txn.Commit());
    }
    if (requeued > 0) ready_.Notify();
    return requeued + buried;
  }

  Result<QueueStats> Stats() override {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(db_->db,
                           "SELECT state, COUNT(*) FROM jobs GROUP BY state UNION ALL "
                           "SELECT 'dead', COUNT(*) FROM dead_jobs",
                           "count jobs"));
    QueueStats stats;
    while (true) {
      VMSG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      const std::string state = stmt.Text(0);
      const int64_t count = stmt.Int(1);
      if (state == kReady) stats.ready = count;
      if (state == kDelayed) stats.delayed = count;
      if (state == kReserved) stats.reserved = count;
      if (state == "dead") stats.dead = count;
    }
    VMSG_ASSIGN_OR_RETURN(
        Statement by_priority,
        Statement::Prepare(db_->db,
                           "SELECT priority, COUNT(*) FROM jobs WHERE state = ? GROUP BY priority",
                           "count ready jobs by priority"));
    by_priority.Bind(kReady);
    while (true) {
      VMSG_ASSIGN_OR_RETURN(bool has_row, by_priority.Step());
      if (!has_row) break;
      stats.ready_by_priority[static_cast<int>(by_priority.Int(0))] = by_priority.Int(1);
    }
    return stats;
  }

  Result<std::vector<DeadJob>> ListDead(int64_t limit) override {
    if (limit < 0) return Status::InvalidArgument("limit must not be negative");
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Statement stmt,
                          Statement::Prepare(db_->db,
                                             "SELECT " + std::string(kJobColumns) +
                                                 ", error, died_at_ms FROM dead_jobs ORDER BY "
                                                 "died_at_ms DESC, id DESC LIMIT ?1",
                                             "list dead jobs"));
    stmt.Bind(limit);
    std::vector<DeadJob> dead;
    while (true) {
      VMSG_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      VMSG_ASSIGN_OR_RETURN(Job job, ReadJob(stmt, 0));
      dead.push_back(DeadJob{std::move(job), stmt.Text(7), FromMillis(stmt.Int(8))});
    }
    return dead;
  }

 private:
  static Status StaleReservation(const Reservation& reservation) {
    return Status::NotFound("reservation of job " + reservation.job.task_id + " is no longer held");
  }

  // Selects and reserves the most urgent ready job in one IMMEDIATE transaction.
  Result<std::optional<Reservation>> TryFetch(Duration visibility_timeout) {
    std::lock_guard lock(db_->mutex);
    VMSG_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_->db));
    Reservation reservation;
    reservation.token = tokens_.NewUuid();
    reservation.expires_at = clock_.Now() + visibility_timeout;
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt,
        Statement::Prepare(db_->db,
                           "UPDATE jobs SET state = 'reserved', token = ?1, expires_at_ms = ?2 "
                           "WHERE seq = (SELECT seq FROM jobs WHERE state = 'ready' ORDER BY "
                           "priority DESC, seq LIMIT 1) RETURNING " +
                               std::string(kJobColumns),
                           "fetch job"));
    stmt.Bind(reservation.token).Bind(ToMillis(reservation.expires_at));
    VMSG_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return std::optional<Reservation>();
    VMSG_ASSIGN_OR_RETURN(reservation.job, ReadJob(stmt, 0));
    VMSG_RETURN_IF_ERROR(stmt.Run());
    VMSG_RETURN_IF_ERROR(txn.Commit());
    return std::optional<Reservation>(std::move(reservation));
  }

  // Moves the jobs matching `where` to the dead set, in one statement pair. In `where`, ?1
  // is `where_arg`; `error_sql` is the error column's SQL expression, in which ?2 is
  // `error_text`. Caller holds the lock and a transaction.
  template <typename Arg>
  Status Bury(std::string_view where, const Arg& where_arg, std::string_view error_sql,
              std::string_view error_text, TimePoint now, int64_t* count = nullptr) {
    VMSG_ASSIGN_OR_RETURN(
        Statement insert,
        Statement::Prepare(db_->db,
                           "INSERT INTO dead_jobs (" + std::string(kJobColumns) +
                               ", error, died_at_ms) SELECT " + std::string(kJobColumns) + ", " +
                               std::string(error_sql) + ", ?3 FROM jobs WHERE " +
                               std::string(where) + " ORDER BY seq",
                           "bury job"));
    insert.Bind(where_arg).Bind(error_text).Bind(ToMillis(now));
    VMSG_RETURN_IF_ERROR(insert.Run());
    if (count != nullptr) *count = sqlite3_changes(db_->db);
    VMSG_ASSIGN_OR_RETURN(
        Statement remove,
        Statement::Prepare(db_->db, "DELETE FROM jobs WHERE " + std::string(where),
                           "remove buried job"));
    remove.Bind(where_arg);
    return remove.Run();
  }

  std::shared_ptr<Database> db_;
  const Clock& clock_;
  std::function<double()> jitter_;  // GUARDED_BY(db_->mutex)
  IdGenerator tokens_;
  ReadySignal ready_;
};

}  // namespace

Result<StateBackend> NewSqliteBackend(const SqliteOptions& options, const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::shared_ptr<Database> db, OpenDatabase(options.path));
  if (options.env != nullptr) db->env = options.env;
  StateBackend backend;
  backend.queue = std::make_unique<SqliteJobQueue>(db, clock, options.jitter);
  backend.progress = std::make_unique<SqliteProgressStore>(db, clock);
  backend.results = std::make_unique<SqliteTaskResults>(db, clock, *backend.progress);
  backend.sessions = std::make_unique<SqliteSessionStore>(db, clock);
  backend.rate_limits = std::make_unique<SqliteRateLimiter>(db, clock);
  backend.api_keys = std::make_unique<SqliteApiKeyStore>(db, clock);
  backend.webhooks = std::make_unique<SqliteWebhookStore>(db, clock);
  backend.description = db->description;
  backend.ping = [db]() -> Result<Duration> {
    const auto start = db->env->MonotonicNow();
    std::lock_guard lock(db->mutex);
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt, Statement::Prepare(db->db, "SELECT COUNT(*) FROM records WHERE 0", "ping"));
    VMSG_RETURN_IF_ERROR(stmt.Run());
    return std::chrono::duration_cast<Duration>(db->env->MonotonicNow() - start);
  };
  return backend;
}

Result<ExpirySweep> NewSqliteSweeper(const SqliteOptions& options, const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::shared_ptr<Database> db, OpenDatabase(options.path));
  return ExpirySweep([db, &clock]() -> Result<int64_t> {
    std::lock_guard lock(db->mutex);
    VMSG_ASSIGN_OR_RETURN(
        Statement stmt, Statement::Prepare(db->db, "DELETE FROM records WHERE expires_at_ms <= ?1",
                                           "sweep expired records"));
    stmt.Bind(ToMillis(clock.Now()));
    VMSG_RETURN_IF_ERROR(stmt.Run());
    return static_cast<int64_t>(sqlite3_changes(db->db));
  });
}

}  // namespace vmsg::state
