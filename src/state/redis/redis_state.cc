// Redis implementation of the state interfaces. Every operation that reads and writes is
// one Lua script, so it is atomic across processes; times come from the injected Clock and
// are passed to the scripts as ARGV (scripts never read Redis's own clock for logic).
#include "state/redis/redis_state.h"

#include <algorithm>
#include <string_view>

#include "base/json.h"
#include "state/redis/redis_common.h"
#include "state/redis/redis_job_queue.h"

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
constexpr std::string_view kApiKeyPrefix = "apikey:";
constexpr std::string_view kApiKeyHashPrefix = "apikey-hash:";
constexpr std::string_view kApiKeyIndex = "vmsg:apikeys";  // a set of every key's id
constexpr std::string_view kWebhookPrefix = "webhook:";
// How many optimistic retries a key's Revoke makes when another writer got in between.
constexpr int kRevokeAttempts = 10;

std::string Key(std::string_view prefix, std::string_view id) {
  std::string key(prefix);
  key += id;
  return key;
}

Status Corrupt(const std::string& key, const Status& status) {
  return Status::DataLoss("state record " + key + " is malformed: " + status.message());
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

// KEYS: ratelimit:{key}, vmsg:expiry. ARGV: now_ms. One hit back, within the current window
// only, never below zero.
const RedisScript kRateLimitRefund(R"lua(
local now = tonumber(ARGV[1])
local s = redis.call('ZSCORE', KEYS[2], KEYS[1])
if s and tonumber(s) > now and tonumber(redis.call('HGET', KEYS[1], 'count') or '0') > 0 then
  return redis.call('HINCRBY', KEYS[1], 'count', -1)
end
return -1
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
    if (reply.elements.size() != 2) return UnexpectedReply("record read");
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
    if (reply.elements.size() != 2) return UnexpectedReply("rate limit hit");
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

  Status Refund(const std::string& key) override {
    if (key.empty()) return Status::InvalidArgument("rate limit key is empty");
    const TimePoint now = records_->clock().Now();
    return records_->client()
        .Eval(kRateLimitRefund, {Key(kRateLimitPrefix, key), std::string(kExpiryKey)},
              {Str(ToMillis(now))})
        .status();
  }

 private:
  std::shared_ptr<Records> records_;
};

// KEYS: apikey:{id}, apikey-hash:{hash}, vmsg:apikeys. ARGV: the key's JSON, its id.
// 1 when stored, 0 when the id or the hash is taken. No TTL: keys live until deleted.
const RedisScript kCreateApiKey(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
)lua");

// KEYS: vmsg:apikeys. Every key's JSON (ids in the set whose record is gone are skipped).
const RedisScript kListApiKeys(R"lua(
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', 'apikey:' .. id)
  if v then out[#out + 1] = v end
end
return out
)lua");

// KEYS: apikey:{id}. ARGV: the JSON read, the new JSON. 1 written, 0 absent, -1 changed.
const RedisScript kReplaceApiKey(R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
)lua");

class RedisApiKeyStore final : public ApiKeyStore {
 public:
  explicit RedisApiKeyStore(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  Status Create(const ApiKey& key) override {
    if (key.id.empty() || key.name.empty() || key.hash.empty()) {
      return Status::InvalidArgument("an API key needs an id, a name and a hash");
    }
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        records_->client().Eval(kCreateApiKey,
                                {Key(kApiKeyPrefix, key.id), Key(kApiKeyHashPrefix, key.hash),
                                 std::string(kApiKeyIndex)},
                                {DumpJson(key.ToJson()), key.id}));
    if (reply.integer != 1) return Status::AlreadyExists("API key " + key.id + " exists");
    return Status::Ok();
  }

  Result<std::vector<ApiKey>> List() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          records_->client().Eval(kListApiKeys, {std::string(kApiKeyIndex)}, {}));
    std::vector<ApiKey> keys;
    for (const RedisReply& element : reply.elements) {
      VMSG_ASSIGN_OR_RETURN(ApiKey key, Parse(std::string(kApiKeyIndex), element.str));
      keys.push_back(std::move(key));
    }
    SortApiKeys(keys);
    return keys;
  }

  Result<ApiKey> Revoke(const std::string& id) override {
    const std::string key_name = Key(kApiKeyPrefix, id);
    for (int attempt = 0; attempt < kRevokeAttempts; ++attempt) {
      VMSG_ASSIGN_OR_RETURN(RedisReply read, records_->client().Command({"GET", key_name}));
      if (read.IsNil()) return ApiKeyNotFound(id);
      VMSG_ASSIGN_OR_RETURN(ApiKey key, Parse(key_name, read.str));
      if (!key.revoked_at) key.revoked_at = records_->clock().Now();
      VMSG_ASSIGN_OR_RETURN(
          RedisReply written,
          records_->client().Eval(kReplaceApiKey, {key_name}, {read.str, DumpJson(key.ToJson())}));
      if (written.integer == 1) return key;
      if (written.integer == 0) return ApiKeyNotFound(id);
    }
    return Status::Unavailable("API key " + id + " kept changing during Revoke", "state_busy");
  }

  Result<ApiKey> FindByHash(const std::string& hash) override {
    const std::string hash_key = Key(kApiKeyHashPrefix, hash);
    VMSG_ASSIGN_OR_RETURN(RedisReply id, records_->client().Command({"GET", hash_key}));
    if (id.IsNil()) return Status::NotFound("no API key has this hash", "api_key_invalid");
    const std::string key_name = Key(kApiKeyPrefix, id.str);
    VMSG_ASSIGN_OR_RETURN(RedisReply read, records_->client().Command({"GET", key_name}));
    if (read.IsNil())
      return Corrupt(hash_key, Status::NotFound("it names a missing key " + id.str));
    return Parse(key_name, read.str);
  }

 private:
  static Result<ApiKey> Parse(const std::string& where, const std::string& text) {
    auto json = ParseJson(text);
    if (!json.ok()) return Corrupt(where, json.status());
    auto key = ApiKey::FromJson(*json);
    if (!key.ok()) return Corrupt(where, key.status());
    return key;
  }

  std::shared_ptr<Records> records_;
};

