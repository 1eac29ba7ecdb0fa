// Redis implementation of the state interfaces. Every operation that reads and writes is
// one Lua script, so it is atomic across processes; times come from the injected Clock and
// are passed to the scripts as ARGV (scripts never read Redis's own clock for logic).
#include "state/redis_state.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <random>
#include <string_view>

#include "common/ids.h"
#include "common/json.h"

namespace vmsg::state {
namespace {

// A progress record of a task that has not ended is kept at most this long.
constexpr std::chrono::hours kProgressMaxLifetime{24};
// How many optimistic retries a session Touch makes when another writer got in between.
constexpr int kTouchAttempts = 10;
// Expired keys a sweep removes per script call (keeps each call short).
constexpr int kSweepBatch = 500;

constexpr std::string_view kTaskResultPrefix = "celery-task-meta-";
constexpr std::string_view kProgressPrefix = "progress:";
constexpr std::string_view kSessionPrefix = "ws:session:";
constexpr std::string_view kRateLimitPrefix = "ratelimit:";
constexpr std::string_view kExpiryKey = "vmsg:expiry";

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMillis(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
}
int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
std::string Str(int64_t n) { return std::to_string(n); }

std::string Key(std::string_view prefix, std::string_view id) {
  std::string key(prefix);
  key += id;
  return key;
}

Result<int64_t> ParseInt64(std::string_view text, std::string_view what) {
  int64_t value = 0;
  // Scores may come back as "1.7e12" from older servers; whole numbers otherwise.
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  double d = 0;
  auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc() && dend == text.data() + text.size()) return static_cast<int64_t>(d);
  return Status::DataLoss("redis: " + std::string(what) + " is not a number: '" +
                          std::string(text) + "'");
}

Status Corrupt(const std::string& key, const Status& status) {
  return Status::DataLoss("state record " + key + " is malformed: " + status.message());
}

Status Unexpected(std::string_view what) {
  return Status::Internal("redis: unexpected reply from " + std::string(what));
}

// ---------------------------------------------------------------------------------------
// Records with a logical expiry (see redis_state.h).

// KEYS: key, vmsg:expiry. ARGV: now_ms. {value, expiry_ms or ""}, or nil when absent or
// expired by the injected clock (then deleted).
const RedisScript kReadRecord(R"lua(
local s = redis.call('ZSCORE', KEYS[2], KEYS[1])
if s and tonumber(s) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return false
end
local v = redis.call('GET', KEYS[1])
if not v then
  if s then redis.call('ZREM', KEYS[2], KEYS[1]) end
  return false
end
return {v, s or ''}
)lua");

// KEYS: vmsg:expiry, then the records' keys. ARGV: for each record in turn its value, real
// ttl ms, logical expiry ms, publish (1/0). Each is PSETEX then PUBLISH on the key's name,
// as Celery writes results.
const RedisScript kWriteRecords(R"lua(
for i = 2, #KEYS do
  local a = (i - 2) * 4
  redis.call('PSETEX', KEYS[i], ARGV[a + 2], ARGV[a + 1])
  redis.call('ZADD', KEYS[1], ARGV[a + 3], KEYS[i])
  if ARGV[a + 4] == '1' then redis.call('PUBLISH', KEYS[i], ARGV[a + 1]) end
end
return #KEYS - 1
)lua");

// KEYS: key, vmsg:expiry. ARGV: expected value, new value, real ttl ms, logical expiry ms,
// now_ms. 1 written, 0 absent or expired, -1 changed meanwhile.
const RedisScript kReplaceRecord(R"lua(
local s = redis.call('ZSCORE', KEYS[2], KEYS[1])
if s and tonumber(s) <= tonumber(ARGV[5]) then return 0 end
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v ~= ARGV[1] then return -1 end
redis.call('PSETEX', KEYS[1], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
return 1
)lua");

// KEYS: key, vmsg:expiry.
const RedisScript kDeleteRecord(R"lua(
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
return 1
)lua");

// KEYS: ratelimit key, vmsg:expiry. ARGV: now_ms, window ms, window_start (ISO, for a new
// window), real ttl ms. {count, window end ms}.
const RedisScript kRateLimitHit(R"lua(
local now = tonumber(ARGV[1])
local s = redis.call('ZSCORE', KEYS[2], KEYS[1])
if s and tonumber(s) > now and redis.call('EXISTS', KEYS[1]) == 1 then
  return {redis.call('HINCRBY', KEYS[1], 'count', 1), s}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'count', 1, 'window_start', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local e = string.format('%.0f', now + tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], e, KEYS[1])
return {1, e}
)lua");

// KEYS: vmsg:expiry. ARGV: now_ms, batch. Deletes up to `batch` expired keys.
const RedisScript kSweep(R"lua(
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, k in ipairs(keys) do
  redis.call('DEL', k)
  redis.call('ZREM', KEYS[1], k)
end
return #keys
)lua");

// Shared by the record stores.
class Records {
 public:
  Records(std::shared_ptr<RedisClient> client, const Clock& clock)
      : client_(std::move(client)), clock_(clock) {}

