// Wiring of config -> services -> routes -> server.
#include "app/service_context.h"

#include <boost/asio/thread_pool.hpp>
#include <system_error>
#include <thread>

#include "access/api_keys.h"
#include "api/bgm_handlers.h"
#include "api/catalog_handlers.h"
#include "api/generate_handlers.h"
#include "api/image_handlers.h"
#include "api/static_handler.h"
#include "api/task_handlers.h"
#include "api/upload_handlers.h"
#include "api/voice_handlers.h"
#include "app/catalogs.h"
#include "app/redis_check.h"
#include "app/stores.h"
#include "base/files.h"
#include "disclosure/c2pa.h"
#include "image/backgrounds.h"
#include "image/image_io.h"
#include "image/person_detector.h"
#include "image/segmenter.h"
#include "metrics/counting_object_store.h"
#include "state/redis/redis_state.h"
#include "state/sqlite/sqlite_state.h"
#include "worker/revoke.h"

namespace vmsg {

const char kVersion[] = VMSG_VERSION;

namespace {
// Where scripts/install-isnet-model.sh puts the optional neural model, under the data dir.
constexpr std::string_view kIsnetModelFile = "isnet-medium-fp32.onnx";

// The preset backgrounds' pictures, drawn on first start and served by the image routes.
std::filesystem::path BackgroundsDir(const Config& c) { return c.data_dir / "backgrounds"; }

// The data directory's health: present, and how much room is left.
api::HealthChecks::Check CheckDataDir(const std::filesystem::path& dir) {
  api::HealthChecks::Check check;
  std::error_code space_ec;
  const auto space = std::filesystem::space(dir, space_ec);
  check.healthy = !space_ec && std::filesystem::is_directory(dir);
  check.details["path"] = dir.string();
  if (!space_ec) check.details["free_bytes"] = space.available;
  if (space_ec) check.details["error"] = space_ec.message();
  return check;
}

// Creates the data directory and, for kServe, finds the web directory (returned).
Result<std::filesystem::path> CheckDirectories(const Config& config, ServiceContext::Role role) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec || !std::filesystem::is_directory(config.data_dir)) {
    return Status::FailedPrecondition("VMSG_DATA_DIR=" + config.data_dir.string() +
                                      " cannot be created or is not a directory" +
                                      (ec ? ": " + ec.message() : ""));
  }
  const auto web_dir = std::filesystem::weakly_canonical(config.web_dir, ec);
  if (role == ServiceContext::Role::kServe && (ec || !std::filesystem::is_directory(web_dir))) {
    return Status::FailedPrecondition("VMSG_WEB_DIR=" + config.web_dir.string() +
                                      " is not a directory (run vmsg from the repository root "
                                      "or set VMSG_WEB_DIR)");
  }
  return web_dir;
}

// The signer of the videos' C2PA manifests: the operator's (VMSG_C2PA_CERT and _KEY), or a
// self-signed one made on first start under <data dir>/c2pa/ and loaded after.
Result<std::shared_ptr<const disclosure::Signer>> OpenC2paSigner(const Config& config) {
  Result<disclosure::Signer> signer = Status::Internal("no signer");
  if (!config.c2pa_cert.empty()) {
    VMSG_ASSIGN_OR_RETURN(std::string cert, ReadFileToString(config.c2pa_cert));
    VMSG_ASSIGN_OR_RETURN(std::string key, ReadFileToString(config.c2pa_key));
    signer = disclosure::Signer::FromPem(cert, key);
  } else {
    const std::filesystem::path dir = config.data_dir / "c2pa";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    signer = disclosure::Signer::LoadOrCreate(dir / "cert.pem", dir / "key.pem");
  }
  if (!signer.ok()) return signer.status().WithContext("the C2PA signer");
  return std::shared_ptr<const disclosure::Signer>(
      std::make_shared<disclosure::Signer>(std::move(*signer)));
}

}  // namespace

