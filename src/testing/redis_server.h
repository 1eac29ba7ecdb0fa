// Test fixture: a private redis-server on a unix socket in a temporary directory, started
// with deploy/redis.conf (persistence as in production: RDB saves and the AOF) plus
// `port 0`, the socket and the directory given on the command line. Used by the
// conformance instantiation and redis_state_test.cc. A missing redis-server is an error,
// never a skip.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"

namespace vmsg::test {

struct RedisTestOptions {
  // deploy/redis.conf's persistence (RDB saves and the AOF), as in production; false: a
  // Redis that keeps nothing across a restart.
  bool persistent = true;
};

class RedisTestServer {
 public:
  // Creates the directory and starts the server; Unavailable when redis-server is missing or
  // does not answer on its socket within a few seconds.
  static Result<std::unique_ptr<RedisTestServer>> Start(RedisTestOptions options = {});
  ~RedisTestServer();  // stops the server and removes the directory

  // SHUTDOWN (which writes the AOF and an RDB) and waits for the process to exit.
  Status Shutdown();
  // Starts the server again on the same directory and socket.
  Status Restart();

  // unix:///.../redis.sock?db=N
  std::string Url(int db) const;
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path socket() const { return dir_ / "redis.sock"; }
  pid_t pid() const { return pid_; }

 private:
  RedisTestServer(std::filesystem::path dir, RedisTestOptions options)
      : dir_(std::move(dir)), options_(options) {}
  Status Launch();

  std::filesystem::path dir_;
  RedisTestOptions options_;
  pid_t pid_ = -1;
};

}  // namespace vmsg::test
