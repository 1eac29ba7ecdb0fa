// The job queue on Redis, in Celery's message protocol 2 as kombu's Redis transport keeps it,
// in the broker DB:
//
//   celery, celery\x06\x163, celery\x06\x166, celery\x06\x169
//                  kombu's lists of task messages (celery_message.h), one per priority
//                  step; LPUSH to queue, RPOP from the other end, step 0 read first
//   unacked        kombu's hash: delivery tag -> [message, exchange, routing_key] of every
//                  message a worker holds
//   unacked_index  kombu's sorted set: delivery tag -> when it was delivered (Unix seconds)
//   unacked_mutex  kombu's restorer lock; our reaper leaves the queue alone while it is held
//
// and what Celery's layout has no place for, under vmsg:queue::
//
//   task:{id}      hash: state (ready|delayed|reserved), tag (the current delivery's),
//                  attempt, expirations, max_retries, enqueued_at_ms, visibility_ms, cancel
//   delayed        sorted set id -> due ms (delays and retry backoffs), their messages in
//   held           hash id -> message
//   dead           list of JSON records, newest first
//   wake           list of wake-up tokens for blocked fetchers (capped)
//
// A delivery's tag is a fresh UUID (the reservation's token), so a worker that lost its
// reservation can never ack the next delivery. Messages from another producer (Celery's
// send_task) have no task:{id} record until a worker takes them. Every operation is one
// Lua script, so it is atomic across processes; times come from the injected Clock.
#include "state/redis/redis_job_queue.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "base/json.h"
#include "state/redis/celery_message.h"
#include "state/redis/redis_common.h"
#include "state/redis/redis_state.h"  // kRedisFetchPollInterval

namespace vmsg::state {
namespace {

constexpr int kMaxWakeTokens = 64;
constexpr std::string_view kWakeKey = "vmsg:queue:wake";
constexpr std::string_view kDeadKey = "vmsg:queue:dead";
constexpr std::string_view kTaskKeyPrefix = "vmsg:queue:task:";

// A Lua string literal holding `bytes` exactly (the list names carry control bytes).
std::string LuaQuote(std::string_view bytes) {
  std::string out = "'";
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escape[8];  // always three digits: "\0223" is \022 then '3'
      std::snprintf(escape, sizeof(escape), "\\%03u", static_cast<unsigned>(c));
      out += escape;
    }
  }
  return out + "'";
}

