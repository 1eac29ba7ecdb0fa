// A small Redis client over hiredis 0.14: a bounded connection pool, plain and pipelined
// commands, Lua scripts run by EVALSHA (loaded on demand), and Pub/Sub subscriptions. No
// hiredis type crosses this header; every hiredis failure becomes a Status in one place.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/env.h"
#include "base/result.h"

namespace vmsg::state {

// Defaults from the spec (REDIS_MAX_CONNECTIONS, REDIS_SOCKET_TIMEOUT,
// REDIS_SOCKET_CONNECT_TIMEOUT).
inline constexpr int kDefaultRedisMaxConnections = 50;
inline constexpr std::chrono::seconds kDefaultRedisSocketTimeout{5};
inline constexpr std::chrono::seconds kDefaultRedisConnectTimeout{5};

struct RedisOptions {
  // redis://[[user]:password@]host[:port][/db] or unix:///path/to/sock[?db=N]
  std::string url;
  int max_connections = kDefaultRedisMaxConnections;       // REDIS_MAX_CONNECTIONS
  Duration socket_timeout = kDefaultRedisSocketTimeout;    // REDIS_SOCKET_TIMEOUT
  Duration connect_timeout = kDefaultRedisConnectTimeout;  // REDIS_SOCKET_CONNECT_TIMEOUT
  // Monotonic time and sleeping between connection attempts (null: Env::Default()).
  Env* env = nullptr;
};

// Where a URL points. Either `unix_path` is set, or `host` and `port`.
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string unix_path;
  std::string password;  // empty: no AUTH
  int db = 0;

  // "redis://host:port/db" or "unix:///path?db=N"; never the password.
  std::string Description() const;
};

// InvalidArgument for anything that is not one of the two URL forms above (rediss:// is
// Unimplemented).
Result<RedisEndpoint> ParseRedisUrl(std::string_view url);

// One reply; error replies never appear here (they are Statuses).
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString and kStatus
  std::vector<RedisReply> elements;

  bool IsNil() const { return type == Type::kNil; }
};

// A Lua script; the client loads it (SCRIPT LOAD) the first time it runs, and again when
// the server answers NOSCRIPT (after a restart or SCRIPT FLUSH).
class RedisScript {
 public:
  explicit RedisScript(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// A Pub/Sub subscription on its own connection (never a pooled one).
class RedisSubscription {
 public:
  virtual ~RedisSubscription() = default;
  // Waits up to `timeout` (real time) for the next message on the channel; nullopt on
  // timeout or when Close() was called meanwhile. Unavailable when the connection broke;
  // Cancelled once closed. Not thread-safe apart from Close().
  virtual Result<std::optional<std::string>> Next(Duration timeout) = 0;
  // Wakes a blocked Next; safe from any thread.
  virtual void Close() = 0;
};

// Thread-safe. Every method borrows a pooled connection (waiting up to socket_timeout for
// one when max_connections are busy: Unavailable). A connection that breaks is dropped
// together with the idle ones (a server restart breaks them all) and the command is tried
// once more on a new connection; new connections are attempted with exponential backoff
// for at most connect_timeout. Connection failures and timeouts are Unavailable
// (retryable); error replies map as in RedisErrorStatus (redis_client.cc).
class RedisClient {
 public:
  virtual ~RedisClient() = default;

  virtual Result<RedisReply> Command(const std::vector<std::string>& args) = 0;
  // For blocking commands (BLPOP ... timeout): the read timeout is socket_timeout + `wait`.
  virtual Result<RedisReply> BlockingCommand(const std::vector<std::string>& args,
                                             Duration wait) = 0;
  // Sends all commands, then reads all replies (one round trip). The first error reply
  // fails the whole call (the other commands have still run).
  virtual Result<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands) = 0;
  // EVALSHA with automatic SCRIPT LOAD.
  virtual Result<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args) = 0;
  // SUBSCRIBEs `channel` on a new connection; returns once the server confirmed, so every
  // message published afterwards is delivered.
  virtual Result<std::unique_ptr<RedisSubscription>> Subscribe(const std::string& channel) = 0;

  virtual const RedisEndpoint& endpoint() const = 0;
};

// Parses the URL and opens one connection up front (so a wrong address or password fails
// here): InvalidArgument for a bad URL or option, Unavailable when the server cannot be
// reached within connect_timeout, PermissionDenied when AUTH is refused.
Result<std::unique_ptr<RedisClient>> NewRedisClient(const RedisOptions& options);

}  // namespace vmsg::state
