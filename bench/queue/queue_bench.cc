// bench/queue: no-op tasks enqueued and completed through the Redis backend by vmsg's
// worker pool, against the same through a Celery worker (Debian's python3-celery) on the
// same redis-server, in one run. Both sides use 2 worker threads, JSON and a result per
// task, and both prefetch 4 jobs per worker thread (Celery's default multiplier).
//
// Each side is measured in two phases, so that neither the producer nor the worker hides the
// other on this small machine: first the producer enqueues every task while no worker runs
// (enqueue rate), then the worker drains the full queue (worker rate). The worker rate is
// taken from the results themselves, (n - 1) / (last date_done - first date_done), on both
// sides alike, so neither process start-up nor how fast a client notices the results
// counts. Rounds alternate between the two sides; the median of each is reported.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "state/redis/redis_client.h"
#include "state/redis/redis_state.h"
#include "testing/redis_server.h"
#include "worker/worker_pool.h"

namespace vmsg {
namespace {

constexpr int kThreads = 2;
// Celery's default worker_prefetch_multiplier is 4 (per pool slot); vmsg prefetches the same.
constexpr int kPrefetch = 4;
constexpr int kRounds = 3;
constexpr double kGoalRatio = 10;

struct Rates {
  double enqueue_per_second = 0;
  double worker_per_second = 0;
};

int Die(const Status& s) {
  std::cerr << "queue_bench: " << s << "\n";
  return 1;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// (n - 1) tasks completed between the first and the last date_done.
Result<double> RateFromDates(std::vector<TimePoint> done) {
  if (done.size() < 2) return Status::InvalidArgument("need at least two results");
  const auto [first, last] = std::minmax_element(done.begin(), done.end());
  const double span = std::chrono::duration<double>(*last - *first).count();
  if (span <= 0) return Status::Internal("all results share one timestamp");
  return static_cast<double>(done.size() - 1) / span;
}

Status FlushAll(test::RedisTestServer& redis) {
  VMSG_ASSIGN_OR_RETURN(auto admin, state::NewRedisClient({.url = redis.Url(0)}));
  return admin->Command({"FLUSHALL"}).status();
}

Result<Rates> RunVmsg(test::RedisTestServer& redis, int tasks) {
  VMSG_RETURN_IF_ERROR(FlushAll(redis));
  auto clock = NewSystemClock();
  Logger logger(LogFormat::kText, LogLevel::kWarning, *clock,
                [](std::string_view line) { std::cerr << line; });
  VMSG_ASSIGN_OR_RETURN(
      state::StateBackend backend,
      state::NewRedisBackend({.url = redis.Url(1)}, {.url = redis.Url(0)}, *clock));
  IdGenerator ids;
  std::vector<std::string> task_ids;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < tasks; ++i) {
    task_ids.push_back(ids.NewUuid());
    VMSG_RETURN_IF_ERROR(backend.queue->Enqueue(
        {.task_id = task_ids.back(), .task_name = "bench.noop", .args = Json::object()}));
  }
  Rates rates;
  rates.enqueue_per_second = tasks / Seconds(std::chrono::steady_clock::now() - start);

  worker::TaskRegistry registry;
  VMSG_RETURN_IF_ERROR(registry.Register(
      "bench.noop", [](worker::TaskContext&) -> Result<Json> { return Json::object(); }));
  worker::WorkerPool pool(*backend.queue, *backend.results, *backend.progress, std::move(registry),
                          {.threads = kThreads,
                           .track_started = false,
                           .fetch_wait = std::chrono::milliseconds(100),
                           .prefetch = kPrefetch},
                          *clock, logger);
  VMSG_RETURN_IF_ERROR(pool.Start());
  while (pool.Counters().succeeded + pool.Counters().failed < tasks) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pool.Shutdown();
  if (pool.Counters().failed > 0) return Status::Internal("some vmsg tasks failed");
  std::vector<TimePoint> done;
  for (const std::string& id : task_ids) {
    VMSG_ASSIGN_OR_RETURN(state::TaskResult result, backend.results->Get(id));
    if (!result.date_done) return Status::Internal("a result has no date_done");
    done.push_back(*result.date_done);
  }
  VMSG_ASSIGN_OR_RETURN(rates.worker_per_second, RateFromDates(std::move(done)));
  return rates;
}

// celery_client.py prints "<enqueue per second> <worker per second>".
Result<Rates> RunCelery(test::RedisTestServer& redis, int tasks, const std::string& dir) {
  VMSG_RETURN_IF_ERROR(FlushAll(redis));
  const std::string socket = (redis.dir() / "redis.sock").string();
  const std::string command = "cd '" + dir + "' && VMSG_BENCH_REDIS_SOCKET='" + socket +
                              "' /usr/bin/python3 celery_client.py " + std::to_string(tasks);
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[256];
  while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int rc = pipe != nullptr ? ::pclose(pipe) : -1;
  Rates rates;
  std::istringstream in(out);
  if (rc != 0 || !(in >> rates.enqueue_per_second >> rates.worker_per_second)) {
    return Status::Unavailable("the Celery side failed: " + out);
  }
  return rates;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int tasks = 5000, rounds = kRounds;
  std::string dir = ".";
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (argv[i][0] == '-') {
      std::cerr << "usage: queue_bench [TASKS] [DIR of celery_client.py] [--rounds N]\n";
      return 2;
    } else {
      positional.emplace_back(argv[i]);
    }
  }
  if (!positional.empty()) tasks = std::max(2, std::atoi(positional[0].c_str()));
  if (positional.size() > 1) dir = positional[1];
  auto redis = test::RedisTestServer::Start();
  if (!redis.ok()) return Die(redis.status());
  std::vector<double> ours_enqueue, ours_worker, celery_enqueue, celery_worker;
  for (int round = 0; round < rounds; ++round) {
    Result<Rates> ours = RunVmsg(**redis, tasks);
    if (!ours.ok()) return Die(ours.status());
    Result<Rates> celery = RunCelery(**redis, tasks, dir);
    if (!celery.ok()) return Die(celery.status());
    std::fprintf(stderr,
                 "round %d: vmsg %.0f enqueued/s %.0f done/s; Celery %.0f enqueued/s %.0f "
                 "done/s\n",
                 round + 1, ours->enqueue_per_second, ours->worker_per_second,
                 celery->enqueue_per_second, celery->worker_per_second);
    ours_enqueue.push_back(ours->enqueue_per_second);
    ours_worker.push_back(ours->worker_per_second);
    celery_enqueue.push_back(celery->enqueue_per_second);
    celery_worker.push_back(celery->worker_per_second);
  }
  const double we = Median(ours_enqueue), ww = Median(ours_worker);
  const double ce = Median(celery_enqueue), cw = Median(celery_worker);
  std::printf(
      "bench/queue: %d no-op tasks, %d worker threads each, one redis-server, median of "
      "%d rounds\n",
      tasks, kThreads, rounds);
  std::printf("                      enqueue (tasks/s)   worker (tasks/s)\n");
  std::printf("  vmsg                %17.0f  %17.0f\n", we, ww);
  std::printf("  Celery              %17.0f  %17.0f\n", ce, cw);
  std::printf("  ratio               %16.1fx  %16.1fx   (goal: worker at least %.0fx)\n", we / ce,
              ww / cw, kGoalRatio);
  // Celery's worker rate is bimodal on this machine (some rounds run several times slower),
  // so the ratio against its best round is printed too: the figure to quote is the lower.
  const double celery_best = *std::max_element(celery_worker.begin(), celery_worker.end());
  std::printf("  worker ratio against Celery's best round (%.0f tasks/s): %.1fx\n", celery_best,
              ww / celery_best);
  return 0;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Main(argc, argv); }
