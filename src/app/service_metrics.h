// The metrics `vmsg serve` and `vmsg worker` expose on GET /metrics, and what feeds them:
// the dispatcher's and the pipeline's observers (in line, cheap), the worker pool's
// counters (read at each scrape), and the figures that need I/O (queue depths, catalog
// sizes, Redis INFO, the object store's size), sampled by background tasks so that a
// scrape never waits on a store.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/periodic.h"
#include "catalog/catalog.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "metrics/registry.h"
#include "objects/object_store.h"
#include "pipeline/stage.h"
#include "state/redis/redis_client.h"
#include "state/state.h"
#include "worker/worker_pool.h"

namespace vmsg {

// How often queue depths, catalog sizes and Redis INFO are sampled (each a cheap query).
inline constexpr std::chrono::seconds kMetricsSampleInterval{15};
// How often the object store is listed whole for its object count and size (one List per
// 1000 objects, so rarely).
inline constexpr std::chrono::minutes kObjectStoreSampleInterval{5};

// What the background samplers read; null members are not sampled.
struct MetricsSources {
  state::JobQueue* queue = nullptr;
  catalog::VoiceCatalog* voices = nullptr;
  catalog::BgmCatalog* bgm = nullptr;
  std::unique_ptr<state::RedisClient> redis;  // for INFO; the sampler owns it
  objects::ObjectStore* store = nullptr;      // for the object count and size
  const Logger* logger = nullptr;
};

// The running samplers; destroying it stops them (waiting for a sample in progress). It
// must be destroyed before the sources it reads.
class MetricsSampling {
 public:
  ~MetricsSampling();

 private:
  friend class ServiceMetrics;
  MetricsSources sources_;
  std::unique_ptr<PeriodicTask> fast_;
  std::unique_ptr<PeriodicTask> store_;
  std::jthread first_store_sample_;  // the first listing, off the start-up path
};

// Owns the registry and the metric families. Thread-safe. Must outlive everything that
// reports to it (the counting object store, the dispatcher, the pipeline, the samplers).
class ServiceMetrics final : public pipeline::StageObserver {
 public:
  ServiceMetrics();

  metrics::Registry& registry() { return registry_; }

  // For DispatcherOptions::observer: vmsg_http_requests_total{route,method,status} and
  // vmsg_http_request_duration_seconds{route}. Methods other than the standard ones are
  // counted as "other", so that a client cannot create series at will.
  void ObserveRequest(const http::RequestOutcome& outcome);

  // vmsg_stage_duration_seconds{stage}.
  void StageDone(std::string_view stage, std::chrono::steady_clock::duration elapsed) override;

  // vmsg_tasks_total{state}, vmsg_workers_busy and vmsg_workers_idle from the pool's
  // in-memory counters at each scrape. `pool` must outlive this object's scrapes.
  void WatchWorkers(const worker::WorkerPool& pool, int threads);

  // Samples every source once now (the object store on a thread of its own), then
  // periodically: vmsg_queue_jobs{state}, vmsg_catalog_records{catalog}, vmsg_redis_*,
  // vmsg_object_store_objects and vmsg_object_store_bytes. A failed sample is logged and
  // leaves the previous figures in place (vmsg_sample_errors_total{source} counts it).
  std::unique_ptr<MetricsSampling> StartSampling(MetricsSources sources);

 private:
  void SampleFast(MetricsSources& sources);
  void SampleStore(MetricsSources& sources);
  void SampleFailed(const MetricsSources& sources, const char* source, const Status& status);

  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& request_seconds_;
  metrics::Family<metrics::Histogram>& stage_seconds_;
  metrics::Family<metrics::Gauge>& queue_jobs_;
  metrics::Family<metrics::Gauge>& queue_ready_;
  std::set<int> ready_priorities_;  // priorities reported so far (sampled on one thread)
  metrics::Family<metrics::Gauge>& catalog_records_;
  metrics::Family<metrics::Gauge>& store_objects_;
  metrics::Family<metrics::Gauge>& store_bytes_;
  metrics::Family<metrics::Counter>& sample_errors_;
  // INFO field -> its gauge; set by StartSampling when Redis is configured.
  std::vector<std::pair<std::string, metrics::Gauge*>> redis_gauges_;
};

// GET /metrics: `registry`'s text exposition (Content-Type text/plain; version=0.0.4).
void AddMetricsRoute(http::Router& router, metrics::Registry& registry);

}  // namespace vmsg
