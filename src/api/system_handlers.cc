// Health, OpenAPI and public-limits handlers.
#include "api/system_handlers.h"

#include "image/output_format.h"

namespace vmsg::api {

void HealthChecks::Add(std::string name, Probe probe) {
  std::lock_guard lock(mutex_);
  probes_.emplace_back(std::move(name), std::move(probe));
}

vmsg::Json HealthChecks::Run(bool& all_healthy) const {
  std::vector<std::pair<std::string, Probe>> probes;
  {
    std::lock_guard lock(mutex_);
    probes = probes_;
  }
  all_healthy = true;
  vmsg::Json checks = vmsg::Json::object();
  for (const auto& [name, probe] : probes) {
    Check c = probe();
    vmsg::Json entry = c.details.is_object() ? c.details : vmsg::Json::object();
    entry["status"] = c.healthy ? "healthy" : "unhealthy";
    checks[name] = entry;
    all_healthy = all_healthy && c.healthy;
  }
  return {{"status", all_healthy ? "ok" : "degraded"}, {"checks", checks}};
}

void AddHealthRoute(http::Router& router, const HealthChecks& checks, ServiceInfo info) {
  http::RouteOptions options;
  options.max_body_bytes = 0;
  options.doc.summary = "Service health";
  options.doc.tags = {"operations"};
  options.doc.description =
      "Runs every component's health check. 200 when all are healthy, 503 otherwise.";
  options.doc.responses = {{"200", {{"description", "All components healthy"}}},
                           {"503", {{"description", "At least one component is unhealthy"}}}};
  router.Add("GET", "/health", http::Sync([&checks, info](http::Request&) {
               bool healthy = false;
               vmsg::Json body = checks.Run(healthy);
               body["version"] = info.version;
               const TimePoint now = info.clock->Now();
               body["time"] = FormatIso8601(now);
               body["uptime_seconds"] =
                   std::chrono::duration_cast<std::chrono::seconds>(now - info.started_at).count();
               return http::Response::Json(healthy ? 200 : 503, body);
             }),
             std::move(options));
}

vmsg::Json OpenApiDocument(const http::Router& router, const std::string& version) {
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "vmsg"},
        {"version", version},
        {"description",
         "Self-hosted video message generator: upload a photo, type a message, pick a voice and "
         "music, get a talking-photo MP4."}}},
      {"paths", router.OpenApiPaths()},
      {"components",
       {{"schemas",
         {{"Problem",
           {{"type", "object"},
            {"description", "RFC 9457 problem details with a stable machine-readable code"},
            {"required", {"type", "title", "status", "code"}},
            {"properties",
             {{"type", {{"type", "string"}}},
              {"title", {{"type", "string"}}},
              {"status", {{"type", "integer"}}},
              {"detail", {{"type", "string"}}},
              {"code", {{"type", "string"}}},
              {"request_id", {{"type", "string"}}}}}}}}}}},
  };
}

void AddOpenApiRoute(http::Router& router, std::string version) {
  http::RouteOptions options;
  options.max_body_bytes = 0;
  options.open_without_api_key = true;
  options.doc.summary = "This API's OpenAPI 3.1 document";
  options.doc.tags = {"operations"};
  const http::Router* self = &router;
  router.Add("GET", "/api/openapi.json",
             http::Sync([self, version = std::move(version)](http::Request&) {
               return http::Response::Json(200, OpenApiDocument(*self, version));
             }),
             std::move(options));
}

void AddPublicConfigRoute(http::Router& router, PublicLimits limits) {
  http::RouteOptions options;
  options.max_body_bytes = 0;
  options.open_without_api_key = true;
  options.doc.summary = "The public limits a client checks against";
  options.doc.tags = {"operations"};
  options.doc.description =
      "{text_max_chars, upload_max_bytes, image_max_bytes, voice_recording: {max_files, "
      "max_file_bytes, min_seconds, max_seconds}, languages, formats: [{id, width, height, "
      "default}], api_key_required, consent_required}: the message length (VMSG_TEXT_MAX_CHARS), "
      "the presigned upload limit "
      "(VMSG_UPLOAD_MAX_BYTES), the photo limit of /api/person-detection/detect, the "
      "custom-voice recording limits, the video formats a generation's `format` takes, whether "
      "every other /api/ route needs 'Authorization: Bearer KEY' (VMSG_API_KEYS_REQUIRED) and "
      "whether a generation needs `consent: true` (VMSG_REQUIRE_CONSENT).";
  vmsg::Json formats = vmsg::Json::array();
  for (const image::FormatSpec& f : image::kOutputFormats) {
    formats.push_back({{"id", std::string(f.name)},
                       {"width", f.width},
                       {"height", f.height},
                       {"default", f.name == image::FormatName(image::OutputFormat::kPortrait)}});
  }
  const vmsg::Json body = {{"text_max_chars", limits.text_max_chars},
                           {"upload_max_bytes", limits.upload_max_bytes},
                           {"image_max_bytes", limits.image_max_bytes},
                           {"voice_recording",
                            {{"max_files", limits.voice_max_files},
                             {"max_file_bytes", limits.voice_max_file_bytes},
                             {"min_seconds", limits.voice_min_seconds},
                             {"max_seconds", limits.voice_max_seconds}}},
                           {"languages", {"ja", "en"}},
                           {"formats", std::move(formats)},
                           {"api_key_required", limits.api_key_required},
                           {"consent_required", limits.consent_required}};
  router.Add("GET", "/api/config",
             http::Sync([body](http::Request&) { return http::Response::Json(200, body); }),
             std::move(options));
}

}  // namespace vmsg::api
