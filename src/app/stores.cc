// Opening the configured object store, with the start-up checks of an S3 bucket.
#include "app/stores.h"

#include "objects/s3/s3_store.h"
#include "state/redis/redis_state.h"
#include "state/sqlite/sqlite_state.h"

namespace vmsg {
namespace {

std::string DescribeRule(const objects::LifecycleRule& r) {
  std::string out = r.id + " (" + r.prefix;
  if (r.expiration_days > 0) out += ", expire " + std::to_string(r.expiration_days) + " d";
  if (r.transition_days > 0) {
    out += ", " + r.transition_storage_class + " after " + std::to_string(r.transition_days) + " d";
  }
  return out + ")";
}

bool SameRule(const objects::LifecycleRule& a, const objects::LifecycleRule& b) {
  return a.id == b.id && a.prefix == b.prefix && a.expiration_days == b.expiration_days &&
         a.transition_days == b.transition_days &&
         (a.transition_days == 0 || a.transition_storage_class == b.transition_storage_class);
}

// The S3 client's options from the S3_* settings.
Result<objects::S3Options> S3OptionsFor(const Config& c) {
  VMSG_ASSIGN_OR_RETURN(
      const bool path_style,
      objects::S3UsePathStyle(c.s3_addressing_style, c.s3_endpoint_url, c.s3_bucket));
  return objects::S3Options{.endpoint = c.s3_endpoint_url,
                            .region = c.s3_region,
                            .bucket = c.s3_bucket,
                            .access_key = c.aws_access_key_id,
                            .secret_key = c.aws_secret_access_key,
                            .path_style = path_style,
                            .create_bucket = c.s3_create_bucket,
                            .multipart_threshold = c.s3_multipart_threshold,
                            .request_timeout = c.s3_request_timeout,
                            .max_retries = c.s3_max_retries};
}

// Reads the bucket's lifecycle configuration back and checks that every spec rule is there
// as given; returns "lifecycle rules <the rules found>".
Result<std::string> VerifyS3Lifecycle(const Config& c, const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(const objects::S3Options s3_options, S3OptionsFor(c));
  Result<std::vector<objects::LifecycleRule>> found =
      objects::GetS3BucketLifecycle(s3_options, clock);
  if (!found.ok()) {
    return found.status().WithContext("S3_BUCKET=" + c.s3_bucket +
                                      ": reading back its lifecycle rules");
  }
  std::string described;
  for (const objects::LifecycleRule& r : *found) {
    described += (described.empty() ? "" : "; ") + DescribeRule(r);
  }
  for (const objects::LifecycleRule& want : objects::SpecLifecycleRules()) {
    bool present = false;
    for (const objects::LifecycleRule& r : *found) present = present || SameRule(r, want);
    if (!present) {
      return Status::FailedPrecondition("S3_BUCKET=" + c.s3_bucket + ": lifecycle rule " +
                                            DescribeRule(want) +
                                            " is missing after applying it; the bucket has: " +
                                            (described.empty() ? "none" : described),
                                        "bucket_lifecycle");
    }
  }
  return "lifecycle rules " + described;
}

}  // namespace

Result<OpenedObjectStore> OpenObjectStore(const Config& c, const Clock& clock) {
  OpenedObjectStore opened;
  if (!c.s3_bucket.empty()) {
    VMSG_ASSIGN_OR_RETURN(const objects::S3Options s3_options, S3OptionsFor(c));
    // Checks the bucket (creating it when S3_CREATE_BUCKET says so).
    auto s3 = objects::NewS3ObjectStore(s3_options, clock);
    if (!s3.ok()) return s3.status().WithContext("S3_BUCKET=" + c.s3_bucket);
    // The spec keeps every version of every object.
    Status versioned = objects::EnableS3BucketVersioning(s3_options, clock);
    if (!versioned.ok()) {
      return versioned.WithContext("S3_BUCKET=" + c.s3_bucket + ": enabling versioning");
    }
    Result<std::string> versioning = objects::GetS3BucketVersioning(s3_options, clock);
    if (!versioning.ok()) {
      return versioning.status().WithContext("S3_BUCKET=" + c.s3_bucket +
                                             ": reading back its versioning");
    }
    if (*versioning != "Enabled") {
      return Status::FailedPrecondition(
          "S3_BUCKET=" + c.s3_bucket + ": versioning reads back as \"" + *versioning +
              "\" after enabling it (the spec keeps every version; does the store support it?)",
          "bucket_versioning");
    }
    opened.checked = "versioning " + *versioning;
    opened.store = std::move(*s3);
  } else {
    VMSG_ASSIGN_OR_RETURN(auto local, objects::NewLocalObjectStore(
                                          {.root = c.data_dir / "objects",
                                           .cold_dir = c.data_dir / "cold",
                                           .secret_path = c.data_dir / "object_store.secret"},
                                          clock));
    opened.local = local.get();
    opened.store = std::move(local);
  }
  Status rules = opened.store->ApplyLifecycle(objects::SpecLifecycleRules());
  if (!rules.ok()) {
    return rules.WithContext(
        (c.s3_bucket.empty() ? std::string("local store") : "S3_BUCKET=" + c.s3_bucket) +
        ": applying the lifecycle rules");
  }
  if (opened.local == nullptr) {
    VMSG_ASSIGN_OR_RETURN(std::string lifecycle, VerifyS3Lifecycle(c, clock));
    opened.checked += ", " + lifecycle;
  }
  return opened;
}

std::filesystem::path StateDatabasePath(const Config& config) {
  return config.data_dir / "state.sqlite3";
}

Result<state::StateBackend> OpenStateBackend(const Config& config, const Clock& clock,
                                             int max_connections) {
  if (config.redis_url.empty()) {
    return state::NewSqliteBackend({.path = StateDatabasePath(config)}, clock);
  }
  auto redis = [&config, max_connections](const std::string& url) {
    return state::RedisOptions{.url = url,
                               .max_connections = max_connections,
                               .socket_timeout = config.redis_socket_timeout,
                               .connect_timeout = config.redis_socket_connect_timeout};
  };
  return state::NewRedisBackend(redis(config.celery_result_backend),
                                redis(config.celery_broker_url), clock);
}

}  // namespace vmsg
