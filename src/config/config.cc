// The settings table and the code that applies defaults, .env, environment and flags.
#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace vmsg {
namespace {

using Apply = std::function<Status(Config&, std::string_view)>;

struct Setting {
  std::string_view name;
  std::string_view default_value;
  std::string_view description;
  bool secret;
  Apply apply;
};

Status Bad(std::string_view expected) { return Status::InvalidArgument(std::string(expected)); }

Result<int64_t> ParseInteger(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Bad("expected an integer");
  }
  return v;
}

Apply Integer(int64_t lo, int64_t hi, std::function<void(Config&, int64_t)> set) {
  return [lo, hi, set](Config& c, std::string_view v) -> Status {
    Result<int64_t> n = ParseInteger(v);
    if (!n.ok() || *n < lo || *n > hi) {
      return Bad("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    set(c, *n);
    return Status::Ok();
  };
}

Apply ByteSize(uint64_t lo, uint64_t hi, std::function<void(Config&, uint64_t)> set) {
  return [lo, hi, set](Config& c, std::string_view v) -> Status {
    Result<uint64_t> n = ParseByteSize(v);
    if (!n.ok() || *n < lo || *n > hi) {
      return Bad("expected a size from " + std::to_string(lo) + " to " + std::to_string(hi) +
                 " bytes (a plain number or with KiB, MiB, GiB)");
    }
    set(c, *n);
    return Status::Ok();
  };
}

Apply Seconds(std::chrono::milliseconds lo, std::chrono::milliseconds hi,
              std::function<void(Config&, std::chrono::milliseconds)> set) {
  return [lo, hi, set](Config& c, std::string_view v) -> Status {
    Result<std::chrono::milliseconds> d = ParseDuration(v);
    if (!d.ok() || *d < lo || *d > hi) {
      return Bad("expected a duration from " + std::to_string(lo.count()) + "ms to " +
                 std::to_string(hi.count() / 1000) + "s (seconds, or with ms, s, m, h)");
    }
    set(c, *d);
    return Status::Ok();
  };
}

Apply Boolean(std::function<void(Config&, bool)> set) {
  return [set](Config& c, std::string_view v) -> Status {
    Result<bool> b = ParseBool(v);
    if (!b.ok()) return Bad("expected true or false (or on/off, yes/no, 1/0)");
    set(c, *b);
    return Status::Ok();
  };
}

// A file path, or empty for none.
Apply OptionalPath(std::function<void(Config&, std::filesystem::path)> set) {
  return [set](Config& c, std::string_view v) -> Status {
    if (v.find('\0') != std::string_view::npos) return Bad("a path may not contain NUL");
    set(c, std::filesystem::path(v));
    return Status::Ok();
  };
}

Apply Path(std::function<void(Config&, std::filesystem::path)> set) {
  return [set](Config& c, std::string_view v) -> Status {
    if (v.empty()) return Bad("expected a non-empty path");
    if (v.find('\0') != std::string_view::npos) return Bad("a path may not contain NUL");
    set(c, std::filesystem::path(v));
    return Status::Ok();
  };
}

// Empty, or a URL the Redis client understands (checked fully when connecting).
Apply RedisUrl(std::function<void(Config&, std::string)> set) {
  return [set](Config& c, std::string_view v) -> Status {
    if (!v.empty() && !v.starts_with("redis://") && !v.starts_with("unix://")) {
      return Bad("expected redis://[:password@]host:port/db or unix:///path?db=N");
    }
    set(c, std::string(v));
    return Status::Ok();
  };
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> out;
  std::string item;
  std::stringstream in{std::string(v)};
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const auto last = item.find_last_not_of(" \t");
    out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

// An allowed CORS origin is "scheme://host[:port]" with nothing after it.
bool IsOrigin(std::string_view o) {
  const size_t scheme_end = o.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = o.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const std::string_view rest = o.substr(scheme_end + 3);
  if (rest.empty()) return false;
  return std::all_of(rest.begin(), rest.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
           ch == '[' || ch == ']';
  });
}

const std::vector<Setting>& Settings() {
  using std::chrono::milliseconds;
  static const std::vector<Setting> kSettings = {
      {"VMSG_DATA_DIR", "./data",
       "Directory holding all state of the embedded deployment (created if missing). Two "
       "instances with different data directories never share anything.",
       false, Path([](Config& c, auto p) { c.data_dir = std::move(p); })},
      {"VMSG_METADATA_URL", "",
       "PostgreSQL for the voice and music catalogs (`postgresql://user:password@host:port/db`; "
       "the schema is migrated at start). Empty: the spec's JSON files in the data directory. "
       "`vmsg metadata migrate` moves them between the two.",
       false,
       [](Config& c, std::string_view v) -> Status {
         if (!v.empty() && !v.starts_with("postgresql://") && !v.starts_with("postgres://")) {
           return Bad("expected postgresql://user:password@host:port/db");
         }
         c.metadata_url = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_WEB_DIR", "./web", "Directory of the browser UI's static files, served at `/`.", false,
       Path([](Config& c, auto p) { c.web_dir = std::move(p); })},
      {"VMSG_HTTP_HOST", "127.0.0.1", "Address the HTTP server listens on.", false,
       [](Config& c, std::string_view v) -> Status {
         if (v.empty()) return Bad("expected an IP address or host name");
         c.http_host = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_HTTP_PORT", "8080", "TCP port of the HTTP server (0 picks a free port).", false,
       Integer(0, 65535, [](Config& c, int64_t v) { c.http_port = static_cast<uint16_t>(v); })},
      {"VMSG_METRICS_PORT", "9100",
       "TCP port on which `vmsg worker` serves only `/metrics` and `/health` (0: none). "
       "`vmsg serve` has `/metrics` on its HTTP port.",
       false,
       Integer(0, 65535, [](Config& c, int64_t v) { c.metrics_port = static_cast<uint16_t>(v); })},
      {"VMSG_HTTP_THREADS", "2", "Threads serving HTTP connections.", false,
       Integer(1, 256, [](Config& c, int64_t v) { c.http_threads = static_cast<int>(v); })},
      {"VMSG_HTTP_MAX_HEADER_BYTES", "16KiB",
       "Largest request line plus headers; larger requests get 431.", false,
       ByteSize(1024, 1024 * 1024, [](Config& c, uint64_t v) { c.http_max_header_bytes = v; })},
      {"VMSG_HTTP_MAX_BODY_BYTES", "1MiB",
       "Largest request body for JSON API routes; routes that take uploads have their own "
       "limits. Larger bodies get 413 without being read.",
       false,
       ByteSize(0, uint64_t{1} << 30, [](Config& c, uint64_t v) { c.http_max_body_bytes = v; })},
      {"VMSG_HTTP_MAX_CONNECTIONS", "512",
       "Open connections served at once; further connections get 503 and are closed.", false,
       Integer(1, 100000,
               [](Config& c, int64_t v) { c.http_max_connections = static_cast<uint64_t>(v); })},
      {"VMSG_HTTP_REQUEST_TIMEOUT", "30s",
       "Time allowed to receive one request's headers and body; slower requests get 408.", false,
       Seconds(milliseconds(100), std::chrono::hours(1),
               [](Config& c, milliseconds v) { c.http_request_timeout = v; })},
      {"VMSG_HTTP_IDLE_TIMEOUT", "60s",
       "How long a keep-alive connection may wait for its next request.", false,
       Seconds(milliseconds(100), std::chrono::hours(1),
               [](Config& c, milliseconds v) { c.http_idle_timeout = v; })},
      {"VMSG_SHUTDOWN_GRACE", "10s",
       "On SIGINT/SIGTERM, how long in-flight requests may take to finish before they are cut.",
       false,
       Seconds(milliseconds(0), std::chrono::hours(1),
               [](Config& c, milliseconds v) { c.shutdown_grace = v; })},
      {"VMSG_CORS_ORIGINS", "",
       "Comma-separated origins (`https://app.example`) allowed to call the API from other "
       "sites. Empty: none.",
       false,
       [](Config& c, std::string_view v) -> Status {
         c.cors_origins = SplitList(v);
         for (const auto& o : c.cors_origins) {
           if (!IsOrigin(o)) return Bad("'" + o + "' is not an origin like https://host[:port]");
         }
         return Status::Ok();
       }},
      {"VMSG_TRUSTED_PROXIES", "",
       "Comma-separated proxy addresses whose `X-Forwarded-For` header is believed. Empty: none.",
       false,
       [](Config& c, std::string_view v) -> Status {
         c.trusted_proxies = SplitList(v);
         return Status::Ok();
       }},
      {"VMSG_API_KEYS_REQUIRED", "false",
       "Every `/api/` route but `/api/config` and `/api/openapi.json` needs `Authorization: "
       "Bearer KEY` (keys from `vmsg keys create`), and rate limits count per key.",
       false, Boolean([](Config& c, bool v) { c.api_keys_required = v; })},
      {"VMSG_WEBHOOK_SECRET", "",
       "The HMAC-SHA256 key of the `X-Vmsg-Signature` header on webhook deliveries. Empty: "
       "generate refuses a `callback_url`.",
       true,
       [](Config& c, std::string_view v) -> Status {
         c.webhook_secret = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_WEBHOOK_ALLOW_PRIVATE", "false",
       "Let `callback_url` name loopback, private and link-local addresses (a receiver on the "
       "same machine or network). Off, such URLs are refused, as are names resolving to them.",
       false, Boolean([](Config& c, bool v) { c.webhook_allow_private = v; })},
      {"VMSG_REQUIRE_CONSENT", "false",
       "Generate needs `consent: true`: the caller confirms the person in the photo agreed. The "
       "web page always asks.",
       false, Boolean([](Config& c, bool v) { c.require_consent = v; })},
      {"REDIS_URL", "",
       "Redis for task state (`redis://[:password@]host:port/db` or `unix:///path?db=N`). Empty: "
       "the embedded SQLite store in the data directory.",
       false, RedisUrl([](Config& c, std::string v) { c.redis_url = std::move(v); })},
      {"CELERY_BROKER_URL", "", "Redis URL of the job queue (broker). Empty: `REDIS_URL`.", false,
       RedisUrl([](Config& c, std::string v) { c.celery_broker_url = std::move(v); })},
      {"CELERY_RESULT_BACKEND", "",
       "Redis URL of task results, progress, sessions and rate limits. Empty: `REDIS_URL` with "
       "database 1, as the spec lays out.",
       false, RedisUrl([](Config& c, std::string v) { c.celery_result_backend = std::move(v); })},
      {"REDIS_MAX_CONNECTIONS", "50", "Connections each Redis pool may open.", false,
       Integer(1, 10'000,
               [](Config& c, int64_t v) { c.redis_max_connections = static_cast<int>(v); })},
      {"REDIS_SOCKET_TIMEOUT", "5", "Seconds a Redis command may take.", false,
       Seconds(std::chrono::milliseconds(100), std::chrono::minutes(10),
               [](Config& c, milliseconds v) { c.redis_socket_timeout = v; })},
      {"REDIS_SOCKET_CONNECT_TIMEOUT", "5", "Seconds a connection to Redis may take to open.",
       false,
       Seconds(std::chrono::milliseconds(100), std::chrono::minutes(10),
               [](Config& c, milliseconds v) { c.redis_socket_connect_timeout = v; })},
      {"VMSG_WORKERS", "2",
       "Worker threads that run queued tasks in `vmsg serve` and `vmsg worker` (0: this "
       "`serve` process runs none).",
       false, Integer(0, 256, [](Config& c, int64_t v) { c.workers = static_cast<int>(v); })},
      {"CELERY_TASK_TIME_LIMIT", "300",
       "Seconds one task may run; then it is stopped at its next cancellation point and fails "
       "with \"time limit exceeded\".",
       false,
       Seconds(std::chrono::seconds(1), std::chrono::hours(24),
               [](Config& c, milliseconds v) { c.celery_task_time_limit = v; })},
      {"CELERY_TASK_TRACK_STARTED", "true", "Record STARTED when a worker takes a task.", false,
       Boolean([](Config& c, bool v) { c.celery_task_track_started = v; })},
      {"VMSG_VISIBILITY_TIMEOUT", "10m",
       "How long a taken task stays reserved; a worker that dies holding it loses it after "
       "this and another worker runs it again. Must exceed CELERY_TASK_TIME_LIMIT.",
       false,
       Seconds(std::chrono::seconds(1), std::chrono::hours(24),
               [](Config& c, milliseconds v) { c.visibility_timeout = v; })},
      {"VMSG_WORKER_PREFETCH", "1",
       "Jobs each worker thread reserves per fetch, as Celery's prefetch multiplier. Keep 1 for "
       "video generation (long tasks); more only for many short tasks.",
       false,
       Integer(1, 64, [](Config& c, int64_t v) { c.worker_prefetch = static_cast<int>(v); })},
      {"VMSG_RATE_LIMIT_GENERATE", "10",
       "Video generations each client address (each API key, when keys are required) may start "
       "per hour; more get 429 with Retry-After.",
       false, Integer(1, 1'000'000, [](Config& c, int64_t v) { c.rate_limit_generate = v; })},
      {"VMSG_RATE_LIMIT_UPLOADS", "60", "Uploads each client address (or API key) may make per hour.", false,
       Integer(1, 1'000'000, [](Config& c, int64_t v) { c.rate_limit_uploads = v; })},
      {"VMSG_RATE_LIMIT_API", "600",
       "Other API calls (status, cancel, progress streams) per client address (or API key) and "
       "hour.",
       false,
       Integer(1, 1'000'000, [](Config& c, int64_t v) { c.rate_limit_api = v; })},
      {"VMSG_STATE_SWEEP_INTERVAL", "60s",
       "How often expired task results, progress, sessions and rate-limit windows are deleted "
       "from `state.sqlite3` (they are already invisible once expired).",
       false,
       Seconds(std::chrono::seconds(1), std::chrono::hours(24),
               [](Config& c, milliseconds v) { c.state_sweep_interval = v; })},
      {"S3_BUCKET", "",
       "S3 bucket for media objects. Empty: the local object store under the data directory.",
       false,
       [](Config& c, std::string_view v) -> Status {
         c.s3_bucket = std::string(v);
         return Status::Ok();
       }},
      {"S3_ENDPOINT_URL", "",
       "S3-compatible endpoint (`http://host:port`). Empty: AWS's endpoint for S3_REGION.", false,
       [](Config& c, std::string_view v) -> Status {
         if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
           return Bad("expected an http:// or https:// URL");
         }
         c.s3_endpoint_url = std::string(v);
         while (c.s3_endpoint_url.ends_with('/')) c.s3_endpoint_url.pop_back();
         return Status::Ok();
       }},
      {"S3_REGION", "ap-northeast-1", "Region the bucket lives in (signs every request).", false,
       [](Config& c, std::string_view v) -> Status {
         if (v.empty()) return Bad("a region is required");
         c.s3_region = std::string(v);
         return Status::Ok();
       }},
      {"AWS_ACCESS_KEY_ID", "", "Access key for S3.", false,
       [](Config& c, std::string_view v) -> Status {
         c.aws_access_key_id = std::string(v);
         return Status::Ok();
       }},
      {"AWS_SECRET_ACCESS_KEY", "", "Secret key for S3.", true,
       [](Config& c, std::string_view v) -> Status {
         c.aws_secret_access_key = std::string(v);
         return Status::Ok();
       }},
      {"S3_ADDRESSING_STYLE", "auto",
       "`path` (`endpoint/bucket/key`), `virtual` (`bucket.endpoint/key`) or `auto` (path with "
       "S3_ENDPOINT_URL, virtual without).",
       false,
       [](Config& c, std::string_view v) -> Status {
         if (v != "auto" && v != "path" && v != "virtual") {
           return Bad("expected auto, path or virtual");
         }
         c.s3_addressing_style = std::string(v);
         return Status::Ok();
       }},
      {"S3_CREATE_BUCKET", "false", "Create the bucket at start-up when it does not exist.", false,
       Boolean([](Config& c, bool v) { c.s3_create_bucket = v; })},
      {"S3_MULTIPART_THRESHOLD", "16MiB",
       "Objects at least this large are uploaded to S3 in parts of this size.", false,
       ByteSize(uint64_t{5} << 20, uint64_t{5} << 30,
                [](Config& c, uint64_t v) { c.s3_multipart_threshold = v; })},
      {"S3_REQUEST_TIMEOUT", "30s", "Time one S3 request may take.", false,
       Seconds(milliseconds(100), std::chrono::hours(1),
               [](Config& c, milliseconds v) { c.s3_request_timeout = v; })},
      {"S3_MAX_RETRIES", "3",
       "Retries, with backoff, of idempotent S3 requests that time out or get a 5xx.", false,
       Integer(0, 20, [](Config& c, int64_t v) { c.s3_max_retries = static_cast<int>(v); })},
      {"VMSG_PRESIGN_EXPIRY", "1h",
       "How long presigned download URLs and upload forms stay valid (at most 7 days, as S3).",
       false,
       Seconds(std::chrono::seconds(1), std::chrono::hours(24 * 7),
               [](Config& c, milliseconds v) { c.presign_expiry = v; })},
      {"VMSG_UPLOAD_MAX_BYTES", "10MiB",
       "Largest file an upload form accepts (its `content-length-range`).", false,
       ByteSize(1, uint64_t{5} << 30, [](Config& c, uint64_t v) { c.upload_max_bytes = v; })},
      {"VMSG_LIFECYCLE_SWEEP_INTERVAL", "1h",
       "How often the local object store applies the lifecycle rules (S3 applies its own).",
       false,
       Seconds(std::chrono::seconds(1), std::chrono::hours(24 * 7),
               [](Config& c, milliseconds v) { c.lifecycle_sweep_interval = v; })},
      {"VMSG_SEGMENTER", "auto",
       "Background removal: `grabcut` (classical, always available), `isnet` (the neural model "
       "installed by scripts/install-isnet-model.sh into VMSG_DATA_DIR/models) or `auto` "
       "(isnet when its model is there).",
       false,
       [](Config& c, std::string_view v) -> Status {
         if (v != "auto" && v != "grabcut" && v != "isnet") {
           return Bad("expected auto, grabcut or isnet");
         }
         c.segmenter = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_CPU_THREADS", "0",
       "Threads for image analysis requested over HTTP (person detection); 0: one per core.",
       false, Integer(0, 256, [](Config& c, int64_t v) { c.cpu_threads = static_cast<int>(v); })},
      {"VMSG_TEXT_MAX_CHARS", "200",
       "Longest message text, in characters after cleaning, that speech accepts "
       "(`text_too_long` beyond).",
       false,
       Integer(1, 1000, [](Config& c, int64_t v) { c.text_max_chars = static_cast<size_t>(v); })},
      {"VMSG_VIDEO_PRESET", "veryfast",
       "x264 preset for the video (ultrafast, superfast, veryfast, faster, fast, medium, slow, "
       "slower, veryslow): slower presets make smaller files for the same quality.",
       false,
       [](Config& c, std::string_view v) -> Status {
         static constexpr std::string_view kPresets[] = {
             "ultrafast", "superfast", "veryfast", "faster", "fast",
             "medium",    "slow",      "slower",   "veryslow"};
         if (std::find(std::begin(kPresets), std::end(kPresets), v) == std::end(kPresets)) {
           return Bad("expected an x264 preset from ultrafast to veryslow");
         }
         c.video_preset = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_VIDEO_CRF", "23",
       "x264 constant rate factor for the video, 0-51: lower is better quality and larger.", false,
       Integer(0, 51, [](Config& c, int64_t v) { c.video_crf = static_cast<int>(v); })},
      {"VMSG_AI_LABEL", "on",
       "Draw a small \"AI\" mark in a corner of every video (`on` or `off`); the metadata "
       "marks stay either way.",
       false, Boolean([](Config& c, bool v) { c.ai_label = v; })},
      {"VMSG_C2PA_CERT", "",
       "PEM certificate chain (signer first) that signs each video's C2PA manifest. Empty, with "
       "`VMSG_C2PA_KEY` empty: a self-signed, untrusted one made at first start in "
       "`<data dir>/c2pa/`.",
       false, OptionalPath([](Config& c, auto p) { c.c2pa_cert = std::move(p); })},
      {"VMSG_C2PA_KEY", "", "PEM private key (P-256) of `VMSG_C2PA_CERT`.", false,
       OptionalPath([](Config& c, auto p) { c.c2pa_key = std::move(p); })},
      {"VMSG_SOUNDFONT", "/usr/share/sounds/sf2/FluidR3_GM.sf2",
       "The General MIDI soundfont the system music is rendered with (Debian's "
       "fluid-soundfont-gm). Without it the system tracks are not seeded (a warning says why).",
       false, Path([](Config& c, auto p) { c.soundfont = std::move(p); })},
      {"VMSG_CACHE_DIR", "auto",
       "Where rendered system music is kept for reuse by any data directory on this machine "
       "(a fresh one then copies instead of rendering): `auto` is $XDG_CACHE_HOME/vmsg or "
       "~/.cache/vmsg, `off` keeps nothing, else a directory.",
       false,
       [](Config& c, std::string_view v) -> Status {
         c.cache_dir = std::string(v);
         return Status::Ok();
       }},
      {"VMSG_LOG_FORMAT", "text", "`text` for people, `json` for one JSON object per line.", false,
       [](Config& c, std::string_view v) -> Status {
         auto f = ParseLogFormat(v);
         if (!f) return Bad("expected text or json");
         c.log_format = *f;
         return Status::Ok();
       }},
      {"VMSG_LOG_LEVEL", "info", "Least severe level logged: debug, info, warning or error.", false,
       [](Config& c, std::string_view v) -> Status {
         auto l = ParseLogLevel(v);
         if (!l) return Bad("expected debug, info, warning or error");
         c.log_level = *l;
         return Status::Ok();
       }},
  };
  return kSettings;
}

const Setting* FindSetting(std::string_view name) {
  for (const Setting& s : Settings()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// "--http-port" <-> "VMSG_HTTP_PORT"; spec names ("REDIS_URL") map to "--redis-url".
std::string FlagToName(std::string_view flag) {
  std::string name;
  for (char ch : flag) name += ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
  if (FindSetting(name) == nullptr && FindSetting("VMSG_" + name) != nullptr) name = "VMSG_" + name;
  return name;
}

std::string NameToFlag(std::string_view name) {
  std::string_view base = name.starts_with("VMSG_") ? name.substr(5) : name;
  std::string flag = "--";
  for (char ch : base) flag += ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
  return flag;
}

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

// Reads KEY=VALUE lines: blank lines and '#' comments skipped, an optional "export "
// prefix, values optionally in single quotes (literal) or double quotes (\n \" \\ escapes).
Result<std::vector<std::pair<std::string, std::string>>> ReadEnvFile(
    const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read env file " + path.string());
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = path.string() + ":" + std::to_string(number);
    std::string text = Trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.starts_with("export ")) text = Trim(text.substr(7));
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(where + ": expected NAME=VALUE, got '" + text + "'");
    }
    std::string key = Trim(text.substr(0, eq));
    std::string value = Trim(text.substr(eq + 1));
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char ch) {
          return std::isupper(static_cast<unsigned char>(ch)) ||
                 std::isdigit(static_cast<unsigned char>(ch)) || ch == '_';
        })) {
      return Status::InvalidArgument(where + ": '" + key + "' is not a setting name");
    }
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      const char quote = value[0];
      std::string unquoted;
      size_t i = 1;
      bool closed = false;
      for (; i < value.size(); ++i) {
        if (value[i] == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) {
          const char next = value[++i];
          unquoted += next == 'n' ? '\n' : next;
        } else {
          unquoted += value[i];
        }
      }
      const std::string after = closed ? Trim(value.substr(i + 1)) : "";
      if (!closed || (!after.empty() && after[0] != '#')) {
        return Status::InvalidArgument(where + ": unterminated or malformed quoted value");
      }
      value = unquoted;
    } else if (const size_t hash = value.find(" #"); hash != std::string::npos) {
      value = Trim(value.substr(0, hash));
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

}  // namespace

std::string RedisUrlWithDb(std::string_view url, int db) {
  const std::string n = std::to_string(db);
  if (url.starts_with("unix://")) {
    std::string base(url.substr(0, url.find('?')));
    return base + "?db=" + n;
  }
  const size_t authority = url.find("://") + 3;
  const size_t slash = url.find('/', authority);
  return std::string(url.substr(0, slash)) + "/" + n;
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {{"GiB", uint64_t{1} << 30},
                                                                     {"MiB", uint64_t{1} << 20},
                                                                     {"KiB", uint64_t{1} << 10},
                                                                     {"B", 1},
                                                                     {"", 1}};
  for (const auto& [suffix, scale] : kUnits) {
    if (!text.ends_with(suffix)) continue;
    std::string_view digits = text.substr(0, text.size() - suffix.size());
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) break;
    if (n > std::numeric_limits<uint64_t>::max() / scale) break;
    return n * scale;
  }
  return Status::InvalidArgument("expected a byte size like 1048576, 64KiB or 10MiB");
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"", 1000}};
  for (const auto& [suffix, scale] : kUnits) {
    if (!text.ends_with(suffix)) continue;
    std::string_view digits = text.substr(0, text.size() - suffix.size());
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || n < 0) {
      continue;  // not this unit; a shorter suffix may still match
    }
    if (n > std::numeric_limits<int64_t>::max() / scale) break;
    return std::chrono::milliseconds(n * scale);
  }
  return Status::InvalidArgument("expected a duration like 30, 30s, 500ms, 5m or 1h");
}