class RedisWebhookStore final : public WebhookStore {
 public:
  explicit RedisWebhookStore(std::shared_ptr<Records> records) : records_(std::move(records)) {}

  Status Put(const WebhookDelivery& delivery) override {
    if (delivery.task_id.empty()) return Status::InvalidArgument("webhook delivery needs a task");
    return records_->Put({{Key(kWebhookPrefix, delivery.task_id), delivery.ToJson(),
                           delivery.updated_at + kWebhookRecordTtl, /*publish=*/false}});
  }

  Result<WebhookDelivery> Get(const std::string& task_id) override {
    const std::string key = Key(kWebhookPrefix, task_id);
    VMSG_ASSIGN_OR_RETURN(std::optional<Json> json, records_->GetJson(key));
    if (!json) return Status::NotFound("no webhook for task " + task_id);
    auto delivery = WebhookDelivery::FromJson(*json);
    if (!delivery.ok()) return Corrupt(key, delivery.status());
    return delivery;
  }

 private:
  std::shared_ptr<Records> records_;
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
  backend.queue = NewRedisJobQueue(std::shared_ptr<RedisClient>(std::move(broker_client)), clock,
                                   std::move(jitter));
  backend.results = std::make_unique<RedisTaskResults>(records);
  backend.progress = std::make_unique<RedisProgressStore>(records);
  backend.sessions = std::make_unique<RedisSessionStore>(records);
  backend.rate_limits = std::make_unique<RedisRateLimiter>(records);
  backend.api_keys = std::make_unique<RedisApiKeyStore>(records);
  backend.webhooks = std::make_unique<RedisWebhookStore>(records);
  backend.description = state->endpoint().Description();
  backend.ping = [state]() -> Result<Duration> {
    const auto start = std::chrono::steady_clock::now();
    VMSG_ASSIGN_OR_RETURN(RedisReply pong, state->Command({"PING"}));
    if (pong.str != "PONG") return UnexpectedReply("PING");
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
