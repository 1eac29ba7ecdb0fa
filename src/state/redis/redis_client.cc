// hiredis behind RedisClient: the pool, reconnects with backoff, EVALSHA, Pub/Sub with a
// self-pipe so that Close() can wake a subscriber blocked in poll().
#include "state/redis/redis_client.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace vmsg::state {
namespace {

using std::chrono::steady_clock;

constexpr std::chrono::milliseconds kInitialReconnectBackoff{50};
constexpr std::chrono::milliseconds kMaxReconnectBackoff{1000};

struct ContextDeleter {
  void operator()(redisContext* ctx) const { redisFree(ctx); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval ToTimeval(Duration d) {
  const auto us =
      std::max<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), 1000);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  return tv;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The one place hiredis failures become Status values: a broken context (I/O, EOF,
// timeout, protocol) when `ctx` has an error, else the error reply `error_reply`.
// `context` names the operation.
Status RedisErrorStatus(const redisContext* ctx, std::string_view error_reply,
                        std::string_view context) {
  const std::string prefix = "redis: " + std::string(context) + ": ";
  if (ctx != nullptr && ctx->err != 0) {
    const std::string message = prefix + ctx->errstr;
    switch (ctx->err) {
      case REDIS_ERR_IO:
      case REDIS_ERR_EOF:
      case REDIS_ERR_OTHER:  // connect failures and timeouts
        return Status::Unavailable(message, "state_unavailable");
      case REDIS_ERR_OOM:
        return Status::ResourceExhausted(message);
      case REDIS_ERR_PROTOCOL:
      default:
        return Status::Internal(message);
    }
  }
  const std::string message = prefix + std::string(error_reply);
  for (std::string_view transient :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "OOM"}) {
    if (StartsWith(error_reply, transient))
      return Status::Unavailable(message, "state_unavailable");
  }
  if (StartsWith(error_reply, "NOSCRIPT")) return Status::NotFound(message, "redis_noscript");
  if (StartsWith(error_reply, "NOAUTH") || StartsWith(error_reply, "WRONGPASS") ||
      StartsWith(error_reply, "NOPERM")) {
    return Status::PermissionDenied(message, "state_auth");
  }
  if (StartsWith(error_reply, "WRONGTYPE")) return Status::DataLoss(message);
  return Status::Internal(message);
}

// hiredis writes with write(2), which raises SIGPIPE on a socket the server closed (a
// restart) and would kill the process. The signal is blocked in this thread for the call
// and a pending one is consumed afterwards, so no process-wide handler is needed.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

bool Broken(const redisContext* ctx) { return ctx->err != 0; }

// Converts a hiredis reply; error replies (also nested ones) become Statuses.
Result<RedisReply> Convert(const redisReply* r, std::string_view context) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_ERROR:
      return RedisErrorStatus(nullptr, std::string_view(r->str, r->len), context);
    case REDIS_REPLY_NIL:
      out.type = RedisReply::Type::kNil;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type =
          r->type == REDIS_REPLY_STRING ? RedisReply::Type::kString : RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) {
        VMSG_ASSIGN_OR_RETURN(RedisReply element, Convert(r->element[i], context));
        out.elements.push_back(std::move(element));
      }
      break;
    default:
      return Status::Internal("redis: " + std::string(context) + ": unknown reply type");
  }
  return out;
}

std::string CommandName(const std::vector<std::string>& args) {
  return args.empty() ? std::string("(empty)") : args[0];
}

// Sends one command and reads its reply. A broken connection shows in ctx->err.
Result<RedisReply> RunCommand(redisContext* ctx, const std::vector<std::string>& args) {
  if (args.empty()) return Status::InvalidArgument("redis: empty command");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) return RedisErrorStatus(ctx, "", CommandName(args));
  return Convert(reply.get(), CommandName(args));
}

Status Handshake(redisContext* ctx, const RedisEndpoint& endpoint) {
  if (!endpoint.password.empty()) {
    auto auth = RunCommand(ctx, {"AUTH", endpoint.password});
    if (!auth.ok()) return auth.status();
  }
  if (endpoint.db != 0) {
    auto select = RunCommand(ctx, {"SELECT", std::to_string(endpoint.db)});
    if (!select.ok()) return select.status();
  }
  return Status::Ok();
}