std::string QueueLua(std::string_view body) {
  std::string lists = "{";
  for (const std::string& name : celery::QueueListNames(celery::kDefaultQueue)) {
    lists += LuaQuote(name) + ", ";
  }
  lists += "}";
  std::string list_for = "{";
  for (int p = 0; p <= celery::kMaxCeleryPriority; ++p) {
    list_for += "[" + std::to_string(p) +
                "] = " + LuaQuote(celery::QueueListName(celery::kDefaultQueue, p)) + ", ";
  }
  list_for += "}";

  std::string lua = R"lua(
local P = 'vmsg:queue:'
local DELAYED, HELD, DEAD, WAKE = P .. 'delayed', P .. 'held', P .. 'dead', P .. 'wake'
local UNACKED, INDEX, MUTEX = UNACKED_KEY, INDEX_KEY, MUTEX_KEY
local QUEUE = DEFAULT_QUEUE
local LISTS = LIST_NAMES
local LIST_FOR = LIST_FOR_PRIORITY
local function taskkey(id) return P .. 'task:' .. id end
local function wake(n)
  for i = 1, math.min(n, MAX_WAKE) do redis.call('RPUSH', WAKE, '1') end
  redis.call('LTRIM', WAKE, -MAX_WAKE, -1)
end
-- A message as a table, or nil when it is not a JSON object with headers.
local function decode(raw)
  local ok, msg = pcall(cjson.decode, raw)
  if ok and type(msg) == 'table' and type(msg.headers) == 'table' then return msg end
  return nil
end
local function msg_id(msg)
  local id = msg and msg.headers.id
  if type(id) == 'string' and id ~= '' then return id end
  return nil
end
local function msg_task(msg)
  local t = msg and msg.headers.task
  if type(t) == 'string' then return t end
  return ''
end
-- The list a message belongs on, by its Celery priority (kombu's rule).
local function list_for(msg)
  local p = type(msg.properties) == 'table' and tonumber(msg.properties.priority) or 0
  p = math.max(0, math.min(9, math.floor(p)))
  return LIST_FOR[p]
end
-- The message a delivery holds, from kombu's [message, exchange, routing_key].
local function held_message(tag)
  local entry = redis.call('HGET', UNACKED, tag)
  if not entry then return nil end
  local ok, e = pcall(cjson.decode, entry)
  if ok and type(e) == 'table' and type(e[1]) == 'table' then return e[1] end
  return nil
end
local function unhold(tag)
  redis.call('HDEL', UNACKED, tag)
  redis.call('ZREM', INDEX, tag)
end
local function dead_record(id, task, message, attempt, max_retries, enqueued, err, now)
  redis.call('LPUSH', DEAD, cjson.encode({task_id = id, task_name = task, message = message,
    attempt = tostring(attempt or 0), max_retries = tostring(max_retries or 0),
    enqueued_at_ms = tostring(enqueued or now), error = err, died_at_ms = tostring(now)}))
end
-- Takes the most urgent message and records the delivery in the same step. Junk (no task
-- id) goes to the dead list; a second copy of a task that is running is dropped there too.
-- {id, message, attempt, max_retries, enqueued_at_ms} or false.
local function fetch(token, now_ms, now_s, visibility_ms, default_retries)
  for _, list in ipairs(LISTS) do
    while true do
      local raw = redis.call('RPOP', list)
      if not raw then break end
      local msg = decode(raw)
      local id = msg_id(msg)
      if not id then
        -- Kept readable: the first bytes, anything outside ASCII as \xNN.
        local shown = string.gsub(string.sub(raw, 1, 256), '[\128-\255]',
          function(c) return string.format('\\x%02X', string.byte(c)) end)
        dead_record('', msg_task(msg), shown, 0, 0, now_ms,
                    'not a Celery protocol 2 task message (no headers.id)', now_ms)
      else
        local tk = taskkey(id)
        local f = redis.call('HMGET', tk, 'state', 'tag', 'attempt', 'max_retries',
                             'enqueued_at_ms')
        if f[1] == 'reserved' and f[2] and redis.call('HEXISTS', UNACKED, f[2]) == 1 then
          dead_record(id, msg_task(msg), raw, f[3], f[4], f[5],
                      'a second message for task ' .. id .. ' while it runs (dropped)', now_ms)
        else
          local attempt = f[3] or tostring(math.max(0, math.floor(
            tonumber(msg.headers.retries) or 0)))
          local max_retries = f[4] or default_retries
          local enqueued = f[5] or now_ms
          redis.call('HSET', tk, 'state', 'reserved', 'tag', token, 'attempt', attempt,
                     'max_retries', max_retries, 'enqueued_at_ms', enqueued,
                     'visibility_ms', visibility_ms)
          local ex, rk = '', QUEUE
          local info = type(msg.properties) == 'table' and msg.properties.delivery_info
          if type(info) == 'table' then
            if type(info.exchange) == 'string' then ex = info.exchange end
            if type(info.routing_key) == 'string' then rk = info.routing_key end
          end
          redis.call('HSET', UNACKED, token,
                     '[' .. raw .. ', ' .. cjson.encode(ex) .. ', ' .. cjson.encode(rk) .. ']')
          redis.call('ZADD', INDEX, now_s, token)
          return {id, raw, attempt, max_retries, enqueued}
        end
      end
    end
  end
  return false
end
-- Ends delivery `token` of task `id` so that the caller can put its message elsewhere: the
-- task's key and the message, or nil when the delivery is stale (or its message is lost).
local function take_back(id, token)
  local tk = taskkey(id)
  local f = redis.call('HMGET', tk, 'state', 'tag')
  if f[1] ~= 'reserved' or f[2] ~= token then return nil end
  local msg = held_message(token)
  unhold(token)
  if not msg then
    redis.call('DEL', tk)
    return nil
  end
  redis.call('HDEL', tk, 'tag')
  return tk, msg
end
-- Keeps a message aside until `due` ms (a delay, a retry's backoff, Celery's eta).
local function hold_until(id, tk, msg, due)
  redis.call('HSET', tk, 'state', 'delayed')
  redis.call('HSET', HELD, id, cjson.encode(msg))
  redis.call('ZADD', DELAYED, due, id)
end
-- true when the delivery was held (and is now done), false when stale.
local function ack(id, token)
  local tk = taskkey(id)
  local f = redis.call('HMGET', tk, 'state', 'tag')
  if f[1] ~= 'reserved' or f[2] ~= token then return false end
  unhold(token)
  redis.call('DEL', tk)
  return true
end
)lua";
  auto replace = [&lua](std::string_view name, const std::string& value) {
    for (size_t at = lua.find(name); at != std::string::npos; at = lua.find(name, at)) {
      lua.replace(at, name.size(), value);
      at += value.size();
    }
  };
  replace("UNACKED_KEY", LuaQuote(celery::kUnackedKey));
  replace("INDEX_KEY", LuaQuote(celery::kUnackedIndexKey));
  replace("MUTEX_KEY", LuaQuote(celery::kUnackedMutexKey));
  replace("DEFAULT_QUEUE", LuaQuote(celery::kDefaultQueue));
  replace("LIST_NAMES", lists);
  replace("LIST_FOR_PRIORITY", list_for);
  replace("MAX_WAKE", std::to_string(kMaxWakeTokens));
  lua += body;
  return lua;
}

