// The composition root: the one place that turns a Config into live objects (clock, logger,
// router, server) and wires them together. Nothing else constructs backends.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "api/system_handlers.h"
#include "app/service_metrics.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/periodic.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "generate/generate_service.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "library/music_service.h"
#include "library/voice_service.h"
#include "objects/object_store.h"
#include "speech/synthesizer.h"
#include "state/redis/celery_control.h"
#include "state/state.h"
#include "webhooks/webhook_service.h"
#include "worker/revoke.h"
#include "worker/worker_pool.h"

namespace boost::asio {
class thread_pool;
}
namespace vmsg::objects {
class LocalObjectStore;
}
namespace vmsg::image {
class PersonDetector;
class Segmenter;
}  // namespace vmsg::image

namespace vmsg {

extern const char kVersion[];

class ServiceContext {
 public:
  // Validates the environment the configuration describes (creates the data directory,
  // checks the web directory) and builds every service. Errors name the setting at fault.
  // kServe: HTTP and workers. kWorker: workers only (no web directory needed). kGenerate:
  // the services `vmsg generate` runs in-process, no HTTP and no workers.
  enum class Role { kServe, kWorker, kGenerate };

  static Result<std::unique_ptr<ServiceContext>> Create(Config config, std::unique_ptr<Clock> clock,
                                                        Role role = Role::kServe);
  ~ServiceContext();

  const Config& config() const { return config_; }
  const Logger& logger() const { return *logger_; }
  http::Server& server() { return *server_; }
  // `vmsg worker`'s listener for /metrics and /health (VMSG_METRICS_PORT); null otherwise.
  http::Server* metrics_server() { return metrics_server_.get(); }
  ServiceMetrics& metrics() { return *metrics_; }
  // Null when VMSG_WORKERS is 0 (an API-only serve).
  worker::WorkerPool* workers() { return workers_.get(); }
  // Media objects: the local store, or S3 when S3_BUCKET is set.
  objects::ObjectStore& objects() { return *objects_; }
  const generate::GenerateService& generator() const { return *generator_; }

 private:
  ServiceContext(Config config, std::unique_ptr<Clock> clock);

  // Create's steps, in order; each builds what its name says and the routes and health
  // checks over it.
  Status OpenState(Role role);
  Status OpenObjects();
  Status OpenImageAnalysis(Role role);  // the detector and segmenter; kServe: image routes
  Status OpenMetadata();                // the voice and BGM catalogs
  void SeedMusic();                     // system tracks rendered and catalogued when missing
  void OpenSpeech();                    // the engines and the voice library, system voices
  void AddLibraryRoutes(Role role);
  Status BuildGeneration(Role role);  // the generate service; task routes
  Status MakeWorkers(Role role);
  void AddServiceRoutes(const std::filesystem::path& web_dir);  // metrics, health, UI, ...
  void MakeServers(Role role);
  // Tells the webhooks of a task revoked before it started.
  worker::RevokedHook RevokedHook() const;
  // The dispatcher's API key check with VMSG_API_KEYS_REQUIRED, else none.
  std::function<Result<std::string>(std::string_view)> ApiKeyCheck() const;
  Status StartBackgroundTasks(Role role);  // sweeps and metrics sampling

  Config config_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Logger> logger_;
  IdGenerator ids_;
  http::Router router_;
  api::HealthChecks health_;
  state::StateBackend state_;
  // Completion webhooks over state_: the API records them, workers deliver them.
  std::unique_ptr<webhooks::WebhookService> webhooks_;
  // With Redis: Celery clients' revoke broadcasts (destroyed before the state it uses).
  std::unique_ptr<state::CeleryControlListener> celery_control_;
  std::unique_ptr<catalog::VoiceCatalog> voices_;
  std::unique_ptr<catalog::BgmCatalog> bgm_;
  // Speech: the engines (Japanese null when Open JTalk is not installed) and the voices
  // over the catalog (whose speaker() speaks client text).
  std::unique_ptr<speech::SpeechSynthesizer> japanese_speech_;
  std::unique_ptr<speech::SpeechSynthesizer> english_speech_;
  std::unique_ptr<library::VoiceService> voices_service_;
  std::function<Result<int64_t>()> sweep_state_;  // started by StartBackgroundTasks
  std::unique_ptr<PeriodicTask> state_sweep_;
  // Before everything that reports to it (object store, pipeline, workers, dispatchers).
  std::unique_ptr<ServiceMetrics> metrics_;
  // Before the server and workers that use it, so it outlives them.
  std::unique_ptr<objects::ObjectStore> objects_;
  objects::LocalObjectStore* local_objects_ = nullptr;  // inside objects_; null with S3
  std::unique_ptr<PeriodicTask> lifecycle_sweep_;
  // System music (seeded at start) and user uploads, over bgm_ and objects_.
  std::unique_ptr<library::MusicService> music_;
  // Image analysis (models loaded once) and the threads HTTP requests run it on.
  std::unique_ptr<image::PersonDetector> detector_;
  std::unique_ptr<image::Segmenter> segmenter_;
  std::unique_ptr<boost::asio::thread_pool> cpu_;
  std::unique_ptr<generate::GenerateService> generator_;
  std::unique_ptr<worker::WorkerPool> workers_;
  // After the state, catalogs and store it samples, so it stops before they go.
  std::unique_ptr<MetricsSampling> metrics_sampling_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
  http::Router metrics_router_;
  std::unique_ptr<http::Dispatcher> metrics_dispatcher_;
  std::unique_ptr<http::Server> metrics_server_;
};

}  // namespace vmsg