Result<bool> ParseBool(std::string_view text) {
  std::string lower;
  for (char ch : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return Status::InvalidArgument("expected true or false");
}

std::string RedactUrlPassword(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority_start = scheme_end + 3;
  const size_t authority_end = url.find_first_of("/?#", authority_start);
  const std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const std::string_view userinfo = authority.substr(0, at);
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority_start));
  out += userinfo.substr(0, colon);
  out += ":[redacted]";
  out += url.substr(authority_start + at);
  return out;
}

std::string RedactedValue(std::string_view name, std::string_view value) {
  const Setting* s = FindSetting(name);
  if (s != nullptr && s->secret && !value.empty()) return "[redacted]";
  return RedactUrlPassword(value);
}

std::filesystem::path ResolvedCacheDir(const Config& config) {
  if (config.cache_dir == "off") return {};
  if (config.cache_dir != "auto") return config.cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    return std::filesystem::path(xdg) / "vmsg";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    return std::filesystem::path(home) / ".cache" / "vmsg";
  }
  return {};
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  struct Value {
    std::string value;
    std::string source;
  };
  std::map<std::string_view, Value> chosen;
  for (const Setting& s : Settings()) chosen[s.name] = {std::string(s.default_value), "default"};

  if (sources.env_file) {
    const bool exists = std::filesystem::exists(*sources.env_file);
    if (!exists && sources.env_file_explicit) {
      return Status::InvalidArgument("env file " + sources.env_file->string() + " does not exist");
    }
    if (exists) {
      VMSG_ASSIGN_OR_RETURN(auto lines, ReadEnvFile(*sources.env_file));
      for (auto& [key, value] : lines) {
        const Setting* s = FindSetting(key);
        if (s == nullptr) {
          return Status::InvalidArgument(sources.env_file->string() + ": unknown setting " + key +
                                         " (see `vmsg config print` for the list)");
        }
        chosen[s->name] = {value, ".env (" + sources.env_file->string() + ")"};
      }
    }
  }
  for (const auto& [key, value] : sources.environment) {
    if (const Setting* s = FindSetting(key)) chosen[s->name] = {value, "environment"};
  }
  for (size_t i = 0; i < sources.flags.size(); ++i) {
    std::string_view flag = sources.flags[i];
    if (!flag.starts_with("--") || flag.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + std::string(flag) + "'");
    }
    flag.remove_prefix(2);
    std::string value;
    if (const size_t eq = flag.find('='); eq != std::string_view::npos) {
      value = std::string(flag.substr(eq + 1));
      flag = flag.substr(0, eq);
    } else if (i + 1 < sources.flags.size()) {
      value = sources.flags[++i];
    } else {
      return Status::InvalidArgument("flag --" + std::string(flag) + " needs a value");
    }
    const Setting* s = FindSetting(FlagToName(flag));
    if (s == nullptr) {
      return Status::InvalidArgument("unknown flag --" + std::string(flag) +
                                     " (see `vmsg config print` for the settings)");
    }
    chosen[s->name] = {std::move(value), "flag"};
  }

  for (const Setting& s : Settings()) {
    const Value& v = chosen[s.name];
    Status status = s.apply(config, v.value);
    if (!status.ok()) {
      const std::string shown = s.secret ? "[redacted]" : RedactUrlPassword(v.value);
      return Status::InvalidArgument(
          std::string(s.name) + "=\"" + shown + "\" (from " + v.source + "): " + status.message(),
          "invalid_config");
    }
    config.origins.push_back({std::string(s.name), v.value, v.source});
  }
  if (config.visibility_timeout <= config.celery_task_time_limit) {
    return Status::InvalidArgument(
        "VMSG_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT, or tasks still "
        "running would be handed to a second worker",
        "invalid_config");
  }
  if (config.c2pa_cert.empty() != config.c2pa_key.empty()) {
    return Status::InvalidArgument(
        "VMSG_C2PA_CERT and VMSG_C2PA_KEY go together: set both, or neither for a self-signed "
        "signer",
        "invalid_config");
  }
  if (!config.s3_bucket.empty() &&
      (config.aws_access_key_id.empty() || config.aws_secret_access_key.empty())) {
    return Status::InvalidArgument(
        "S3_BUCKET needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to sign its requests",
        "invalid_config");
  }
  if (!config.redis_url.empty()) {
    if (config.celery_broker_url.empty()) config.celery_broker_url = config.redis_url;
    if (config.celery_result_backend.empty()) {
      config.celery_result_backend = RedisUrlWithDb(config.redis_url, 1);
    }
  } else if (!config.celery_broker_url.empty() || !config.celery_result_backend.empty()) {
    return Status::InvalidArgument(
        "CELERY_BROKER_URL and CELERY_RESULT_BACKEND need REDIS_URL as well (or leave all "
        "three empty for the embedded store)",
        "invalid_config");
  }
  return config;
}

