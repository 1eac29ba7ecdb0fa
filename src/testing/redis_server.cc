// Starts and stops a private redis-server for tests (see redis_test_server.h).
#include "testing/redis_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "state/redis/redis_client.h"
#include "testing/child_process.h"

namespace vmsg::test {
namespace {

constexpr std::chrono::seconds kStartTimeout{10};
constexpr std::chrono::milliseconds kStartPoll{20};

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("VMSG_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return VMSG_DEFAULT_SOURCE_DIR;
}

std::filesystem::path FindRedisServer() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<RedisTestServer>> RedisTestServer::Start(RedisTestOptions options) {
  static std::atomic<int> counter{0};
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("vmsg_redis_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<RedisTestServer> server(new RedisTestServer(dir, options));
  VMSG_RETURN_IF_ERROR(server->Launch());
  return server;
}

Status RedisTestServer::Launch() {
  const std::filesystem::path binary = FindRedisServer();
  if (binary.empty()) {
    return Status::Unavailable(
        "redis-server is not installed (apt-get install redis-server); the Redis backend "
        "cannot be tested");
  }
  std::vector<std::string> args = {binary.string()};
  if (options_.persistent) {
    const std::filesystem::path conf = SourceDir() / "deploy" / "redis.conf";
    if (!std::filesystem::exists(conf)) return Status::Unavailable("missing " + conf.string());
    args.push_back(conf.string());
  } else {
    args.insert(args.end(), {"--appendonly", "no", "--save", ""});
  }
  args.insert(args.end(), {"--port", "0", "--unixsocket", (dir_ / "redis.sock").string(),
                           "--unixsocketperm", "700", "--dir", dir_.string(), "--daemonize", "no",
                           "--logfile", (dir_ / "redis.log").string()});
  VMSG_ASSIGN_OR_RETURN(pid_, SpawnChild({.args = std::move(args)}));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  state::RedisOptions options;
  options.url = Url(0);
  options.connect_timeout = std::chrono::milliseconds(200);
  while (true) {
    if (std::filesystem::exists(dir_ / "redis.sock")) {
      auto client = state::NewRedisClient(options);
      if (client.ok() && (*client)->Command({"PING"}).ok()) return Status::Ok();
    }
    if (ChildExited(pid_)) {
      pid_ = -1;
      return Status::Unavailable("redis-server exited at start; see " +
                                 (dir_ / "redis.log").string());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("redis-server did not answer within " +
                                 std::to_string(kStartTimeout.count()) + " s");
    }
    std::this_thread::sleep_for(kStartPoll);
  }
}

Status RedisTestServer::Shutdown() {
  if (pid_ < 0) return Status::Ok();
  state::RedisOptions options;
  options.url = Url(0);
  // Short: the client retries a command whose connection broke, and after SHUTDOWN there
  // is nothing to reconnect to.
  options.connect_timeout = std::chrono::milliseconds(50);
  auto client = state::NewRedisClient(options);
  if (client.ok()) (void)(*client)->Command({"SHUTDOWN"});  // the reply is a closed socket
  StopChild(pid_, 0);                                       // waits for the exit SHUTDOWN began
  pid_ = -1;
  return Status::Ok();
}

Status RedisTestServer::Restart() {
  VMSG_RETURN_IF_ERROR(Shutdown());
  return Launch();
}

RedisTestServer::~RedisTestServer() {
  StopChild(pid_, SIGKILL);  // test data is thrown away: no save on the way out
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RedisTestServer::Url(int db) const {
  return "unix://" + (dir_ / "redis.sock").string() + "?db=" + std::to_string(db);
}

}  // namespace vmsg::test