// One connection attempt, set up (AUTH, SELECT, read timeout).
Result<Context> ConnectOnce(const RedisEndpoint& endpoint, Duration connect_timeout,
                            Duration socket_timeout) {
  const timeval tv = ToTimeval(connect_timeout);
  Context ctx(endpoint.unix_path.empty()
                  ? redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv)
                  : redisConnectUnixWithTimeout(endpoint.unix_path.c_str(), tv));
  if (!ctx) return Status::ResourceExhausted("redis: cannot allocate a connection");
  if (Broken(ctx.get())) {
    return RedisErrorStatus(ctx.get(), "", "connect to " + endpoint.Description());
  }
  if (redisSetTimeout(ctx.get(), ToTimeval(socket_timeout)) != REDIS_OK) {
    return RedisErrorStatus(ctx.get(), "", "set socket timeout");
  }
  VMSG_RETURN_IF_ERROR(Handshake(ctx.get(), endpoint));
  return ctx;
}

// Connection attempts with exponential backoff until `connect_timeout` has passed. Only
// Unavailable is retried: a refused password will not change.
Result<Context> Connect(Env& env, const RedisEndpoint& endpoint, Duration connect_timeout,
                        Duration socket_timeout) {
  const auto deadline = env.MonotonicNow() + connect_timeout;
  std::chrono::milliseconds backoff = kInitialReconnectBackoff;
  while (true) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - env.MonotonicNow());
    Result<Context> ctx = ConnectOnce(endpoint, std::max(left, Duration(backoff)), socket_timeout);
    if (ctx.ok() || ctx.status().code() != StatusCode::kUnavailable) return ctx;
    if (env.MonotonicNow() + backoff >= deadline) return ctx;
    env.SleepFor(backoff);
    backoff = std::min(backoff * 2, kMaxReconnectBackoff);
  }
}

class HiredisSubscription final : public RedisSubscription {
 public:
  HiredisSubscription(Context ctx, int wake_read, int wake_write)
      : ctx_(std::move(ctx)), wake_read_(wake_read), wake_write_(wake_write) {}
  ~HiredisSubscription() override {
    ::close(wake_read_);
    ::close(wake_write_);
  }

  Result<std::optional<std::string>> Next(Duration timeout) override {
    if (closed_) return Status::Cancelled("redis subscription is closed");
    const auto deadline = steady_clock::now() + timeout;
    while (true) {
      // Messages already read into hiredis's buffer come first.
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) {
        return RedisErrorStatus(ctx_.get(), "", "read subscription");
      }
      if (raw != nullptr) {
        ReplyPtr reply(static_cast<redisReply*>(raw));
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[0]->type == REDIS_REPLY_STRING &&
            std::string_view(reply->element[0]->str, reply->element[0]->len) == "message") {
          return std::optional<std::string>(
              std::string(reply->element[2]->str, reply->element[2]->len));
        }
        continue;  // subscribe confirmations and the like
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
      if (left.count() <= 0) return std::optional<std::string>();
      pollfd fds[2] = {{ctx_->fd, POLLIN, 0}, {wake_read_, POLLIN, 0}};
      const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
      if (closed_) return std::optional<std::string>();
      if (ready < 0) {
        if (errno == EINTR) continue;
        return Status::Unavailable(std::string("redis: poll subscription: ") + std::strerror(errno),
                                   "state_unavailable");
      }
      if (ready == 0) return std::optional<std::string>();
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
          redisBufferRead(ctx_.get()) != REDIS_OK) {
        return RedisErrorStatus(ctx_.get(), "", "read subscription");
      }
    }
  }

  void Close() override {
    closed_ = true;
    const char byte = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wake_write_, &byte, 1);
  }

 private:
  Context ctx_;
  const int wake_read_;
  const int wake_write_;
  std::atomic<bool> closed_{false};
};

class PooledRedisClient final : public RedisClient {
 public:
  PooledRedisClient(RedisEndpoint endpoint, RedisOptions options)
      : endpoint_(std::move(endpoint)), options_(std::move(options)) {}

  Status Prime() {
    SigpipeGuard no_sigpipe;
    VMSG_ASSIGN_OR_RETURN(
        Context ctx, Connect(env(), endpoint_, options_.connect_timeout, options_.socket_timeout));
    std::lock_guard lock(mutex_);
    ++open_;
    idle_.push_back(std::move(ctx));
    return Status::Ok();
  }

  Result<RedisReply> Command(const std::vector<std::string>& args) override {
    return WithConnection<RedisReply>([&](redisContext* ctx) { return RunCommand(ctx, args); });
  }

  Result<RedisReply> BlockingCommand(const std::vector<std::string>& args, Duration wait) override {
    return WithConnection<RedisReply>([&](redisContext* ctx) -> Result<RedisReply> {
      if (redisSetTimeout(ctx, ToTimeval(options_.socket_timeout + wait)) != REDIS_OK) {
        return RedisErrorStatus(ctx, "", "set socket timeout");
      }
      Result<RedisReply> reply = RunCommand(ctx, args);
      if (!Broken(ctx)) redisSetTimeout(ctx, ToTimeval(options_.socket_timeout));
      return reply;
    });
  }