  struct Read {
    std::string value;
    std::optional<int64_t> expires_at_ms;
  };

  Result<std::optional<Read>> Get(const std::string& key) {
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kReadRecord, {key, std::string(kExpiryKey)}, {Str(ToMillis(clock_.Now()))}));
    if (reply.IsNil()) return std::optional<Read>();
    if (reply.elements.size() != 2) return Unexpected("record read");
    Read read{reply.elements[0].str, std::nullopt};
    if (!reply.elements[1].str.empty()) {
      VMSG_ASSIGN_OR_RETURN(read.expires_at_ms, ParseInt64(reply.elements[1].str, "expiry"));
    }
    return std::optional<Read>(std::move(read));
  }

  Result<std::optional<Json>> GetJson(const std::string& key) {
    VMSG_ASSIGN_OR_RETURN(std::optional<Read> read, Get(key));
    if (!read) return std::optional<Json>();
    auto json = ParseJson(read->value);
    if (!json.ok()) return Corrupt(key, json.status());
    return std::optional<Json>(std::move(*json));
  }

  struct Write {
    std::string key;
    Json value;
    TimePoint expires_at;
    bool publish = false;
  };

  // Writes the records in order, in one script (one round trip, atomic).
  Status Put(const std::vector<Write>& writes) {
    const TimePoint now = clock_.Now();
    std::vector<std::string> keys{std::string(kExpiryKey)};
    std::vector<std::string> args;
    for (const Write& w : writes) {
      keys.push_back(w.key);
      args.push_back(DumpJson(w.value));
      args.push_back(Str(RealTtlMillis(now, w.expires_at)));
      args.push_back(Str(ToMillis(w.expires_at)));
      args.push_back(w.publish ? "1" : "0");
    }
    return client_->Eval(kWriteRecords, keys, args).status();
  }

  // 1 written, 0 absent or expired, -1 changed since `expected` was read.
  Result<int64_t> Replace(const std::string& key, const std::string& expected, const Json& value,
                          TimePoint expires_at) {
    const TimePoint now = clock_.Now();
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kReplaceRecord, {key, std::string(kExpiryKey)},
                      {expected, DumpJson(value), Str(RealTtlMillis(now, expires_at)),
                       Str(ToMillis(expires_at)), Str(ToMillis(now))}));
    return reply.integer;
  }

  Status Delete(const std::string& key) {
    return client_->Eval(kDeleteRecord, {key, std::string(kExpiryKey)}, {}).status();
  }

  RedisClient& client() { return *client_; }
  const Clock& clock() const { return clock_; }

  // Redis's own TTL: the time left by the injected clock, at least 1 ms (PSETEX refuses 0).
  static int64_t RealTtlMillis(TimePoint now, TimePoint expires_at) {
    return std::max<int64_t>(Millis(expires_at - now), 1);
  }

 private:
  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
};

// A progress record lives until its task ends (at most a day), then 5 more minutes.
Records::Write ProgressWrite(const Records& records, const Progress& progress) {
  const Duration ttl =
      progress.final ? Duration(kProgressTtlAfterCompletion) : Duration(kProgressMaxLifetime);
  return {Key(kProgressPrefix, progress.task_id), progress.ToJson(), records.clock().Now() + ttl,
          /*publish=*/true};
}

class RedisTaskResults final : public TaskResults {
 public:
  explicit RedisTaskResults(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  Status Put(const TaskResult& result) override {
    if (result.task_id.empty()) return Status::InvalidArgument("task result needs a task id");
    return records_->Put({ResultWrite(result)});
  }

  Status PutFinal(const TaskResult& result, const Progress& final_progress) override {
    if (result.task_id.empty()) return Status::InvalidArgument("task result needs a task id");
    VMSG_RETURN_IF_ERROR(ValidateProgress(final_progress));
    return records_->Put({ResultWrite(result), ProgressWrite(*records_, final_progress)});
  }

  Result<TaskResult> Get(const std::string& task_id) override {
    const std::string key = Key(kTaskResultPrefix, task_id);
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, records_->GetJson(key));
    if (!json) return Status::NotFound("no result for task " + task_id);
    auto result = TaskResult::FromJson(*json);
    if (!result.ok()) return Corrupt(key, result.status());
    return result;
  }