// ARGV: id, message, due ms (0: ready now), max_retries, now ms. 1, or 0 when the id is
// already queued, delayed or reserved.
const RedisScript kEnqueue(QueueLua(R"lua(
local id = ARGV[1]
local tk = taskkey(id)
if redis.call('EXISTS', tk) == 1 then return 0 end
local delayed = ARGV[3] ~= '0'
redis.call('HSET', tk, 'state', delayed and 'delayed' or 'ready', 'attempt', 0,
           'expirations', 0, 'max_retries', ARGV[4], 'enqueued_at_ms', ARGV[5])
if delayed then
  redis.call('HSET', HELD, id, ARGV[2])
  redis.call('ZADD', DELAYED, ARGV[3], id)
else
  redis.call('LPUSH', list_for(decode(ARGV[2])), ARGV[2])
  wake(1)
end
return 1
)lua"));

// ARGV: token, now ms, now s, visibility ms, default max_retries. As fetch above.
const RedisScript kFetch(QueueLua(R"lua(
return fetch(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
)lua"));

// ARGV: id, token. 1 acked, 0 stale.
const RedisScript kAck(QueueLua(R"lua(
return ack(ARGV[1], ARGV[2]) and 1 or 0
)lua"));

// ARGV: now ms, now s, visibility ms, default max_retries, number of done jobs d, then d
// pairs of done id and token, then one token per job wanted. {stale count, job, job, ...}:
// as many jobs as were ready.
const RedisScript kAckAndFetch(QueueLua(R"lua(
local d = tonumber(ARGV[5])
local stale = 0
for i = 0, d - 1 do
  if not ack(ARGV[6 + 2 * i], ARGV[7 + 2 * i]) then stale = stale + 1 end
end
local out = {stale}
for i = 6 + 2 * d, #ARGV do
  local job = fetch(ARGV[i], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
  if not job then break end
  out[#out + 1] = job
end
return out
)lua"));

// ARGV: id, token, retryable (1/0), due ms, error, now ms. 0 stale, 1 rescheduled, 2 dead.
// A rescheduled message counts the retry in headers.retries, as Celery's own retries do. A
// job whose cancellation was requested is never rescheduled.
const RedisScript kFail(QueueLua(R"lua(
local id, token = ARGV[1], ARGV[2]
local tk = taskkey(id)
local f = redis.call('HMGET', tk, 'state', 'tag', 'attempt', 'max_retries', 'cancel',
                     'enqueued_at_ms')
if f[1] ~= 'reserved' or f[2] ~= token then return 0 end
local msg = held_message(token)
unhold(token)
if ARGV[3] == '1' and msg and tonumber(f[3]) < tonumber(f[4]) and f[5] ~= '1' then
  local attempt = tonumber(f[3]) + 1
  msg.headers.retries = attempt
  redis.call('HSET', tk, 'attempt', attempt)
  redis.call('HDEL', tk, 'tag')
  hold_until(id, tk, msg, ARGV[4])
  return 1
end
dead_record(id, msg_task(msg), msg and cjson.encode(msg) or '', f[3], f[4], f[6], ARGV[5],
            ARGV[6])
redis.call('DEL', tk)
return 2
)lua"));

// ARGV: id, token, due ms. Holds a message whose Celery eta is still ahead until then
// (attempt unchanged). 1 held, 0 stale.
const RedisScript kDefer(QueueLua(R"lua(
local tk, msg = take_back(ARGV[1], ARGV[2])
if not tk then return 0 end
hold_until(ARGV[1], tk, msg, ARGV[3])
return 1
)lua"));

// ARGV: id, token. 1 released (first in line again, as kombu restores), 0 stale.
const RedisScript kRelease(QueueLua(R"lua(
local tk, msg = take_back(ARGV[1], ARGV[2])
if not tk then return 0 end
redis.call('HSET', tk, 'state', 'ready')
redis.call('RPUSH', list_for(msg), cjson.encode(msg))
wake(1)
return 1
)lua"));

// ARGV: id. 1 removed or flagged, 0 unknown. A queued message is looked for on the lists
// (whoever queued it); a running job is flagged for its worker.
const RedisScript kCancel(QueueLua(R"lua(
local id = ARGV[1]
local tk = taskkey(id)
local state = redis.call('HGET', tk, 'state')
if state == 'reserved' then
  redis.call('HSET', tk, 'cancel', '1')
  return 1
end
if state == 'delayed' then
  redis.call('ZREM', DELAYED, id)
  redis.call('HDEL', HELD, id)
  redis.call('DEL', tk)
  return 1
end
redis.call('DEL', tk)
for _, list in ipairs(LISTS) do
  for _, raw in ipairs(redis.call('LRANGE', list, 0, -1)) do
    if string.find(raw, id, 1, true) and msg_id(decode(raw)) == id then
      redis.call('LREM', list, 1, raw)
      return 1
    end
  end
end
return 0
)lua"));

// ARGV: now ms. How many delayed jobs were queued.
const RedisScript kEnqueueDue(QueueLua(R"lua(
local ids = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', ARGV[1])
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', HELD, id)
  redis.call('ZREM', DELAYED, id)
  redis.call('HDEL', HELD, id)
  local msg = raw and decode(raw)
  if msg then
    redis.call('HSET', taskkey(id), 'state', 'ready')
    redis.call('LPUSH', list_for(msg), raw)
  else
    redis.call('DEL', taskkey(id))
  end
end
if #ids > 0 then wake(#ids) end
return #ids
)lua"));

// ARGV: now ms, now s, the cutoff for deliveries we did not make (now s - kombu's
// visibility timeout). Our expired deliveries go back first in line with attempt + 1, or to
// the dead list once attempt + 1 would pass max_retries; others' (a Celery worker's) only
// after kombu's own timeout, as kombu would restore them. Nothing while kombu's restorer
// holds its lock. How many were handled.
const RedisScript kReapExpired(QueueLua(R"lua(
if redis.call('EXISTS', MUTEX) == 1 then return 0 end
local now_ms = tonumber(ARGV[1])
local tags = redis.call('ZRANGEBYSCORE', INDEX, '-inf', ARGV[2], 'WITHSCORES')
local handled, requeued = 0, 0
for i = 1, #tags, 2 do
  local tag, delivered = tags[i], tonumber(tags[i + 1])
  local msg = held_message(tag)
  if not msg then
    unhold(tag)
  else
    local id = msg_id(msg)
    local tk = id and taskkey(id)
    local f = tk and redis.call('HMGET', tk, 'state', 'tag', 'attempt', 'max_retries',
                                'expirations', 'visibility_ms', 'enqueued_at_ms')
    local ours = f and f[1] == 'reserved' and f[2] == tag
    local expired
    if ours then
      expired = math.floor(delivered * 1000 + 0.5) + tonumber(f[6]) <= now_ms
    else
      expired = delivered <= tonumber(ARGV[3])
    end
    if expired then
      handled = handled + 1
      unhold(tag)
      if ours and tonumber(f[3]) + 1 > tonumber(f[4]) then
        dead_record(id, msg_task(msg), cjson.encode(msg), f[3], f[4], f[7],
                    'worker lost (visibility timeout expired ' .. (tonumber(f[5] or 0) + 1) ..
                    ' times)', ARGV[1])
        redis.call('DEL', tk)
      else
        msg.headers.redelivered = true
        if type(msg.properties) == 'table' and type(msg.properties.delivery_info) == 'table' then
          msg.properties.delivery_info.redelivered = true
        end
        if ours then
          redis.call('HINCRBY', tk, 'attempt', 1)
          redis.call('HINCRBY', tk, 'expirations', 1)
          redis.call('HSET', tk, 'state', 'ready')
          redis.call('HDEL', tk, 'tag')
        end
        redis.call('RPUSH', list_for(msg), cjson.encode(msg))
        requeued = requeued + 1
      end
    end
  end
end
if requeued > 0 then wake(requeued) end
return handled
)lua"));

// {length of each list in LISTS order, delayed, reserved, dead}.
const RedisScript kStats(QueueLua(R"lua(
local out = {}
for _, list in ipairs(LISTS) do out[#out + 1] = redis.call('LLEN', list) end
out[#out + 1] = redis.call('ZCARD', DELAYED)
out[#out + 1] = redis.call('HLEN', UNACKED)
out[#out + 1] = redis.call('LLEN', DEAD)
return out
)lua"));

Result<int> ParseSmallInt(std::string_view text, std::string_view what) {
  VMSG_ASSIGN_OR_RETURN(int64_t value, ParseInt64(text, what));
  return static_cast<int>(value);
}

// "vmsg@host", Celery's origin header.
std::string Origin() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return "vmsg";
  return std::string("vmsg@") + host;
}

// The task's name from a message too broken to decode, for the failure record.
std::string TaskNameOf(std::string_view raw) {
  Result<Json> json = ParseJson(raw);
  if (!json.ok() || !json->is_object()) return "";
  const Json headers = json->value("headers", Json::object());
  if (headers.is_object() && headers.value("task", Json(nullptr)).is_string()) {
    return headers["task"].get<std::string>();
  }
  return "";
}

// A job from the message and our bookkeeping. A message we cannot run still becomes a job,
// with `refusal` saying why, so that its worker records the failure for the sender.
// `message` is `raw` decoded.
Result<Job> JobFromMessage(std::string task_id, std::string_view raw,
                           const Result<celery::TaskMessage>& message, std::string_view attempt,
                           std::string_view max_retries, std::string_view enqueued_at_ms) {
  Job job;
  job.task_id = std::move(task_id);
  VMSG_ASSIGN_OR_RETURN(job.attempt, ParseSmallInt(attempt, "attempt"));
  VMSG_ASSIGN_OR_RETURN(job.max_retries, ParseSmallInt(max_retries, "max_retries"));
  VMSG_ASSIGN_OR_RETURN(int64_t enqueued, ParseInt64(enqueued_at_ms, "enqueued_at_ms"));
  job.enqueued_at = FromMillis(enqueued);
  if (!message.ok()) {
    job.task_name = TaskNameOf(raw);
    job.args = Json::object();
    job.refusal = message.status().message();
    return job;
  }
  job.task_name = message->task;
  job.args = message->kwargs;
  job.priority = celery::FromCeleryPriority(message->priority);
  job.expires = message->expires;
  if (!message->args.empty()) {
    job.refusal = "vmsg tasks take keyword arguments only; got " +
                  std::to_string(message->args.size()) + " positional";
  }
  return job;
}

Result<DeadJob> ReadDead(const std::string& text) {
  auto json = ParseJson(text);
  if (!json.ok() || !json->is_object()) return Status::DataLoss("dead job record is not JSON");
  DeadJob dead;
  auto id = GetString(*json, "task_id");
  auto message = GetString(*json, "message");
  auto attempt = GetString(*json, "attempt");
  auto max_retries = GetString(*json, "max_retries");
  auto enqueued = GetString(*json, "enqueued_at_ms");
  auto error = GetString(*json, "error");
  auto died = GetString(*json, "died_at_ms");
  for (const Status& s : {id.status(), message.status(), attempt.status(), max_retries.status(),
                          enqueued.status(), error.status(), died.status()}) {
    if (!s.ok()) return Status::DataLoss("dead job record: " + s.message());
  }
  VMSG_ASSIGN_OR_RETURN(dead.job, JobFromMessage(*id, *message, celery::DecodeTaskMessage(*message),
                                                 *attempt, *max_retries, *enqueued));
  if (dead.job.task_name.empty()) dead.job.task_name = json->value("task_name", std::string());
  dead.error = *error;
  VMSG_ASSIGN_OR_RETURN(int64_t died_ms, ParseInt64(*died, "died_at_ms"));
  dead.died_at = FromMillis(died_ms);
  return dead;
}

// Unix seconds with milliseconds, as kombu scores unacked_index (time.time()).
std::string UnixSeconds(TimePoint t) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", static_cast<double>(ToMillis(t)) / 1000.0);
  return text;
}

class RedisJobQueue final : public JobQueue {
 public:
  RedisJobQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                std::function<double()> jitter)
      : client_(std::move(client)), clock_(clock), jitter_(std::move(jitter)), origin_(Origin()) {
    if (!jitter_) jitter_ = DefaultJitter();
  }

  Status Enqueue(const JobSpec& spec) override {
    VMSG_RETURN_IF_ERROR(ValidateJobSpec(spec));
    if (!spec.args.is_object()) {
      return Status::InvalidArgument("job arguments must be a JSON object (Celery's kwargs)");
    }
    const TimePoint now = clock_.Now();
    const bool delayed = spec.delay > Duration::zero();
    celery::TaskMessage message;
    message.id = spec.task_id;
    message.task = spec.task_name;
    message.kwargs = spec.args;
    message.priority = celery::ToCeleryPriority(spec.priority);
    if (delayed) message.eta = now + spec.delay;
    message.origin = origin_;
    message.delivery_tag = tokens_.NewUuid();
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kEnqueue, {},
                                        {spec.task_id, celery::EncodeTaskMessage(message),
                                         delayed ? Str(ToMillis(now + spec.delay)) : "0",
                                         Str(spec.max_retries), Str(ToMillis(now))}));
    if (reply.integer == 0) {
      return Status::AlreadyExists("job " + spec.task_id + " is already queued");
    }
    return Status::Ok();
  }

  Result<std::optional<Reservation>> Fetch(Duration visibility_timeout,
                                           Duration max_wait) override {
    if (visibility_timeout <= Duration::zero()) {
      return Status::InvalidArgument("visibility timeout must be positive");
    }
    return FetchOrWait(visibility_timeout, max_wait, /*try_first=*/true);
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
    const TimePoint now = clock_.Now();
    std::vector<std::string> args = FetchArgs(now, visibility_timeout);
    args.erase(args.begin());  // the token: one per wanted job below
    args.push_back(Str(done.size()));
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
      return UnexpectedReply("ack and fetch");
    }
    AckAndFetchResult out;
    out.stale = static_cast<int>(reply.elements[0].integer);
    for (size_t i = 1; i < reply.elements.size(); ++i) {
      VMSG_ASSIGN_OR_RETURN(
          std::optional<Reservation> r,
          ReadReservation(reply.elements[i].elements, tokens[i - 1], now + visibility_timeout));
      if (r) out.fetched.push_back(std::move(*r));
    }
    if (out.fetched.empty()) {
      // Nothing was ready to run (the script just looked): wait as Fetch does.
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
    VMSG_ASSIGN_OR_RETURN(
        RedisReply reply,
        client_->Command({"HGET", std::string(kTaskKeyPrefix) + task_id, "cancel"}));
    return !reply.IsNil() && reply.str == "1";
  }

  Result<int64_t> EnqueueDue() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kEnqueueDue, {}, {Str(ToMillis(clock_.Now()))}));
    return reply.integer;
  }

  Result<int64_t> ReapExpired() override {
    const TimePoint now = clock_.Now();
    VMSG_ASSIGN_OR_RETURN(RedisReply reply,
                          client_->Eval(kReapExpired, {},
                                        {Str(ToMillis(now)), UnixSeconds(now),
                                         UnixSeconds(now - celery::kKombuVisibilityTimeout)}));
    return reply.integer;
  }

  Result<QueueStats> Stats() override {
    VMSG_ASSIGN_OR_RETURN(RedisReply reply, client_->Eval(kStats, {}, {}));
    const size_t lists = celery::kPrioritySteps.size();
    if (reply.elements.size() != lists + 3) return UnexpectedReply("queue stats");
    QueueStats stats;
    for (size_t i = 0; i < lists; ++i) {
      const int64_t length = reply.elements[i].integer;
      stats.ready += length;
      stats.ready_by_priority[celery::FromCeleryPriority(celery::kPrioritySteps[i])] = length;
    }
    stats.delayed = reply.elements[lists].integer;
    stats.reserved = reply.elements[lists + 1].integer;
    stats.dead = reply.elements[lists + 2].integer;
    return stats;
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

  // kFetch's ARGV for a delivery now: token, now ms, now s, visibility ms, default retries.
  std::vector<std::string> FetchArgs(TimePoint now, Duration visibility_timeout) {
    return {tokens_.NewUuid(), Str(ToMillis(now)), UnixSeconds(now),
            Str(Millis(visibility_timeout)), Str(kForeignJobMaxRetries)};
  }

  // A reservation from one fetched job's fields, or nullopt when the message asked for a
  // later start (Celery's eta) and has been put aside until then.
  Result<std::optional<Reservation>> ReadReservation(const std::vector<RedisReply>& f,
                                                     const std::string& token,
                                                     TimePoint expires_at) {
    if (f.size() != 5) return UnexpectedReply("job fetch");
    const Result<celery::TaskMessage> message = celery::DecodeTaskMessage(f[1].str);
    if (message.ok() && message->eta && *message->eta > clock_.Now()) {
      VMSG_ASSIGN_OR_RETURN(
          RedisReply deferred,
          client_->Eval(kDefer, {}, {f[0].str, token, Str(ToMillis(*message->eta))}));
      (void)deferred;
      return std::optional<Reservation>();
    }
    Reservation r;
    r.token = token;
    r.expires_at = expires_at;
    VMSG_ASSIGN_OR_RETURN(
        r.job, JobFromMessage(f[0].str, f[1].str, message, f[2].str, f[3].str, f[4].str));
    return std::optional<Reservation>(std::move(r));
  }

  // Takes one job now, if one is ready to run.
  Result<std::optional<Reservation>> TryFetch(Duration visibility_timeout) {
    while (true) {
      const TimePoint now = clock_.Now();
      std::vector<std::string> args = FetchArgs(now, visibility_timeout);
      const std::string token = args[0];
      VMSG_ASSIGN_OR_RETURN(RedisReply reply, client_->Eval(kFetch, {}, args));
      if (reply.IsNil()) return std::optional<Reservation>();
      VMSG_ASSIGN_OR_RETURN(std::optional<Reservation> r,
                            ReadReservation(reply.elements, token, now + visibility_timeout));
      if (r) return r;  // else it waits for its eta: look again
    }
  }

  // Fetch's loop: tries the queue, then blocks on the wake-up list (real time) until an
  // event or the poll interval, and tries again; never busy-loops. The poll interval also
  // bounds how long a message from another producer (which wakes nobody) waits. `try_first`
  // false: the caller has just found the queue empty, so the loop starts by waiting.
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

  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
  std::mutex jitter_mutex_;
  std::function<double()> jitter_;  // GUARDED_BY(jitter_mutex_)
  IdGenerator tokens_;
  const std::string origin_;
};

}  // namespace

std::unique_ptr<JobQueue> NewRedisJobQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                                           std::function<double()> jitter) {
  return std::make_unique<RedisJobQueue>(std::move(client), clock, std::move(jitter));
}

}  // namespace vmsg::state
