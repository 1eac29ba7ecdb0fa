// Config: every setting vmsg reads, typed and validated once at start-up. Values come from
// built-in defaults, then an optional .env file, then the environment, then command-line
// flags (each later source wins). Nothing else in vmsg reads the environment.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace vmsg {

struct Config {
  // Where all state of the embedded deployment lives.
  std::filesystem::path data_dir;
  // The catalogs' PostgreSQL database. Empty: the JSON files under data_dir.
  std::string metadata_url;
  // The browser UI's static files.
  std::filesystem::path web_dir;

  std::string http_host;
  uint16_t http_port = 0;
  // `vmsg worker`'s listener for /metrics and /health; 0: none.
  uint16_t metrics_port = 0;
  int http_threads = 0;
  uint64_t http_max_header_bytes = 0;
  uint64_t http_max_body_bytes = 0;
  uint64_t http_max_connections = 0;
  std::chrono::milliseconds http_request_timeout{0};
  std::chrono::milliseconds http_idle_timeout{0};
  std::chrono::milliseconds shutdown_grace{0};
  std::vector<std::string> cors_origins;
  std::vector<std::string> trusted_proxies;

  // Integrations: API keys, webhooks, consent.
  bool api_keys_required = false;
  std::string webhook_secret;
  bool webhook_allow_private = false;
  bool require_consent = false;

  // Distributed task state. Empty redis_url: the embedded SQLite store.
  std::string redis_url;
  std::string celery_broker_url;      // the queue; defaults to redis_url
  std::string celery_result_backend;  // task results etc.; defaults to redis_url with DB 1
  int redis_max_connections = 0;
  std::chrono::milliseconds redis_socket_timeout{0};
  std::chrono::milliseconds redis_socket_connect_timeout{0};

  // Workers in this process, and the Celery task settings they follow.
  int workers = 0;
  std::chrono::milliseconds celery_task_time_limit{0};
  bool celery_task_track_started = true;
  std::chrono::milliseconds visibility_timeout{0};
  int worker_prefetch = 1;

  // Requests per client address and hour, by kind of route.
  int64_t rate_limit_api = 0;
  int64_t rate_limit_uploads = 0;
  int64_t rate_limit_generate = 0;

  // How often expired task state is deleted from the embedded store.
  std::chrono::milliseconds state_sweep_interval{0};

  // Media objects. Empty s3_bucket: the local store under data_dir/objects.
  std::string s3_bucket;
  std::string s3_endpoint_url;  // empty: AWS's regional endpoint
  std::string s3_region;
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string s3_addressing_style;  // "auto", "path" or "virtual"
  bool s3_create_bucket = false;
  uint64_t s3_multipart_threshold = 0;
  std::chrono::milliseconds s3_request_timeout{0};
  int s3_max_retries = 0;
  // Presigned URLs and upload forms, and the largest upload a form allows.
  std::chrono::milliseconds presign_expiry{0};
  uint64_t upload_max_bytes = 0;
  // How often the local store applies the lifecycle rules.
  std::chrono::milliseconds lifecycle_sweep_interval{0};

  // Image analysis: the background remover ("auto", "grabcut", "isnet") and the threads that
  // run detection for HTTP requests (0: one per core).
  std::string segmenter;
  int cpu_threads = 0;
  // The longest message, in characters after cleaning, that speech accepts.
  size_t text_max_chars = 0;
  // Step 8's H.264 encoding: the x264 preset and constant rate factor.
  std::string video_preset;
  int video_crf = 0;
  // AI disclosure: the visible mark, and the C2PA signer (both empty: self-signed).
  bool ai_label = true;
  std::filesystem::path c2pa_cert;
  std::filesystem::path c2pa_key;
  // The General MIDI soundfont the system music is rendered with.
  std::filesystem::path soundfont;
  // VMSG_CACHE_DIR as given: "auto", "off" or a directory (see ResolvedCacheDir).
  std::string cache_dir;

  LogFormat log_format = LogFormat::kText;
  LogLevel log_level = LogLevel::kInfo;

  // Where each setting's effective value came from, in table order (for `config print`).
  struct Origin {
    std::string name;
    std::string value;   // as given; print with RedactedValue()
    std::string source;  // "default", ".env (<path>)", "environment", "flag"
  };
  std::vector<Origin> origins;
};

// Inputs to LoadConfig, gathered by main() so that LoadConfig itself is pure.
struct ConfigSources {
  std::map<std::string, std::string> environment;
  // Flags after the subcommand: "--http-port=9000" or "--http-port", "9000".
  std::vector<std::string> flags;
  // The .env file to read: from --env-file / VMSG_ENV_FILE, else "./.env" when it exists.
  // A file named explicitly must exist; the implicit ./.env is optional.
  std::optional<std::filesystem::path> env_file;
  bool env_file_explicit = false;
};

// The cache directory VMSG_CACHE_DIR names: empty for "off"; for "auto" $XDG_CACHE_HOME/vmsg,
// else $HOME/.cache/vmsg, else empty (no home: no cache).
std::filesystem::path ResolvedCacheDir(const Config& config);

// Builds and validates the configuration. Every failure is InvalidArgument with a message
// that names the setting, the bad value and where it came from, e.g.
//   VMSG_HTTP_PORT="abc" (from environment): expected an integer from 1 to 65535
// Unknown VMSG_* names in the environment are ignored; unknown names in a .env file or
// unknown flags are errors (they are almost always typos).
Result<Config> LoadConfig(const ConfigSources& sources);

// Collects the process environment and the --env-file flag (removed from `flags`).
ConfigSources SourcesFromProcess(char** envp, std::vector<std::string> flags);

// The effective configuration as "NAME=value  # source" lines, secrets redacted.
std::string FormatConfig(const Config& config);

// The settings as a Markdown table (name, default, description) for the README.
std::string SettingsMarkdownTable();

// Hides secrets: a setting marked secret becomes "[redacted]" when set; a URL keeps its
// scheme, host and path but loses its password ("redis://:[redacted]@host:6379/0").
std::string RedactedValue(std::string_view name, std::string_view value);
std::string RedactUrlPassword(std::string_view url);

// The same Redis URL pointing at database `db` ("redis://h:6379/0" -> "redis://h:6379/1",
// "unix:///s.sock" -> "unix:///s.sock?db=1").
std::string RedisUrlWithDb(std::string_view url, int db);

// Parsers shared by the settings (exposed for tests).
Result<uint64_t> ParseByteSize(std::string_view text);  // "1048576", "64KiB", "10MiB", "1GiB"
Result<std::chrono::milliseconds> ParseDuration(
    std::string_view text);                     // "30", "30s", "500ms", "5m", "1h"
Result<bool> ParseBool(std::string_view text);  // true/false, 1/0, yes/no, on/off

}  // namespace vmsg