ServiceContext::ServiceContext(Config config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {}

ServiceContext::~ServiceContext() = default;

Result<std::unique_ptr<ServiceContext>> ServiceContext::Create(Config config,
                                                               std::unique_ptr<Clock> clock,
                                                               Role role) {
  VMSG_ASSIGN_OR_RETURN(const std::filesystem::path web_dir, CheckDirectories(config, role));
  std::unique_ptr<ServiceContext> ctx(new ServiceContext(std::move(config), std::move(clock)));
  ctx->logger_ = Logger::ToStderr(ctx->config_.log_format, ctx->config_.log_level, *ctx->clock_);
  ctx->metrics_ = std::make_unique<ServiceMetrics>();
  ctx->health_.Add("data_dir", [dir = ctx->config_.data_dir] { return CheckDataDir(dir); });
  VMSG_RETURN_IF_ERROR(ctx->OpenState(role));
  VMSG_RETURN_IF_ERROR(ctx->OpenObjects());
  VMSG_RETURN_IF_ERROR(ctx->OpenImageAnalysis(role));
  VMSG_RETURN_IF_ERROR(ctx->OpenMetadata());
  ctx->SeedMusic();
  ctx->OpenSpeech();
  ctx->AddLibraryRoutes(role);
  VMSG_RETURN_IF_ERROR(ctx->BuildGeneration(role));
  VMSG_RETURN_IF_ERROR(ctx->MakeWorkers(role));
  ctx->AddServiceRoutes(web_dir);
  ctx->MakeServers(role);
  // Last: the sweeps and samplers run only once everything they touch exists.
  VMSG_RETURN_IF_ERROR(ctx->StartBackgroundTasks(role));
  return ctx;
}

// Task state: Redis when configured, else the embedded SQLite store in the data dir; with
// Redis, Celery clients' revokes too.
Status ServiceContext::OpenState(Role role) {
  const Config& c = config_;
  if (!c.redis_url.empty()) {
    if (role != Role::kGenerate) VMSG_RETURN_IF_ERROR(CheckRedisAtStartup(c, *logger_));
    auto redis = [&c](const std::string& url) {
      return state::RedisOptions{.url = url,
                                 .max_connections = c.redis_max_connections,
                                 .socket_timeout = c.redis_socket_timeout,
                                 .connect_timeout = c.redis_socket_connect_timeout};
    };
    VMSG_ASSIGN_OR_RETURN(state_, OpenStateBackend(c, *clock_, c.redis_max_connections));
    VMSG_ASSIGN_OR_RETURN(sweep_state_,
                          state::NewRedisSweeper(redis(c.celery_result_backend), *clock_));
    if (role != Role::kGenerate) {
      // Every process takes a Celery client's revoke: whichever finds the task queued
      // removes it and records REVOKED; a running one is flagged for its worker.
      ServiceContext* self = this;
      VMSG_ASSIGN_OR_RETURN(
          celery_control_, state::CeleryControlListener::Start(
                               redis(c.celery_broker_url),
                               [self](const std::string& task_id) {
                                 Result<worker::RevokeOutcome> revoked = worker::RevokeTask(
                                     *self->state_.queue, *self->state_.results, *self->clock_,
                                     task_id, self->RevokedHook());
                                 if (!revoked.ok() && !revoked.status().IsNotFound()) {
                                   self->logger_->Warning("celery", "revoke failed",
                                                          {{"task_id", task_id},
                                                           {"error", revoked.status().ToString()}});
                                 }
                               },
                               *clock_, *logger_));
    }
  } else {
    const state::SqliteOptions sqlite{.path = StateDatabasePath(c)};
    VMSG_ASSIGN_OR_RETURN(state_, OpenStateBackend(c, *clock_, c.redis_max_connections));
    VMSG_ASSIGN_OR_RETURN(sweep_state_, state::NewSqliteSweeper(sqlite, *clock_));
  }
  webhooks_ = std::make_unique<webhooks::WebhookService>(
      *state_.webhooks, *state_.queue, *clock_, *logger_,
      webhooks::WebhookOptions{.secret = c.webhook_secret,
                               .allow_private = c.webhook_allow_private,
                               .user_agent = std::string("vmsg/") + std::string(kVersion)});
  health_.Add("state", [state = &state_] {
    api::HealthChecks::Check check;
    check.details["backend"] = state->description;
    Result<Duration> rtt = state->ping();
    check.healthy = rtt.ok();
    if (rtt.ok()) {
      check.details["latency_ms"] = std::chrono::duration<double, std::milli>(*rtt).count();
    } else {
      check.details["error"] = rtt.status().message();
    }
    return check;
  });
  return Status::Ok();
}

// Media objects: the local store under the data dir unless an S3 bucket is configured.
Status ServiceContext::OpenObjects() {
  const Config& c = config_;
  VMSG_ASSIGN_OR_RETURN(OpenedObjectStore opened, OpenObjectStore(c, *clock_));
  if (!opened.checked.empty()) {
    logger_->Info("objects", "bucket checked",
                  {{"bucket", c.s3_bucket}, {"found", opened.checked}});
  }
  local_objects_ = opened.local;
  objects_ = metrics::NewCountingObjectStore(std::move(opened.store), metrics_->registry());
  health_.Add("object_store", [objects = objects_.get()] {
    api::HealthChecks::Check check;
    check.details["backend"] = std::string(objects->Name());
    const Status reachable = objects->CheckReachable();
    check.healthy = reachable.ok();
    if (!reachable.ok()) check.details["error"] = reachable.message();
    return check;
  });
  api::AddUploadRoutes(
      router_,
      {.store = objects_.get(),
       .local = local_objects_,
       .ids = &ids_,
       .presign_expiry = std::chrono::duration_cast<std::chrono::seconds>(c.presign_expiry),
       .upload_max_bytes = c.upload_max_bytes});

  return Status::Ok();
}

Status ServiceContext::OpenImageAnalysis(Role role) {
  const Config& c = config_;
  // Image analysis, for the detect endpoint and for generation (every role): the detector's
  // models load once here (a missing model stops start-up with its path).
  VMSG_ASSIGN_OR_RETURN(detector_, image::NewPersonDetector({}));
  VMSG_ASSIGN_OR_RETURN(
      segmenter_,
      image::NewSegmenter(c.segmenter, {.model = c.data_dir / "models" / kIsnetModelFile}));
  if (role == Role::kServe) {
    // The preset backgrounds' pictures and thumbnails for the picker, drawn on first start.
    VMSG_RETURN_IF_ERROR(image::WriteBackgrounds(BackgroundsDir(c), /*overwrite=*/false));
    health_.Add("image_analysis", [segmenter = segmenter_.get()] {
      api::HealthChecks::Check check;
      check.healthy = true;
      check.details["segmenter"] = std::string(segmenter->Name());
      return check;
    });
    const int cpu_threads =
        c.cpu_threads > 0 ? c.cpu_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    cpu_ = std::make_unique<boost::asio::thread_pool>(cpu_threads);
  }

  return Status::Ok();
}

Status ServiceContext::OpenMetadata() {
  const Config& c = config_;
  // Voice and BGM catalogs: the spec's JSON files under the data dir (created empty when
  // missing; a corrupt one opens and shows as unhealthy), or PostgreSQL (VMSG_METADATA_URL).
  {
    VMSG_ASSIGN_OR_RETURN(OpenedCatalogs catalogs, OpenCatalogs(c, *clock_));
    voices_ = std::move(catalogs.voices);
    bgm_ = std::move(catalogs.bgm);
  }
  api::AddCatalogHealthChecks(health_, *voices_, *bgm_);
  api::AddCatalogRoutes(router_,
                        {.voices = voices_.get(), .bgm = bgm_.get(), .objects = objects_.get()});
  return Status::Ok();
}

void ServiceContext::SeedMusic() {
  const Config& c = config_;
  // System music: rendered from its scores into the store and catalogued when a track or its
  // object is missing (the first start takes seconds); both roles, since workers mix it.
  library::MusicServiceOptions music_options;
  music_options.tracks.render.soundfont = c.soundfont;
  if (const auto cache = ResolvedCacheDir(c); !cache.empty()) {
    music_options.render_cache = cache / "music";
  }
  music_ = std::make_unique<library::MusicService>(*bgm_, *objects_, ids_, music_options);
  const library::MusicSeedReport music_seeded = music_->EnsureSystemTracks();
  if (!music_seeded.created.empty()) {
    std::string created;
    for (const std::string& id : music_seeded.created) {
      created += (created.empty() ? "" : ",") + id;
    }
    logger_->Info("music", "system tracks seeded", {{"created", created}});
  }
  for (const auto& [id, status] : music_seeded.failed) {
    logger_->Warning("music", "system track not seeded",
                     {{"id", id}, {"error", status.ToString()}});
  }
}

void ServiceContext::OpenSpeech() {
  const Config& c = config_;
  // Speech and voices, for every role (serve previews, workers and the CLI generate).
  // Without Open JTalk only English speaks; the Japanese system voices
  // are then missing from a fresh catalog until a start with it installed.
  if (auto jtalk = speech::NewOpenJTalkSynthesizer(); jtalk.ok()) {
    japanese_speech_ = std::move(*jtalk);
  } else {
    logger_->Warning("voice", "Japanese speech unavailable",
                     {{"error", jtalk.status().ToString()}});
  }
  english_speech_ = speech::NewFliteSynthesizer();
  voices_service_ = std::make_unique<library::VoiceService>(
      *voices_, *objects_, japanese_speech_.get(), english_speech_.get(),
      speech::SpeakerOptions{.max_chars = c.text_max_chars}, ids_);
  // Idempotent: a later start keeps the entries (and only puts back lost objects).
  const library::SeedReport seeded = voices_service_->EnsureSystemVoices();
  if (!seeded.created.empty()) {
    std::string created;
    for (const std::string& id : seeded.created) created += (created.empty() ? "" : ",") + id;
    logger_->Info("voice", "system voices seeded", {{"created", created}});
  }
  for (const std::string& id : seeded.refreshed) {
    logger_->Info("voice", "system voice sample remade for this build's tuning", {{"id", id}});
  }
  for (const auto& [id, status] : seeded.failed) {
    logger_->Warning("voice", "system voice not seeded",
                     {{"id", id}, {"error", status.ToString()}});
  }
}

void ServiceContext::AddLibraryRoutes(Role role) {
  if (role == Role::kServe) {
    api::AddVoiceRoutes(router_,
                        {.voices = voices_service_.get(), .cpu = cpu_.get(), .ids = &ids_});
    api::AddBgmRoutes(router_, {.music = music_.get(), .cpu = cpu_.get(), .ids = &ids_});
  }
}

Status ServiceContext::BuildGeneration(Role role) {
  const Config& c = config_;
  VMSG_ASSIGN_OR_RETURN(std::shared_ptr<const disclosure::Signer> signer, OpenC2paSigner(c));
  // Generation: the API checks requests with it, workers and `vmsg generate` run it.
  VMSG_ASSIGN_OR_RETURN(generator_,
                        generate::GenerateService::Make({.store = objects_.get(),
                                                         .voices = voices_service_.get(),
                                                         .bgm = bgm_.get(),
                                                         .detector = detector_.get(),
                                                         .segmenter = segmenter_.get(),
                                                         .clock = clock_.get(),
                                                         .logger = logger_.get(),
                                                         .stage_observer = metrics_.get(),
                                                         .results = state_.results.get(),
                                                         .progress = state_.progress.get(),
                                                         .queue = state_.queue.get(),
                                                         .webhooks = webhooks_.get()},
                                                        {.render = {.preset = c.video_preset,
                                                                    .crf = c.video_crf,
                                                                    .ai_label = c.ai_label,
                                                                    .signer = std::move(signer),
                                                                    .software_version = kVersion},
                                                         .require_consent = c.require_consent}));
  if (role == Role::kServe) {
    api::AddImageRoutes(
        router_,
        {.store = objects_.get(),
         .generator = generator_.get(),
         .cpu = cpu_.get(),
         .ids = &ids_,
         .presign_expiry = std::chrono::duration_cast<std::chrono::seconds>(c.presign_expiry),
         .backgrounds_dir = BackgroundsDir(c)});
    api::AddGenerateRoutes(
        router_,
        {.generator = generator_.get(),
         .store = objects_.get(),
         .results = state_.results.get(),
         .cpu = cpu_.get(),
         .ids = &ids_,
         .presign_expiry = std::chrono::duration_cast<std::chrono::seconds>(c.presign_expiry)});
  }
  api::TaskServices tasks = api::TaskServicesFor(state_, *clock_, ids_);
  tasks.allowed_origins = c.cors_origins;
  tasks.on_revoked = RevokedHook();
  api::AddTaskRoutes(router_, std::move(tasks));

  return Status::Ok();
}

Status ServiceContext::MakeWorkers(Role role) {
  const Config& c = config_;
  if (c.workers > 0 && role != Role::kGenerate) {
    // A job of a name not registered here fails at once with NotRegistered rather than
    // waiting forever.
    worker::TaskRegistry registry;
    VMSG_RETURN_IF_ERROR(
        registry.Register(std::string(generate::kGenerateTaskName), generator_->Handler()));
    VMSG_RETURN_IF_ERROR(
        registry.Register(std::string(webhooks::kDeliveryTaskName), webhooks_->DeliveryHandler()));
    workers_ = std::make_unique<worker::WorkerPool>(
        *state_.queue, *state_.results, *state_.progress, std::move(registry),
        worker::WorkerOptions{
            .threads = c.workers,
            .visibility_timeout = c.visibility_timeout,
            .task_time_limit = c.celery_task_time_limit,
            .track_started = c.celery_task_track_started,
            .prefetch = c.worker_prefetch,
            .on_task_ended =
                [hooks = webhooks_.get()](const state::Job& job, const state::TaskResult& result) {
                  return hooks->OnTaskEnded(job, result);
                }},
        *clock_, *logger_);
    health_.Add("workers", [pool = workers_.get(), threads = c.workers] {
      api::HealthChecks::Check check;
      const worker::WorkerCounters counters = pool->Counters();
      check.details = {{"threads", threads},
                       {"busy", counters.busy},
                       {"succeeded", counters.succeeded},
                       {"failed", counters.failed},
                       {"retried", counters.retried},
                       {"revoked", counters.revoked}};
      return check;
    });
  }

  return Status::Ok();
}

void ServiceContext::AddServiceRoutes(const std::filesystem::path& web_dir) {
  const Config& c = config_;
  AddMetricsRoute(router_, metrics_->registry());
  api::AddHealthRoute(router_, health_, {kVersion, clock_->Now(), clock_.get()});
  api::AddOpenApiRoute(router_, kVersion);
  const library::RecordingLimits recording =
      voices_service_ ? voices_service_->limits() : library::RecordingLimits{};
  api::AddPublicConfigRoute(router_, {.text_max_chars = c.text_max_chars,
                                      .upload_max_bytes = c.upload_max_bytes,
                                      .image_max_bytes = image::kMaxUploadBytes,
                                      .voice_max_files = recording.max_files,
                                      .voice_max_file_bytes = recording.max_file_bytes,
                                      .voice_min_seconds = recording.min_speech_seconds,
                                      .voice_max_seconds = recording.max_speech_seconds,
                                      .api_key_required = c.api_keys_required,
                                      .consent_required = c.require_consent});
  // The UI's catch-all comes last so that every API route shadows it.
  api::AddStaticFiles(router_, web_dir);
}

worker::RevokedHook ServiceContext::RevokedHook() const {
  return [hooks = webhooks_.get()](const state::TaskResult& revoked) {
    return hooks->OnTaskRevoked(revoked);
  };
}

std::function<Result<std::string>(std::string_view)> ServiceContext::ApiKeyCheck() const {
  if (!config_.api_keys_required) return nullptr;
  return [keys = state_.api_keys.get()](std::string_view key) {
    return access::CheckApiKey(*keys, key);
  };
}

void ServiceContext::MakeServers(Role role) {
  const Config& c = config_;
  // With S3 the page plays videos and previews and posts upload forms at the store's own
  // origin, which the Content Security Policy must then allow: read off a presigned URL.
  std::vector<std::string> media_origins;
  if (local_objects_ == nullptr) {
    if (Result<std::string> url = objects_->PresignGet("healthcheck", std::chrono::seconds(60));
        url.ok()) {
      const size_t scheme = url->find("://");
      const size_t path =
          scheme == std::string::npos ? std::string::npos : url->find('/', scheme + 3);
      if (path != std::string::npos) media_origins.push_back(url->substr(0, path));
    }
  }
  auto observe_request = [metrics = metrics_.get()](const http::RequestOutcome& o) {
    metrics->ObserveRequest(o);
  };
  dispatcher_ = std::make_unique<http::Dispatcher>(
      router_,
      http::DispatcherOptions{.default_max_body_bytes = c.http_max_body_bytes,
                              .cors_origins = c.cors_origins,
                              .trusted_proxies = c.trusted_proxies,
                              .check_api_key = ApiKeyCheck(),
                              .rate_limiter = state_.rate_limits.get(),
                              .api_requests_per_hour = c.rate_limit_api,
                              .uploads_per_hour = c.rate_limit_uploads,
                              .generations_per_hour = c.rate_limit_generate,
                              .media_origins = media_origins,
                              .observer = observe_request},
      *logger_, ids_);
  server_ = std::make_unique<http::Server>(
      http::ServerOptions{.host = c.http_host,
                          .port = c.http_port,
                          .threads = c.http_threads,
                          .max_header_bytes = static_cast<uint32_t>(c.http_max_header_bytes),
                          .max_connections = c.http_max_connections,
                          .request_timeout = c.http_request_timeout,
                          .idle_timeout = c.http_idle_timeout,
                          .shutdown_grace = c.shutdown_grace},
      *dispatcher_, *logger_);
  if (role == Role::kWorker && c.metrics_port != 0) {
    // A worker has no API; this listener lets Prometheus and load balancers reach it.
    api::AddHealthRoute(metrics_router_, health_, {kVersion, clock_->Now(), clock_.get()});
    AddMetricsRoute(metrics_router_, metrics_->registry());
    metrics_dispatcher_ = std::make_unique<http::Dispatcher>(
        metrics_router_, http::DispatcherOptions{.observer = observe_request}, *logger_, ids_);
    metrics_server_ = std::make_unique<http::Server>(
        http::ServerOptions{.host = c.http_host,
                            .port = c.metrics_port,
                            .threads = 1,
                            .max_header_bytes = static_cast<uint32_t>(c.http_max_header_bytes),
                            .max_connections = c.http_max_connections,
                            .request_timeout = c.http_request_timeout,
                            .idle_timeout = c.http_idle_timeout,
                            .shutdown_grace = c.shutdown_grace},
        *metrics_dispatcher_, *logger_);
  }
}

Status ServiceContext::StartBackgroundTasks(Role role) {
  const Config& c = config_;
  state_sweep_ = std::make_unique<PeriodicTask>(
      c.state_sweep_interval, [sweep = sweep_state_, logger = logger_.get()] {
        Result<int64_t> swept = sweep();
        if (!swept.ok()) {
          logger->Warning("state", "sweep failed", {{"error", swept.status().ToString()}});
        } else if (*swept > 0) {
          logger->Debug("state", "swept expired records", {{"count", *swept}});
        }
      });
  state_sweep_->Start();
  if (local_objects_ != nullptr && role == Role::kServe) {
    // S3 applies the rules itself; the local store needs its sweeper (one per data dir: the
    // serving process runs it).
    lifecycle_sweep_ = std::make_unique<PeriodicTask>(
        c.lifecycle_sweep_interval,
        [local_objects = local_objects_, clock = clock_.get(), logger = logger_.get()] {
          Result<objects::SweepStats> swept = local_objects->Sweep(clock->Now());
          if (!swept.ok()) {
            logger->Warning("objects", "lifecycle sweep failed",
                            {{"error", swept.status().ToString()}});
          } else if (swept->expired + swept->transitioned > 0) {
            logger->Info("objects", "lifecycle sweep",
                         {{"expired", swept->expired}, {"transitioned", swept->transitioned}});
          }
        });
    lifecycle_sweep_->Start();
  }
  // Metrics: the pool's counters per scrape; the figures that need I/O sampled in the
  // background (the whole-store listing by the serving process only, not by every worker).
  if (workers_ != nullptr) metrics_->WatchWorkers(*workers_, c.workers);
  if (role != Role::kGenerate) {
    MetricsSources sources{.queue = state_.queue.get(),
                           .voices = voices_.get(),
                           .bgm = bgm_.get(),
                           .store = role == Role::kServe ? objects_.get() : nullptr,
                           .logger = logger_.get()};
    if (!c.redis_url.empty()) {
      VMSG_ASSIGN_OR_RETURN(
          sources.redis,
          state::NewRedisClient({.url = c.redis_url,
                                 .max_connections = 1,
                                 .socket_timeout = c.redis_socket_timeout,
                                 .connect_timeout = c.redis_socket_connect_timeout}));
    }
    metrics_sampling_ = metrics_->StartSampling(std::move(sources));
  }
  return Status::Ok();
}

}  // namespace vmsg