 private:
  Records::Write ResultWrite(const TaskResult& result) const {
    return {Key(kTaskResultPrefix, result.task_id), result.ToJson(),
            records_->clock().Now() + kTaskResultTtl, /*publish=*/true};
  }

  std::shared_ptr<Records> records_;
};

Result<Progress> ParseProgress(const std::string& key, std::string_view text) {
  auto json = ParseJson(text);
  if (!json.ok()) return Corrupt(key, json.status());
  auto progress = Progress::FromJson(*json);
  if (!progress.ok()) return Corrupt(key, progress.status());
  return progress;
}

class RedisProgressSubscription final : public ProgressSubscription {
 public:
  RedisProgressSubscription(std::unique_ptr<RedisSubscription> sub, std::string channel)
      : sub_(std::move(sub)), channel_(std::move(channel)) {}

  Result<std::optional<Progress>> Next(Duration timeout) override {
    VMSG_ASSIGN_OR_RETURN(std::optional<std::string> message, sub_->Next(timeout));
    if (!message) return std::optional<Progress>();
    VMSG_ASSIGN_OR_RETURN(Progress progress, ParseProgress(channel_, *message));
    return std::optional<Progress>(std::move(progress));
  }

  void Close() override { sub_->Close(); }

 private:
  std::unique_ptr<RedisSubscription> sub_;
  std::string channel_;
};

class RedisProgressStore final : public ProgressStore {
 public:
  explicit RedisProgressStore(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  // The record and the PUBLISH on progress:{task_id} are one script, so subscribers on any
  // node see updates in the order they were stored.
  Status Publish(const Progress& progress) override {
    VMSG_RETURN_IF_ERROR(ValidateProgress(progress));
    return records_->Put({ProgressWrite(*records_, progress)});
  }

  Result<Progress> Latest(const std::string& task_id) override {
    const std::string key = Key(kProgressPrefix, task_id);
    VMSG_ASSIGN_OR_RETURN(std::optional<Records::Read> read, records_->Get(key));
    if (!read) return Status::NotFound("no progress for task " + task_id);
    return ParseProgress(key, read->value);
  }

  Result<std::unique_ptr<ProgressSubscription>> Subscribe(const std::string& task_id) override {
    if (task_id.empty()) return Status::InvalidArgument("subscription needs a task id");
    const std::string channel = Key(kProgressPrefix, task_id);
    VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisSubscription> sub,
                          records_->client().Subscribe(channel));
    return std::unique_ptr<ProgressSubscription>(
        std::make_unique<RedisProgressSubscription>(std::move(sub), channel));
  }

 private:
  std::shared_ptr<Records> records_;
};

class RedisSessionStore final : public SessionStore {
 public:
  explicit RedisSessionStore(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  Status Put(const Session& session) override {
    if (session.session_id.empty()) return Status::InvalidArgument("session needs an id");
    return records_->Put({{Key(kSessionPrefix, session.session_id), session.ToJson(),
                           session.last_ping + kSessionTtl, /*publish=*/false}});
  }

  // Read, change last_ping, write back only if nobody changed the record meanwhile.
  Status Touch(const std::string& session_id) override {
    const std::string key = Key(kSessionPrefix, session_id);
    for (int attempt = 0; attempt < kTouchAttempts; ++attempt) {
      VMSG_ASSIGN_OR_RETURN(std::optional<Records::Read> read, records_->Get(key));
      if (!read) return Status::NotFound("no session " + session_id);
      auto json = ParseJson(read->value);
      if (!json.ok()) return Corrupt(key, json.status());
      auto session = Session::FromJson(*json);
      if (!session.ok()) return Corrupt(key, session.status());
      const TimePoint now = records_->clock().Now();
      session->last_ping = now;
      VMSG_ASSIGN_OR_RETURN(int64_t written, records_->Replace(key, read->value, session->ToJson(),
                                                               now + kSessionTtl));
      if (written == 1) return Status::Ok();
      if (written == 0) return Status::NotFound("no session " + session_id);
    }
    return Status::Unavailable("session " + session_id + " kept changing during Touch",
                               "state_busy");
  }

  Result<Session> Get(const std::string& session_id) override {
    const std::string key = Key(kSessionPrefix, session_id);
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, records_->GetJson(key));
    if (!json) return Status::NotFound("no session " + session_id);
    auto session = Session::FromJson(*json);
    if (!session.ok()) return Corrupt(key, session.status());
    return session;
  }

  // Removing an absent session succeeds, as with SQLite.
  Status Remove(const std::string& session_id) override {
    return records_->Delete(Key(kSessionPrefix, session_id));
  }

