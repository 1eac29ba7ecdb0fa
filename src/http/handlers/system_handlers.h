// Operational endpoints: GET /health and GET /api/openapi.json.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "http/router.h"

namespace vmsg::http {

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
void AddHealthRoute(Router& router, const HealthChecks& checks, ServiceInfo info);

// GET /api/openapi.json: an OpenAPI 3.1 document generated from `router`'s routes
// (including those registered after this call).
void AddOpenApiRoute(Router& router, std::string version);

// The OpenAPI document itself (for tests and `vmsg openapi`).
vmsg::Json OpenApiDocument(const Router& router, const std::string& version);

}  // namespace vmsg::http