ConfigSources SourcesFromProcess(char** envp, std::vector<std::string> flags) {
  ConfigSources sources;
  for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    sources.environment[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  std::vector<std::string> rest;
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i] == "--env-file" && i + 1 < flags.size()) {
      sources.env_file = flags[++i];
      sources.env_file_explicit = true;
    } else if (flags[i].starts_with("--env-file=")) {
      sources.env_file = flags[i].substr(11);
      sources.env_file_explicit = true;
    } else {
      rest.push_back(flags[i]);
    }
  }
  if (!sources.env_file) {
    if (auto it = sources.environment.find("VMSG_ENV_FILE"); it != sources.environment.end()) {
      sources.env_file = it->second;
      sources.env_file_explicit = true;
    } else {
      sources.env_file = ".env";
    }
  }
  sources.flags = std::move(rest);
  return sources;
}

std::string FormatConfig(const Config& config) {
  size_t width = 0;
  for (const auto& o : config.origins) width = std::max(width, o.name.size());
  std::string out;
  for (const auto& o : config.origins) {
    std::string line = o.name + "=" + RedactedValue(o.name, o.value);
    out += line;
    out.append(line.size() < width + 24 ? width + 24 - line.size() : 1, ' ');
    out += "# " + o.source + "\n";
  }
  return out;
}

std::string SettingsMarkdownTable() {
  std::string out = "| Setting | Flag | Default | What it does |\n|---|---|---|---|\n";
  for (const Setting& s : Settings()) {
    out += "| `" + std::string(s.name) + "` | `" + NameToFlag(s.name) + "` | " +
           (s.default_value.empty() ? "(empty)" : "`" + std::string(s.default_value) + "`") +
           " | " + std::string(s.description) + " |\n";
  }
  out +=
      "| `VMSG_ENV_FILE` | `--env-file` | `./.env` (if present) | A file of NAME=VALUE lines "
      "read before the environment; the environment and flags override it. |\n";
  return out;
}

}  // namespace vmsg