 private:
  std::shared_ptr<Records> records_;
};

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  Result<RateDecision> Hit(const std::string& key, int64_t limit) override {
    if (key.empty()) return Status::InvalidArgument("rate limit key is empty");
    if (limit < 0) return Status::InvalidArgument("rate limit must not be negative");
    const TimePoint now = records_->clock().Now();
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          records_->client().Eval(
                              kRateLimitHit, {Key(kRateLimitPrefix, key), std::string(kExpiryKey)},
                              {Str(ToMillis(now)), Str(Millis(kRateLimitWindow)),
                               FormatIso8601(now), Str(Millis(kRateLimitWindow))}));
    if (reply.elements.size() != 2) return Unexpected("rate limit hit");
    RateDecision decision;
    decision.count = reply.elements[0].integer;
    VMSG_ASSIGN_OR_RETURN(int64_t window_end_ms,
                          ParseInt64(reply.elements[1].str, "rate limit window"));
    // The sidecar expiry is the exact window end; the hash's window_start has whole seconds.
    const TimePoint window_end = FromMillis(window_end_ms);
    decision.window_start = window_end - kRateLimitWindow;
    decision.allowed = decision.count <= limit;
    if (!decision.allowed) decision.retry_after = window_end - now;
    return decision;
  }

 private:
  std::shared_ptr<Records> records_;
};

// ---------------------------------------------------------------------------------------
// Job queue, under vmsg:queue: in the broker DB.
//
//   job:{id}   hash: task_name, args (JSON), priority, attempt, max_retries, enqueued_at_ms,
//              expirations, seq, state (ready|delayed|reserved), token, cancel
//   ready      zset id -> (kMaxPriority - priority) * 1e13 + seq (most urgent first)
//   delayed    zset id -> due ms (delays and retry backoffs)
//   reserved   zset id -> reservation expiry ms
//   dead       list of JSON records, newest first
//   wake       list of wake-up tokens for blocked fetchers (capped)
//   seq        counter giving FIFO order within a priority

constexpr int kMaxWakeTokens = 64;

std::string QueueLua(std::string_view body) {
  std::string lua = R"lua(
local P = 'vmsg:queue:'
local READY, DELAYED, RESERVED, DEAD, WAKE, SEQ =
  P .. 'ready', P .. 'delayed', P .. 'reserved', P .. 'dead', P .. 'wake', P .. 'seq'
local function jobkey(id) return P .. 'job:' .. id end
local function ready_score(jk)
  local f = redis.call('HMGET', jk, 'priority', 'seq')
  return string.format('%.0f', (MAX_PRIORITY - tonumber(f[1])) * 1e13 + tonumber(f[2]))
end
local function wake(n)
  for i = 1, math.min(n, MAX_WAKE) do redis.call('RPUSH', WAKE, '1') end
  redis.call('LTRIM', WAKE, -MAX_WAKE, -1)
end
-- Pops the most urgent ready job and records the reservation in the same step. {id, name,
-- args, priority, attempt, max_retries, enqueued_at_ms} or false.
local function fetch(expires_ms, token)
  local top = redis.call('ZRANGE', READY, 0, 0)
  if #top == 0 then return false end
  local id = top[1]
  local jk = jobkey(id)
  redis.call('ZREM', READY, id)
  redis.call('HSET', jk, 'state', 'reserved', 'token', token)
  redis.call('ZADD', RESERVED, expires_ms, id)
  local f = redis.call('HMGET', jk, 'task_name', 'args', 'priority', 'attempt', 'max_retries',
                       'enqueued_at_ms')
  return {id, f[1], f[2], f[3], f[4], f[5], f[6]}
end
-- true when the reservation was held (and is now gone), false when stale.
local function ack(id, token)
  local jk = jobkey(id)
  local f = redis.call('HMGET', jk, 'state', 'token')
  if f[1] ~= 'reserved' or f[2] ~= token then return false end
  redis.call('ZREM', RESERVED, id)
  redis.call('DEL', jk)
  return true
end
local function bury(id, jk, err, now)
  local f = redis.call('HMGET', jk, 'task_name', 'args', 'priority', 'attempt', 'max_retries',
                       'enqueued_at_ms')
  redis.call('LPUSH', DEAD, cjson.encode({task_id = id, task_name = f[1], args = f[2],
    priority = f[3], attempt = f[4], max_retries = f[5], enqueued_at_ms = f[6], error = err,
    died_at_ms = now}))
  redis.call('ZREM', READY, id)
  redis.call('ZREM', DELAYED, id)
  redis.call('ZREM', RESERVED, id)
  redis.call('DEL', jk)
end
)lua";
  auto replace = [&lua](std::string_view name, const std::string& value) {
    for (size_t at = lua.find(name); at != std::string::npos; at = lua.find(name, at)) {
      lua.replace(at, name.size(), value);
    }
  };
  replace("MAX_PRIORITY", std::to_string(kMaxPriority));
  replace("MAX_WAKE", std::to_string(kMaxWakeTokens));
  lua += body;
  return lua;
}

