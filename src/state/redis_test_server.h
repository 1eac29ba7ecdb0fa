// Test fixture: a private redis-server on a unix socket in a temporary directory, started
// with deploy/redis.conf (persistence as in production: RDB saves and the AOF) plus
// `port 0`, the socket and the directory given on the command line. Used by the
// conformance instantiation and redis_state_test.cc. A missing redis-server is an error,
// never a skip.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "common/result.h"

namespace vmsg::state {

class RedisTestServer {
 public:
  // Creates the directory and starts the server; Unavailable when redis-server is missing or
  // does not answer on its socket within a few seconds.
  static Result<std::unique_ptr<RedisTestServer>> Start();
  ~RedisTestServer();  // stops the server and removes the directory

  // SHUTDOWN (which writes the AOF and an RDB) and waits for the process to exit.
  Status Shutdown();
  // Starts the server again on the same directory and socket.
  Status Restart();

  // unix:///.../redis.sock?db=N
  std::string Url(int db) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit RedisTestServer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status Launch();

  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace vmsg::state
