// Each check prints one line ("name  ok|FAIL  details"); the exit status sums them up.
#include "cli/status_command.h"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/catalogs.h"
#include "app/redis_check.h"
#include "app/stores.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "metrics/redis_info.h"
#include "state/redis/redis_client.h"
#include "state/redis/redis_state.h"
#include "state/sqlite/sqlite_state.h"

extern char** environ;

namespace vmsg {

const char kStatusHelp[] = R"(Usage: vmsg status [--env-file PATH] [--setting=value ...]

Prints a short summary of the configured deployment, read from its stores (no server
needs to be running): the task state backend (SQLite, or Redis with REDIS_URL) and its
round-trip latency, the queue's depths (ready, delayed, reserved, dead) and the most
recent dead tasks, the voice and music catalogs' record counts, whether the object store
(local, or S3 with S3_BUCKET) is reachable, and with REDIS_URL Redis's memory, operations
per second, keyspace hits and misses and last RDB save, and its persistence (AOF and
appendfsync, RDB save points, last save status).
Exit status: 0 all healthy, 1 something unhealthy, 2 bad usage or configuration.
)";

namespace {

// How many dead tasks the summary lists.
constexpr int64_t kRecentDeadTasks = 3;
// Longest error message shown for a dead task.
constexpr size_t kMaxErrorChars = 100;

class Report {
 public:
  void Line(std::string_view name, bool ok, const std::string& details) {
    if (!ok) healthy_ = false;
    std::cout << std::left << std::setw(10) << name << (ok ? "ok    " : "FAIL  ") << details
              << "\n";
  }
  void Detail(const std::string& text) { std::cout << "            " << text << "\n"; }
  bool healthy() const { return healthy_; }

 private:
  bool healthy_ = true;
};

std::string Fixed(double value, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << value;
  return out.str();
}

std::string MiB(double bytes) { return Fixed(bytes / (1024.0 * 1024.0), 1) + " MiB"; }

template <typename Catalog>
void CatalogLine(Report& report, std::string_view name, Result<std::unique_ptr<Catalog>>& opened) {
  if (!opened.ok()) {
    report.Line(name, false, opened.status().message());
    return;
  }
  auto snapshot = (*opened)->Snapshot();
  if (!snapshot.ok()) {
    report.Line(name, false, snapshot.status().message());
    return;
  }
  report.Line(name, true,
              std::to_string(snapshot->records.size()) + " records, updated " +
                  FormatIso8601(snapshot->last_updated));
}

}  // namespace

int RunStatusCommand(std::vector<std::string> flags) {
  Result<Config> loaded = LoadConfig(SourcesFromProcess(environ, std::move(flags)));
  if (!loaded.ok()) {
    std::cerr << "vmsg: " << loaded.status().message() << "\n";
    return 2;
  }
  const Config& c = *loaded;
  auto clock = NewSystemClock();
  Report report;

  // Task state.
  Result<state::StateBackend> backend = OpenStateBackend(c, *clock, /*max_connections=*/1);
  if (!backend.ok()) {
    report.Line("state", false, backend.status().message());
  } else {
    Result<Duration> rtt = backend->ping();
    if (rtt.ok()) {
      const double ms = std::chrono::duration<double, std::milli>(*rtt).count();
      report.Line("state", true, backend->description + ", round trip " + Fixed(ms, 2) + " ms");
    } else {
      report.Line("state", false, backend->description + ": " + rtt.status().message());
    }
    Result<state::QueueStats> stats = backend->queue->Stats();
    if (!stats.ok()) {
      report.Line("queue", false, stats.status().message());
    } else {
      // Dead jobs are an outcome to look at, not an outage: the line stays ok.
      report.Line("queue", true,
                  "ready " + std::to_string(stats->ready) + ", delayed " +
                      std::to_string(stats->delayed) + ", reserved " +
                      std::to_string(stats->reserved) + ", dead " + std::to_string(stats->dead));
      if (stats->dead > 0) {
        auto dead = backend->queue->ListDead(kRecentDeadTasks);
        if (dead.ok()) {
          for (const state::DeadJob& job : *dead) {
            std::string error = job.error.substr(0, kMaxErrorChars);
            if (job.error.size() > kMaxErrorChars) error += "...";
            report.Detail("dead " + job.job.task_id + " at " + FormatIso8601(job.died_at) + ": " +
                          error);
          }
        }
      }
    }
  }

  // Catalogs.
  // The catalogs the configuration names: the JSON files, or PostgreSQL.
  Result<OpenedCatalogs> catalogs = OpenCatalogs(c, *clock);
  Result<std::unique_ptr<catalog::VoiceCatalog>> voices =
      catalogs.ok() ? Result<std::unique_ptr<catalog::VoiceCatalog>>(std::move(catalogs->voices))
                    : Result<std::unique_ptr<catalog::VoiceCatalog>>(catalogs.status());
  Result<std::unique_ptr<catalog::BgmCatalog>> bgm =
      catalogs.ok() ? Result<std::unique_ptr<catalog::BgmCatalog>>(std::move(catalogs->bgm))
                    : Result<std::unique_ptr<catalog::BgmCatalog>>(catalogs.status());
  CatalogLine(report, "voices", voices);
  CatalogLine(report, "bgm", bgm);

  // Object store.
  Result<OpenedObjectStore> objects = OpenObjectStore(c, *clock);
  if (!objects.ok()) {
    report.Line("objects", false, objects.status().message());
  } else {
    const Status reachable = objects->store->CheckReachable();
    report.Line("objects", reachable.ok(),
                std::string(objects->store->Name()) +
                    (reachable.ok() ? ", reachable" : ": " + reachable.message()));
  }

  // Redis server figures.
  if (!c.redis_url.empty()) {
    auto client = state::NewRedisClient({.url = c.redis_url,
                                         .max_connections = 1,
                                         .socket_timeout = c.redis_socket_timeout,
                                         .connect_timeout = c.redis_socket_connect_timeout});
    Result<state::RedisReply> info =
        client.ok() ? (*client)->Command({"INFO"}) : Result<state::RedisReply>(client.status());
    if (!info.ok()) {
      report.Line("redis", false, info.status().message());
    } else {
      auto f = metrics::ParseRedisInfo(info->str);
      const double hits = f["keyspace_hits"];
      const double misses = f["keyspace_misses"];
      std::string details = "memory " + MiB(f["used_memory"]) + ", " +
                            Fixed(f["instantaneous_ops_per_sec"], 0) + " ops/s, keyspace hits " +
                            Fixed(hits, 0) + " / misses " + Fixed(misses, 0);
      if (hits + misses > 0) details += " (" + Fixed(100 * hits / (hits + misses), 1) + " % hits)";
      if (f["rdb_last_save_time"] > 0) {
        details += ", last RDB save " + FormatIso8601(TimePoint(std::chrono::seconds(
                                            static_cast<int64_t>(f["rdb_last_save_time"]))));
      }
      report.Line("redis", true, details);
      // How Redis keeps the queue across a restart; without persistence it is still up,
      // so the line stays ok and says what is at risk.
      if (Result<RedisPersistence> p = ReadRedisPersistence(**client); p.ok()) {
        report.Line(
            "persist", true,
            (p->Durable() ? "" : "WARNING no AOF and no RDB: a restart loses every task; ") +
                p->Summary());
      }
    }
  }
  std::cout << (report.healthy() ? "healthy" : "UNHEALTHY") << "\n";
  return report.healthy() ? 0 : 1;
}

}  // namespace vmsg