// ARGV: id, name, args, priority, max_retries, now_ms, due_ms (0: ready now). 1, or 0 when
// the id is already queued, delayed or reserved.
const RedisScript kEnqueue(QueueLua(R"lua(
local id = ARGV[1]
local jk = jobkey(id)
if redis.call('EXISTS', jk) == 1 then return 0 end
local seq = redis.call('INCR', SEQ)
local delayed = ARGV[7] ~= '0'
redis.call('HSET', jk, 'task_name', ARGV[2], 'args', ARGV[3], 'priority', ARGV[4], 'attempt', 0,
           'max_retries', ARGV[5], 'enqueued_at_ms', ARGV[6], 'expirations', 0, 'seq', seq,
           'state', delayed and 'delayed' or 'ready')
if delayed then
  redis.call('ZADD', DELAYED, ARGV[7], id)
else
  redis.call('ZADD', READY, ready_score(jk), id)
  wake(1)
end
return 1
)lua"));

// ARGV: reservation expiry ms, token. The fetched job (see fetch above) or nil.
const RedisScript kFetch(QueueLua(R"lua(
return fetch(ARGV[1], ARGV[2])
)lua"));

// ARGV: id, token. 1 acked, 0 stale.
const RedisScript kAck(QueueLua(R"lua(
return ack(ARGV[1], ARGV[2]) and 1 or 0
)lua"));

// ARGV: reservation expiry ms, number of done jobs d, then d pairs of done id and token,
// then one token per job wanted. {stale count, job, job, ...}: as many jobs as were ready.
const RedisScript kAckAndFetch(QueueLua(R"lua(
local d = tonumber(ARGV[2])
local stale = 0
for i = 0, d - 1 do
  if not ack(ARGV[3 + 2 * i], ARGV[4 + 2 * i]) then stale = stale + 1 end
end
local out = {stale}
for i = 3 + 2 * d, #ARGV do
  local job = fetch(ARGV[1], ARGV[i])
  if not job then break end
  out[#out + 1] = job
end
return out
)lua"));

// ARGV: id, token, retryable (1/0), due ms, error, now ms. 0 stale, 1 rescheduled, 2 dead.
// A job whose cancellation was requested is never rescheduled.
const RedisScript kFail(QueueLua(R"lua(
local id = ARGV[1]
local jk = jobkey(id)
local f = redis.call('HMGET', jk, 'state', 'token', 'attempt', 'max_retries', 'cancel')
if f[1] ~= 'reserved' or f[2] ~= ARGV[2] then return 0 end
redis.call('ZREM', RESERVED, id)
if ARGV[3] == '1' and tonumber(f[3]) < tonumber(f[4]) and f[5] ~= '1' then
  redis.call('HINCRBY', jk, 'attempt', 1)
  redis.call('HSET', jk, 'state', 'delayed')
  redis.call('HDEL', jk, 'token')
  redis.call('ZADD', DELAYED, ARGV[4], id)
  return 1
end
bury(id, jk, ARGV[5], ARGV[6])
return 2
)lua"));

// ARGV: id, token. 1 released, 0 stale.
const RedisScript kRelease(QueueLua(R"lua(
local id = ARGV[1]
local jk = jobkey(id)
local f = redis.call('HMGET', jk, 'state', 'token')
if f[1] ~= 'reserved' or f[2] ~= ARGV[2] then return 0 end
redis.call('ZREM', RESERVED, id)
redis.call('HSET', jk, 'state', 'ready')
redis.call('HDEL', jk, 'token')
redis.call('ZADD', READY, ready_score(jk), id)
wake(1)
return 1
)lua"));

// ARGV: id. 0 unknown, 1 removed or flagged.
const RedisScript kCancel(QueueLua(R"lua(
local id = ARGV[1]
local jk = jobkey(id)
local state = redis.call('HGET', jk, 'state')
if not state then return 0 end
if state == 'reserved' then
  redis.call('HSET', jk, 'cancel', '1')
  return 1
end
redis.call('ZREM', READY, id)
redis.call('ZREM', DELAYED, id)
redis.call('DEL', jk)
return 1
)lua"));

// ARGV: now ms. How many delayed jobs became ready.
const RedisScript kEnqueueDue(QueueLua(R"lua(
local ids = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', ARGV[1])
for _, id in ipairs(ids) do
  local jk = jobkey(id)
  redis.call('ZREM', DELAYED, id)
  redis.call('HSET', jk, 'state', 'ready')
  redis.call('ZADD', READY, ready_score(jk), id)
end
if #ids > 0 then wake(#ids) end
return #ids
)lua"));

// ARGV: now ms. Expired reservations go back to ready with attempt + 1, or to the dead set
// once attempt + 1 would pass max_retries. How many were handled.
const RedisScript kReapExpired(QueueLua(R"lua(
local ids = redis.call('ZRANGEBYSCORE', RESERVED, '-inf', ARGV[1])
local requeued = 0
for _, id in ipairs(ids) do
  local jk = jobkey(id)
  local f = redis.call('HMGET', jk, 'attempt', 'max_retries', 'expirations')
  if tonumber(f[1]) + 1 > tonumber(f[2]) then
    bury(id, jk, 'worker lost (visibility timeout expired ' .. (tonumber(f[3]) + 1) .. ' times)',
         ARGV[1])
  else
    redis.call('ZREM', RESERVED, id)
    redis.call('HINCRBY', jk, 'attempt', 1)
    redis.call('HINCRBY', jk, 'expirations', 1)
    redis.call('HSET', jk, 'state', 'ready')
    redis.call('HDEL', jk, 'token')
    redis.call('ZADD', READY, ready_score(jk), id)
    requeued = requeued + 1
  end
end
if requeued > 0 then wake(requeued) end
return #ids
)lua"));

const RedisScript kStats(QueueLua(R"lua(
return {redis.call('ZCARD', READY), redis.call('ZCARD', DELAYED), redis.call('ZCARD', RESERVED),
        redis.call('LLEN', DEAD)}
)lua"));

constexpr std::string_view kWakeKey = "vmsg:queue:wake";
constexpr std::string_view kDeadKey = "vmsg:queue:dead";

Result<int> ParseSmallInt(std::string_view text, std::string_view what) {
  VMSG_ASSIGN_OR_RETURN(int64_t value, ParseInt64(text, what));
  return static_cast<int>(value);
}

// Fields in the order of kFetch's reply, starting at `first` (the task id).
Result<Job> ReadJob(const std::vector<RedisReply>& f, size_t first) {
  if (f.size() < first + 7) return Unexpected("job read");
  Job job;
  job.task_id = f[first].str;
  job.task_name = f[first + 1].str;
  auto args = ParseJson(f[first + 2].str);
  if (!args.ok()) {
    return Status::DataLoss("arguments of job " + job.task_id +
                            " are not JSON: " + args.status().message());
  }
  job.args = std::move(*args);
  VMSG_ASSIGN_OR_RETURN(job.priority, ParseSmallInt(f[first + 3].str, "priority"));
  VMSG_ASSIGN_OR_RETURN(job.attempt, ParseSmallInt(f[first + 4].str, "attempt"));
  VMSG_ASSIGN_OR_RETURN(job.max_retries, ParseSmallInt(f[first + 5].str, "max_retries"));
  VMSG_ASSIGN_OR_RETURN(int64_t enqueued, ParseInt64(f[first + 6].str, "enqueued_at_ms"));
  job.enqueued_at = FromMillis(enqueued);
  return job;
}

Result<DeadJob> ReadDead(const std::string& text) {
  auto json = ParseJson(text);
  if (!json.ok()) return Status::DataLoss("dead job record is not JSON");
  std::vector<RedisReply> fields;
  for (const char* name :
       {"task_id", "task_name", "args", "priority", "attempt", "max_retries", "enqueued_at_ms"}) {
    RedisReply r;
    auto value = GetString(*json, name);
    if (!value.ok()) return Status::DataLoss("dead job record: " + value.status().message());
    r.str = *value;
    fields.push_back(std::move(r));
  }
  DeadJob dead;
  VMSG_ASSIGN_OR_RETURN(dead.job, ReadJob(fields, 0));
  auto error = GetString(*json, "error");
  auto died = GetString(*json, "died_at_ms");
  if (!error.ok() || !died.ok()) return Status::DataLoss("dead job record lacks error or time");
  dead.error = *error;
  VMSG_ASSIGN_OR_RETURN(int64_t died_ms, ParseInt64(*died, "died_at_ms"));
  dead.died_at = FromMillis(died_ms);
  return dead;
}

class RedisJobQueue final : public JobQueue {
 public:
  RedisJobQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                std::function<double()> jitter)
      : client_(std::move(client)), clock_(clock), jitter_(std::move(jitter)) {
    if (!jitter_) jitter_ = DefaultJitter();
  }

  Status Enqueue(const JobSpec& spec) override {
    VMSG_RETURN_IF_ERROR(ValidateJobSpec(spec));
    const TimePoint now = clock_.Now();
    const bool delayed = spec.delay > Duration::zero();
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kEnqueue, {},
                      {spec.task_id, spec.task_name, DumpJson(spec.args), Str(spec.priority),
                       Str(spec.max_retries), Str(ToMillis(now)),
                       delayed ? Str(ToMillis(now + spec.delay)) : "0"}));
    if (reply.integer == 0) {
      return Status::AlreadyExists("job " + spec.task_id + " is already queued");
    }
    return Status::Ok();
  }

  // Tries the queue, then blocks on the wake-up list (real time) until an event or the
  // poll interval, and tries again; never busy-loops.
  Result<std::optional<Reservation>> Fetch(Duration visibility_timeout,
                                           Duration max_wait) override {
    if (visibility_timeout <= Duration::zero()) {
      return Status::InvalidArgument("visibility timeout must be positive");
    }
    return FetchOrWait(visibility_timeout, max_wait, /*try_first=*/true);
  }

  // Fetch's loop. `try_first` false: the caller has just found the queue empty, so the loop
  // starts by waiting rather than asking again.
  Result<std::optional<Reservation>> FetchOrWait(Duration visibility_timeout, Duration max_wait,
                                                 bool try_first) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::max(max_wait, Duration::zero()));
    for (bool attempt = try_first;; attempt = true) {
      if (attempt) {
        VMSG_ASSIGN_OR_RETURN(std::optional<Reservation> reservation, TryFetch(visibility_timeout));
        if (reservation) return reservation;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::optional<Reservation>();
      const auto wait = std::min<std::chrono::milliseconds>(left, kRedisFetchPollInterval);
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%.3f", static_cast<double>(wait.count()) / 1000.0);
      VMSG_ASSIGN_OR_RETURN(
          RedisReply ignored,
          client_->BlockingCommand({"BLPOP", std::string(kWakeKey), seconds}, Duration(wait)));
      (void)ignored;
    }
  }

  Status Ack(const Reservation& reservation) override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kAck, {}, {reservation.job.task_id, reservation.token}));
    if (reply.integer == 0) return StaleReservation(reservation);
    return Status::Ok();
  }

  Result<AckAndFetchResult> AckAndFetch(const std::vector<Reservation>& done,
                                        Duration visibility_timeout, Duration max_wait,
                                        int max_jobs) override {
    if (visibility_timeout <= Duration::zero()) {
      return Status::InvalidArgument("visibility timeout must be positive");
    }
    VMSG_RETURN_IF_ERROR(CheckBatch(max_jobs));
    const TimePoint expires_at = clock_.Now() + visibility_timeout;
    std::vector<std::string> args{Str(ToMillis(expires_at)), Str(done.size())};
    for (const Reservation& r : done) {
      args.push_back(r.job.task_id);
      args.push_back(r.token);
    }
    std::vector<std::string> tokens;
    for (int i = 0; i < max_jobs; ++i) {
      tokens.push_back(tokens_.NewUuid());
      args.push_back(tokens.back());
    }
    VMSG_ASSIGN_OR_RETURN(RedisReply reply, client_->Eval(kAckAndFetch, {}, args));
    if (reply.elements.empty() || reply.elements[0].type != RedisReply::Type::kInteger) {
      return Unexpected("ack and fetch");
    }
    AckAndFetchResult out;
    out.stale = static_cast<int>(reply.elements[0].integer);
    for (size_t i = 1; i < reply.elements.size(); ++i) {
      Reservation r;
      r.token = tokens[i - 1];
      r.expires_at = expires_at;
      VMSG_ASSIGN_OR_RETURN(r.job, ReadJob(reply.elements[i].elements, 0));
      out.fetched.push_back(std::move(r));
    }
    if (out.fetched.empty()) {
      // Nothing was ready (the script just looked): wait as Fetch does, acks already done.
      VMSG_ASSIGN_OR_RETURN(std::optional<Reservation> next,
                            FetchOrWait(visibility_timeout, max_wait, /*try_first=*/false));
      if (next) out.fetched.push_back(std::move(*next));
    }
    return out;
  }

  Result<bool> Fail(const Reservation& reservation, const Status& error) override {
    const TimePoint now = clock_.Now();
    Duration backoff;
    {
      std::lock_guard lock(jitter_mutex_);
      backoff = RetryBackoff(reservation.job.attempt, jitter_());
    }
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kFail, {},
                      {reservation.job.task_id, reservation.token, error.IsRetryable() ? "1" : "0",
                       Str(ToMillis(now + backoff)), error.ToString(), Str(ToMillis(now))}));
    if (reply.integer == 0) return StaleReservation(reservation);
    return reply.integer == 1;
  }

  Status Release(const Reservation& reservation) override {
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kRelease, {}, {reservation.job.task_id, reservation.token}));
    if (reply.integer == 0) return StaleReservation(reservation);
    return Status::Ok();
  }

  Status Cancel(const std::string& task_id) override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply, client_->Eval(kCancel, {}, {task_id}));
    if (reply.integer == 0) return Status::NotFound("no queued, delayed or running job " + task_id);
    return Status::Ok();
  }

  // False for an id the queue no longer holds (never queued, removed, acked or dead).
  Result<bool> IsCancelRequested(const std::string& task_id) override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Command({"HGET", "vmsg:queue:job:" + task_id, "cancel"}));
    return !reply.IsNil() && reply.str == "1";
  }

  Result<int64_t> EnqueueDue() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kEnqueueDue, {}, {Str(ToMillis(clock_.Now()))}));
    return reply.integer;
  }

  Result<int64_t> ReapExpired() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kReapExpired, {}, {Str(ToMillis(clock_.Now()))}));
    return reply.integer;
  }

  Result<QueueStats> Stats() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply, client_->Eval(kStats, {}, {}));
    if (reply.elements.size() != 4) return Unexpected("queue stats");
    return QueueStats{reply.elements[0].integer, reply.elements[1].integer,
                      reply.elements[2].integer, reply.elements[3].integer};
  }

  Result<std::vector<DeadJob>> ListDead(int64_t limit) override {
    if (limit < 0) return Status::InvalidArgument("limit must not be negative");
    std::vector<DeadJob> dead;
    if (limit == 0) return dead;
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Command({"LRANGE", std::string(kDeadKey), "0", Str(limit - 1)}));
    for (const auto& element : reply.elements) {
      VMSG_ASSIGN_OR_RETURN(DeadJob job, ReadDead(element.str));
      dead.push_back(std::move(job));
    }
    return dead;
  }

 private:
  static Status StaleReservation(const Reservation& reservation) {
    return Status::NotFound("reservation of job " + reservation.job.task_id + " is no longer held");
  }

  Reservation NewReservation(Duration visibility_timeout) {
    Reservation reservation;
    reservation.token = tokens_.NewUuid();
    reservation.expires_at = clock_.Now() + visibility_timeout;
    return reservation;
  }

  Result<std::optional<Reservation>> TryFetch(Duration visibility_timeout) {
    Reservation reservation = NewReservation(visibility_timeout);
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Eval(kFetch, {}, {Str(ToMillis(reservation.expires_at)), reservation.token}));
    if (reply.IsNil()) return std::optional<Reservation>();
    VMSG_ASSIGN_OR_RETURN(reservation.job, ReadJob(reply.elements, 0));
    return std::optional<Reservation>(std::move(reservation));
  }

  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
  std::mutex jitter_mutex_;
  std::function<double()> jitter_;  // GUARDED_BY(jitter_mutex_)
  IdGenerator tokens_;
};

}  // namespace

