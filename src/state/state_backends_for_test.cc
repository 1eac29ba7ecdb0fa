// The backends this test binary runs the conformance suite on.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "state/redis/redis_client.h"
#include "state/redis/redis_state.h"
#include "state/sqlite/sqlite_state.h"
#include "state/state_conformance.h"
#include "testing/redis_server.h"

namespace vmsg::state {
namespace {

// One scratch directory per test process, removed when the process ends.
struct ScratchDir {
  ScratchDir()
      : path(std::filesystem::temp_directory_path() /
             ("vmsg_state_conformance_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

const std::filesystem::path& Scratch() {
  static ScratchDir dir;
  return dir.path;
}

// One redis-server per test process (RedisTestServer), started on first use; each backend
// starts from empty databases (FLUSHALL). Results and state in DB 1, the broker in DB 0,
// as the spec's CELERY_RESULT_BACKEND and CELERY_BROKER_URL.
Result<StateBackend> MakeRedisBackend(const Clock& clock) {
  static Result<std::unique_ptr<test::RedisTestServer>> server = test::RedisTestServer::Start();
  if (!server.ok()) return server.status();
  RedisOptions results, broker;
  results.url = (*server)->Url(1);
  broker.url = (*server)->Url(0);
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> admin, NewRedisClient(broker));
  VMSG_RETURN_IF_ERROR(admin->Command({"FLUSHALL"}).status());
  return NewRedisBackend(results, broker, clock);
}

}  // namespace

std::vector<BackendFactory> TestBackends() {
  return {
      {"sqlite",
       [](const Clock& clock) -> Result<StateBackend> {
         static int counter = 0;
         SqliteOptions options;
         options.path = Scratch() / ("state_" + std::to_string(++counter) + ".sqlite3");
         std::filesystem::remove(options.path);
         return NewSqliteBackend(options, clock);
       }},
      {"redis", MakeRedisBackend},
  };
}

}  // namespace vmsg::state
