// bench/queue: no-op tasks enqueued and completed through the Redis backend by vmsg's
// worker pool, against the same through a Celery worker (Debian's python3-celery) on the
// same redis-server, in one run. Both sides use 2 worker threads, JSON and a result per
// task; both clocks run from the first enqueue to the last stored result.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "state/redis_state.h"
#include "state/redis_test_server.h"
#include "worker/worker_pool.h"

namespace vmsg {
namespace {

constexpr int kThreads = 2;

int Die(const Status& s) {
  std::cerr << "queue_bench: " << s << "\n";
  return 1;
}

Result<double> RunVmsg(state::RedisTestServer& redis, int tasks) {
  auto clock = NewSystemClock();
  Logger logger(LogFormat::kText, LogLevel::kWarning, *clock,
                [](std::string_view line) { std::cerr << line; });
  VMSG_ASSIGN_OR_RETURN(
      state::StateBackend backend,
      state::NewRedisBackend({.url = redis.Url(1)}, {.url = redis.Url(0)}, *clock));
  worker::TaskRegistry registry;
  VMSG_RETURN_IF_ERROR(registry.Register(
      "bench.noop", [](worker::TaskContext&) -> Result<Json> { return Json::object(); }));
  worker::WorkerPool pool(
      *backend.queue, *backend.results, *backend.progress, std::move(registry),
      {.threads = kThreads, .track_started = false, .fetch_wait = std::chrono::milliseconds(100)},
      *clock, logger);
  VMSG_RETURN_IF_ERROR(pool.Start());
  IdGenerator ids;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < tasks; ++i) {
    VMSG_RETURN_IF_ERROR(backend.queue->Enqueue(
        {.task_id = ids.NewUuid(), .task_name = "bench.noop", .args = Json::array()}));
  }
  while (pool.Counters().succeeded < tasks) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  pool.Shutdown();
  return seconds;
}

Result<double> RunCelery(state::RedisTestServer& redis, int tasks, const std::string& dir) {
  const std::string socket = (redis.dir() / "redis.sock").string();
  const std::string env = "cd '" + dir + "' && VMSG_BENCH_REDIS_SOCKET='" + socket + "' ";
  const pid_t worker = ::fork();
  if (worker == 0) {
    const std::string command = env +
                                "exec /usr/bin/python3 -m celery -A celery_app worker "
                                "--pool=threads --concurrency=2 --loglevel=WARNING "
                                "--without-gossip --without-mingle --without-heartbeat";
    ::execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
    std::_Exit(127);
  }
  const std::string client = env + "/usr/bin/python3 celery_client.py " + std::to_string(tasks);
  FILE* pipe = ::popen(client.c_str(), "r");
  std::string out;
  char buffer[256];
  while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int rc = pipe != nullptr ? ::pclose(pipe) : -1;
  ::kill(worker, SIGTERM);
  ::waitpid(worker, nullptr, 0);
  if (rc != 0 || out.empty()) return Status::Unavailable("the Celery side failed: " + out);
  return std::stod(out);
}

int Main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::string dir = argc > 2 ? argv[2] : ".";
  auto redis = state::RedisTestServer::Start();
  if (!redis.ok()) return Die(redis.status());
  Result<double> ours = RunVmsg(**redis, tasks);
  if (!ours.ok()) return Die(ours.status());
  Result<double> celery = RunCelery(**redis, tasks, dir);
  if (!celery.ok()) return Die(celery.status());
  const double ours_rate = tasks / *ours, celery_rate = tasks / *celery;
  std::printf("bench/queue: %d no-op tasks, %d worker threads each, one redis-server\n", tasks,
              kThreads);
  std::printf("  vmsg worker pool : %8.3f s  %9.0f tasks/s\n", *ours, ours_rate);
  std::printf("  Celery worker    : %8.3f s  %9.0f tasks/s\n", *celery, celery_rate);
  std::printf("  ratio            : %8.1fx (goal: at least 10x)\n", ours_rate / celery_rate);
  return 0;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Main(argc, argv); }
