// The metric families, their feeds and the /metrics route.
#include "app/service_metrics.h"

#include <algorithm>
#include <array>

#include "metrics/counting_object_store.h"
#include "metrics/redis_info.h"

namespace vmsg {
namespace {

constexpr std::array<std::string_view, 7> kKnownMethods = {"GET",    "HEAD",  "POST",   "PUT",
                                                           "DELETE", "PATCH", "OPTIONS"};

std::string MethodLabel(std::string_view method) {
  for (std::string_view known : kKnownMethods) {
    if (method == known) return std::string(method);
  }
  return "other";
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

MetricsSampling::~MetricsSampling() = default;

ServiceMetrics::ServiceMetrics()
    : requests_(registry_.AddCounter("vmsg_http_requests_total",
                                     "HTTP requests answered, by route pattern, method and status.",
                                     {"route", "method", "status"})),
      request_seconds_(registry_.AddHistogram(
          "vmsg_http_request_duration_seconds",
          "Time from a request's arrival to its response being ready, by route pattern.",
          {"route"})),
      stage_seconds_(registry_.AddHistogram(
          "vmsg_stage_duration_seconds",
          "Time a generation step took when it ran and succeeded (reused steps excluded).",
          {"stage"})),
      queue_jobs_(
          registry_.AddGauge("vmsg_queue_jobs", "Jobs in the task queue, by state.", {"state"})),
      queue_ready_(registry_.AddGauge(
          "vmsg_queue_ready_jobs",
          "Jobs ready to run, by queue and priority (9 most urgent; on Redis, Celery's four "
          "priority lists, counted at their most urgent priority: 9, 6, 3, 0).",
          {"queue", "priority"})),
      catalog_records_(registry_.AddGauge("vmsg_catalog_records",
                                          "Entries in the voice and music catalogs.", {"catalog"})),
      store_objects_(registry_.AddGauge(
          "vmsg_object_store_objects",
          "Objects in the object store (listed every few minutes in the background).")),
      store_bytes_(registry_.AddGauge(
          "vmsg_object_store_bytes",
          "Total size of the objects in the object store (listed every few minutes).")),
      sample_errors_(registry_.AddCounter(
          "vmsg_metrics_sample_errors_total",
          "Background samples of a metrics source that failed, by source.", {"source"})) {}

void ServiceMetrics::ObserveRequest(const http::RequestOutcome& outcome) {
  const std::string route(outcome.route);
  requests_.With({route, MethodLabel(outcome.method), std::to_string(outcome.status)}).Inc();
  request_seconds_.With({route}).Observe(Seconds(outcome.elapsed));
}

void ServiceMetrics::StageDone(std::string_view stage,
                               std::chrono::steady_clock::duration elapsed) {
  stage_seconds_.With({std::string(stage)}).Observe(Seconds(elapsed));
}

void ServiceMetrics::WatchWorkers(const worker::WorkerPool& pool, int threads) {
  auto& tasks = registry_.AddCounter(
      "vmsg_tasks_total", "Tasks this process's workers finished, by outcome.", {"state"});
  auto& busy = registry_.AddGauge("vmsg_workers_busy", "Workers running a task now.");
  auto& idle = registry_.AddGauge("vmsg_workers_idle", "Workers waiting for a task.");
  registry_.OnCollect([&pool, &tasks, &busy, &idle, threads] {
    const worker::WorkerCounters c = pool.Counters();
    tasks.With({"success"}).Mirror(static_cast<double>(c.succeeded));
    tasks.With({"failure"}).Mirror(static_cast<double>(c.failed));
    tasks.With({"retry"}).Mirror(static_cast<double>(c.retried));
    tasks.With({"revoked"}).Mirror(static_cast<double>(c.revoked));
    tasks.With({"released"}).Mirror(static_cast<double>(c.released));
    busy.With({}).Set(static_cast<double>(c.busy));
    idle.With({}).Set(static_cast<double>(std::max<int64_t>(0, threads - c.busy)));
  });
}

void ServiceMetrics::SampleFailed(const MetricsSources& sources, const char* source,
                                  const Status& status) {
  sample_errors_.With({source}).Inc();
  if (sources.logger != nullptr) {
    sources.logger->Warning("metrics", "sample failed",
                            {{"source", source}, {"error", status.ToString()}});
  }
}

void ServiceMetrics::SampleFast(MetricsSources& sources) {
  if (sources.queue != nullptr) {
    Result<state::QueueStats> stats = sources.queue->Stats();
    if (stats.ok()) {
      queue_jobs_.With({"ready"}).Set(static_cast<double>(stats->ready));
      queue_jobs_.With({"delayed"}).Set(static_cast<double>(stats->delayed));
      queue_jobs_.With({"reserved"}).Set(static_cast<double>(stats->reserved));
      queue_jobs_.With({"dead"}).Set(static_cast<double>(stats->dead));
      // A priority that has emptied reads 0 rather than its last depth.
      for (int priority : ready_priorities_) {
        if (!stats->ready_by_priority.contains(priority)) {
          queue_ready_.With({"celery", std::to_string(priority)}).Set(0);
        }
      }
      for (const auto& [priority, count] : stats->ready_by_priority) {
        queue_ready_.With({"celery", std::to_string(priority)}).Set(static_cast<double>(count));
        ready_priorities_.insert(priority);
      }
    } else {
      SampleFailed(sources, "queue", stats.status());
    }
  }
  if (sources.voices != nullptr) {
    auto voices = sources.voices->List();
    if (voices.ok()) {
      catalog_records_.With({"voices"}).Set(static_cast<double>(voices->size()));
    } else {
      SampleFailed(sources, "voices", voices.status());
    }
  }
  if (sources.bgm != nullptr) {
    auto bgm = sources.bgm->List();
    if (bgm.ok()) {
      catalog_records_.With({"bgm"}).Set(static_cast<double>(bgm->size()));
    } else {
      SampleFailed(sources, "bgm", bgm.status());
    }
  }
  if (sources.redis != nullptr) {
    Result<state::RedisReply> info = sources.redis->Command({"INFO"});
    if (info.ok()) {
      const auto fields = metrics::ParseRedisInfo(info->str);
      for (const auto& [name, gauge] : redis_gauges_) {
        if (auto it = fields.find(name); it != fields.end()) gauge->Set(it->second);
      }
    } else {
      SampleFailed(sources, "redis", info.status());
    }
  }
}

void ServiceMetrics::SampleStore(MetricsSources& sources) {
  if (sources.store == nullptr) return;
  Result<metrics::StoreUsage> usage = metrics::MeasureStore(*sources.store);
  if (!usage.ok()) {
    SampleFailed(sources, "object_store", usage.status());
    return;
  }
  store_objects_.With({}).Set(static_cast<double>(usage->objects));
  store_bytes_.With({}).Set(static_cast<double>(usage->bytes));
}

std::unique_ptr<MetricsSampling> ServiceMetrics::StartSampling(MetricsSources sources) {
  if (sources.redis != nullptr && redis_gauges_.empty()) {
    // The spec's Redis figures; the unit goes into the name where Prometheus wants one.
    const std::array<std::pair<const char*, const char*>, 5> kRedisGauges = {{
        {"used_memory", "vmsg_redis_used_memory_bytes"},
        {"instantaneous_ops_per_sec", "vmsg_redis_instantaneous_ops_per_sec"},
        {"keyspace_hits", "vmsg_redis_keyspace_hits"},
        {"keyspace_misses", "vmsg_redis_keyspace_misses"},
        {"rdb_last_save_time", "vmsg_redis_rdb_last_save_time_seconds"},
    }};
    for (const auto& [field, name] : kRedisGauges) {
      auto& family =
          registry_.AddGauge(name, std::string("Redis INFO ") + field + ", sampled every " +
                                       std::to_string(kMetricsSampleInterval.count()) + " s.");
      redis_gauges_.emplace_back(field, &family.With({}));
    }
  }
  auto sampling = std::unique_ptr<MetricsSampling>(new MetricsSampling());
  sampling->sources_ = std::move(sources);
  MetricsSources* s = &sampling->sources_;
  SampleFast(*s);
  sampling->fast_ = std::make_unique<PeriodicTask>(
      std::chrono::duration_cast<std::chrono::milliseconds>(kMetricsSampleInterval),
      [this, s] { SampleFast(*s); });
  sampling->fast_->Start();
  if (s->store != nullptr) {
    sampling->first_store_sample_ = std::jthread([this, s] { SampleStore(*s); });
    sampling->store_ = std::make_unique<PeriodicTask>(
        std::chrono::duration_cast<std::chrono::milliseconds>(kObjectStoreSampleInterval),
        [this, s] { SampleStore(*s); });
    sampling->store_->Start();
  }
  return sampling;
}

void AddMetricsRoute(http::Router& router, metrics::Registry& registry) {
  http::RouteOptions options;
  options.max_body_bytes = 0;
  options.doc.summary = "Prometheus metrics";
  options.doc.tags = {"operations"};
  options.doc.description =
      "Counters, gauges and histograms in the Prometheus text format 0.0.4: HTTP requests, "
      "tasks, workers, queue depths, pipeline step durations, object store calls, catalogs and "
      "(with REDIS_URL) Redis INFO figures.";
  options.doc.responses = {{"200", {{"description", "The metrics, as text/plain"}}}};
  router.Add("GET", "/metrics", http::Sync([&registry](http::Request&) {
               return http::Response::Text(200, registry.Expose(),
                                           std::string(metrics::kContentType));
             }),
             std::move(options));
}

}  // namespace vmsg