Result<StateBackend> NewRedisBackend(const RedisOptions& results_and_state,
                                     const RedisOptions& broker, const Clock& clock,
                                     std::function<double()> jitter) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> state_client,
                        NewRedisClient(results_and_state));
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> broker_client, NewRedisClient(broker));
  std::shared_ptr<RedisClient> state(std::move(state_client));
  auto records = std::make_shared<Records>(state, clock);
  StateBackend backend;
  backend.queue = std::make_unique<RedisJobQueue>(
      std::shared_ptr<RedisClient>(std::move(broker_client)), clock, std::move(jitter));
  backend.results = std::make_unique<RedisTaskResults>(records);
  backend.progress = std::make_unique<RedisProgressStore>(records);
  backend.sessions = std::make_unique<RedisSessionStore>(records);
  backend.rate_limits = std::make_unique<RedisRateLimiter>(records);
  backend.description = state->endpoint().Description();
  backend.ping = [state]() -> Result<Duration> {
    const auto start = std::chrono::steady_clock::now();
    VMSG_ASSIGN_OR_RETURN(RedisReply pong, state->Command({"PING"}));
    if (pong.str != "PONG") return Unexpected("PING");
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start);
  };
  return backend;
}

Result<RedisExpirySweep> NewRedisSweeper(const RedisOptions& results_and_state,
                                         const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> client_ptr, NewRedisClient(results_and_state));
  std::shared_ptr<RedisClient> client(std::move(client_ptr));
  return RedisExpirySweep([client, &clock]() -> Result<int64_t> {
    int64_t total = 0;
    const std::string now = Str(ToMillis(clock.Now()));
    while (true) {
      VMSG_ASSIGN_OR_RETURN(RedisReply reply, client->Eval(kSweep, {std::string(kExpiryKey)},
                                                           {now, Str(kSweepBatch)}));
      total += reply.integer;
      if (reply.integer < kSweepBatch) return total;
    }
  });
}

}  // namespace vmsg::state