  Result<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands) override {
    return WithConnection<std::vector<RedisReply>>(
        [&](redisContext* ctx) -> Result<std::vector<RedisReply>> {
          for (const auto& args : commands) {
            std::vector<const char*> argv;
            std::vector<size_t> lengths;
            for (const auto& a : args) {
              argv.push_back(a.data());
              lengths.push_back(a.size());
            }
            if (args.empty() || redisAppendCommandArgv(ctx, static_cast<int>(argv.size()),
                                                       argv.data(), lengths.data()) != REDIS_OK) {
              return Status::InvalidArgument("redis: cannot format pipelined command");
            }
          }
          std::vector<RedisReply> replies;
          Status first_error;
          for (const auto& args : commands) {
            void* raw = nullptr;
            if (redisGetReply(ctx, &raw) != REDIS_OK) {
              return RedisErrorStatus(ctx, "", CommandName(args));
            }
            ReplyPtr reply(static_cast<redisReply*>(raw));
            Result<RedisReply> converted = Convert(reply.get(), CommandName(args));
            if (!converted.ok()) {
              if (first_error.ok()) first_error = converted.status();
              continue;
            }
            replies.push_back(std::move(*converted));
          }
          if (!first_error.ok()) return first_error;
          return replies;
        });
  }

  Result<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) override {
    for (int attempt = 0; attempt < 2; ++attempt) {
      VMSG_ASSIGN_OR_RETURN(std::string sha, ScriptSha(script, /*reload=*/attempt > 0));
      std::vector<std::string> command = {"EVALSHA", sha, std::to_string(keys.size())};
      command.insert(command.end(), keys.begin(), keys.end());
      command.insert(command.end(), args.begin(), args.end());
      Result<RedisReply> reply = Command(command);
      if (reply.ok() || reply.status().reason() != "redis_noscript") return reply;
    }
    return Status::Internal("redis: script vanished right after SCRIPT LOAD");
  }

  Result<std::unique_ptr<RedisSubscription>> Subscribe(const std::string& channel) override {
    SigpipeGuard no_sigpipe;
    VMSG_ASSIGN_OR_RETURN(
        Context ctx, Connect(env(), endpoint_, options_.connect_timeout, options_.socket_timeout));
    VMSG_ASSIGN_OR_RETURN(RedisReply confirm, RunCommand(ctx.get(), {"SUBSCRIBE", channel}));
    if (confirm.type != RedisReply::Type::kArray || confirm.elements.empty() ||
        confirm.elements[0].str != "subscribe") {
      return Status::Internal("redis: unexpected reply to SUBSCRIBE " + channel);
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      return Status::ResourceExhausted(std::string("cannot create a pipe: ") +
                                       std::strerror(errno));
    }
    return std::unique_ptr<RedisSubscription>(
        std::make_unique<HiredisSubscription>(std::move(ctx), fds[0], fds[1]));
  }

  const RedisEndpoint& endpoint() const override { return endpoint_; }

 private:
  struct Lease {
    Context ctx;
    bool fresh = false;  // connected for this call, not taken from the idle list
  };

  Result<Lease> Acquire() {
    {
      std::unique_lock lock(mutex_);
      const bool got = pool_cv_.wait_for(lock, options_.socket_timeout, [this] {
        return !idle_.empty() || open_ < options_.max_connections;
      });
      if (!got) {
        return Status::Unavailable("redis: all " + std::to_string(options_.max_connections) +
                                       " connections stayed busy for the socket timeout",
                                   "state_unavailable");
      }
      if (!idle_.empty()) {
        Context ctx = std::move(idle_.back());
        idle_.pop_back();
        return Lease{std::move(ctx), false};
      }
      ++open_;
    }
    Result<Context> ctx =
        Connect(env(), endpoint_, options_.connect_timeout, options_.socket_timeout);
    if (!ctx.ok()) {
      Give(nullptr);
      return ctx.status();
    }
    return Lease{std::move(*ctx), true};
  }

  // Returns a connection to the pool, or frees its slot when it is null or broken. A broken
  // one means the server likely went away, so the idle ones are dropped too.
  void Give(Context ctx) {
    std::vector<Context> dropped;
    {
      std::lock_guard lock(mutex_);
      if (ctx && !Broken(ctx.get())) {
        idle_.push_back(std::move(ctx));
      } else {
        --open_;
        if (ctx) {
          open_ -= static_cast<int>(idle_.size());
          dropped.swap(idle_);
        }
      }
    }
    pool_cv_.notify_all();
  }

  // Runs `f` on a pooled connection. When a connection that had sat idle turns out broken
  // (typically a server restart), `f` runs once more on a new one.
  template <typename T, typename F>
  Result<T> WithConnection(F&& f) {
    SigpipeGuard no_sigpipe;
    for (int attempt = 0;; ++attempt) {
      VMSG_ASSIGN_OR_RETURN(Lease lease, Acquire());
      Result<T> result = f(lease.ctx.get());
      const bool broken = Broken(lease.ctx.get());
      const bool fresh = lease.fresh;
      Give(std::move(lease.ctx));
      if (!broken || fresh || attempt > 0) return result;
    }
  }

  Result<std::string> ScriptSha(const RedisScript& script, bool reload) {
    if (!reload) {
      std::lock_guard lock(mutex_);
      auto it = shas_.find(script.source());
      if (it != shas_.end()) return it->second;
    }
    VMSG_ASSIGN_OR_RETURN(RedisReply sha, Command({"SCRIPT", "LOAD", script.source()}));
    std::lock_guard lock(mutex_);
    shas_[script.source()] = sha.str;
    return sha.str;
  }

  const RedisEndpoint endpoint_;
  Env& env() const { return options_.env != nullptr ? *options_.env : Env::Default(); }

  const RedisOptions options_;
  std::mutex mutex_;
  std::condition_variable pool_cv_;
  std::vector<Context> idle_;                // GUARDED_BY(mutex_)
  int open_ = 0;                             // GUARDED_BY(mutex_): idle + lent + connecting
  std::map<std::string, std::string> shas_;  // GUARDED_BY(mutex_): source -> SHA1
};

