// Operational endpoints: GET /health, GET /api/openapi.json and GET /api/config.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "http/router.h"

namespace vmsg::api {

// Named health checks; each later subsystem (state store, object store, catalogs) adds
// its own. Thread-safe.
class HealthChecks {
 public:
  struct Check {
    bool healthy = true;
    vmsg::Json details = vmsg::Json::object();  // shown under the check's name
  };
  using Probe = std::function<Check()>;

  void Add(std::string name, Probe probe);

  // Runs every probe: {"status": "ok"|"degraded", "checks": {name: {status, ...}}}.
  vmsg::Json Run(bool& all_healthy) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Probe>> probes_;  // GUARDED_BY(mutex_)
};

struct ServiceInfo {
  std::string version;
  TimePoint started_at;
  const Clock* clock = nullptr;
};

// GET /health: 200 when every check is healthy, 503 otherwise; always JSON.
void AddHealthRoute(http::Router& router, const HealthChecks& checks, ServiceInfo info);

// GET /api/openapi.json: an OpenAPI 3.1 document generated from `router`'s routes
// (including those registered after this call).
void AddOpenApiRoute(http::Router& router, std::string version);

// The limits a client needs to know before it sends anything; every value is public.
struct PublicLimits {
  size_t text_max_chars = 0;          // VMSG_TEXT_MAX_CHARS
  uint64_t upload_max_bytes = 0;      // VMSG_UPLOAD_MAX_BYTES (presigned upload forms)
  uint64_t image_max_bytes = 0;       // the photo limit of the detect endpoint
  size_t voice_max_files = 0;         // recordings per custom voice
  uint64_t voice_max_file_bytes = 0;  // each recording
  double voice_min_seconds = 0;       // speech in all recordings, after trimming
  double voice_max_seconds = 0;
  bool api_key_required = false;  // VMSG_API_KEYS_REQUIRED: the page asks for a key
  bool consent_required = false;  // VMSG_REQUIRE_CONSENT: generate needs consent: true
};

// GET /api/config: {text_max_chars, upload_max_bytes, image_max_bytes, voice_recording:
// {max_files, max_file_bytes, min_seconds, max_seconds}, languages, formats,
// api_key_required, consent_required}, so the web UI counts and checks against the server's
// own limits. Not rate limited (as /health), and open without an API key.
void AddPublicConfigRoute(http::Router& router, PublicLimits limits);

// The OpenAPI document itself (for tests and `vmsg openapi`).
vmsg::Json OpenApiDocument(const http::Router& router, const std::string& version);

}  // namespace vmsg::api