Result<int> ParseInt(std::string_view text, std::string_view what) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::InvalidArgument("redis URL: bad " + std::string(what) + " '" +
                                   std::string(text) + "'");
  }
  return value;
}

}  // namespace

std::string RedisEndpoint::Description() const {
  if (!unix_path.empty()) return "unix://" + unix_path + "?db=" + std::to_string(db);
  return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Result<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  RedisEndpoint endpoint;
  constexpr std::string_view kRedis = "redis://", kUnix = "unix://", kTls = "rediss://";
  if (StartsWith(url, kTls))
    return Status::Unimplemented("redis URL: TLS (rediss://) is not built in");
  if (StartsWith(url, kUnix)) {
    std::string_view rest = url.substr(kUnix.size());
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest[0] != '/') {
      return Status::InvalidArgument("redis URL: unix:// needs an absolute socket path");
    }
    endpoint.unix_path = std::string(rest);
    while (!query.empty()) {
      const auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      const auto eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      if (name == "db") {
        VMSG_ASSIGN_OR_RETURN(endpoint.db, ParseInt(value, "db"));
      } else if (name == "password") {
        endpoint.password = std::string(value);
      } else {
        return Status::InvalidArgument("redis URL: unknown option '" + std::string(name) + "'");
      }
    }
    return endpoint;
  }
  if (!StartsWith(url, kRedis)) {
    return Status::InvalidArgument("redis URL must start with redis:// or unix://");
  }
  std::string_view rest = url.substr(kRedis.size());
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    endpoint.password =
        std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
  }
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      VMSG_ASSIGN_OR_RETURN(endpoint.db, ParseInt(db, "db"));
    }
  }
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    VMSG_ASSIGN_OR_RETURN(endpoint.port, ParseInt(hostport.substr(colon + 1), "port"));
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return Status::InvalidArgument("redis URL: missing host");
  endpoint.host = std::string(hostport);
  return endpoint;
}

Result<std::unique_ptr<RedisClient>> NewRedisClient(const RedisOptions& options) {
  VMSG_ASSIGN_OR_RETURN(RedisEndpoint endpoint, ParseRedisUrl(options.url));
  if (options.max_connections < 1) {
    return Status::InvalidArgument("REDIS_MAX_CONNECTIONS must be at least 1");
  }
  if (options.socket_timeout <= Duration::zero() || options.connect_timeout <= Duration::zero()) {
    return Status::InvalidArgument("redis timeouts must be positive");
  }
  auto client = std::make_unique<PooledRedisClient>(std::move(endpoint), options);
  VMSG_RETURN_IF_ERROR(client->Prime());
  return std::unique_ptr<RedisClient>(std::move(client));
}

}  // namespace vmsg::state
