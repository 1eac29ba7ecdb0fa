#include "app/stores.h"

#include "blob/s3_store.h"

namespace vmsg {

Result<OpenedObjectStore> OpenObjectStore(const Config& c, const Clock& clock) {
  OpenedObjectStore opened;
  if (!c.s3_bucket.empty()) {
    VMSG_ASSIGN_OR_RETURN(
        const bool path_style,
        blob::S3UsePathStyle(c.s3_addressing_style, c.s3_endpoint_url, c.s3_bucket));
    const blob::S3Options s3_options{.endpoint = c.s3_endpoint_url,
                                     .region = c.s3_region,
                                     .bucket = c.s3_bucket,
                                     .access_key = c.aws_access_key_id,
                                     .secret_key = c.aws_secret_access_key,
                                     .path_style = path_style,
                                     .create_bucket = c.s3_create_bucket,
                                     .multipart_threshold = c.s3_multipart_threshold,
                                     .request_timeout = c.s3_request_timeout,
                                     .max_retries = c.s3_max_retries};
    // Checks the bucket (creating it when S3_CREATE_BUCKET says so).
    auto s3 = blob::NewS3ObjectStore(s3_options, clock);
    if (!s3.ok()) return s3.status().WithContext("S3_BUCKET=" + c.s3_bucket);
    // The spec keeps every version of every object.
    Status versioned = blob::EnableS3BucketVersioning(s3_options, clock);
    if (!versioned.ok()) {
      return versioned.WithContext("S3_BUCKET=" + c.s3_bucket + ": enabling versioning");
    }
    opened.store = std::move(*s3);
  } else {
    VMSG_ASSIGN_OR_RETURN(
        auto local, blob::NewLocalObjectStore({.root = c.data_dir / "objects",
                                               .cold_dir = c.data_dir / "cold",
                                               .secret_path = c.data_dir / "object_store.secret"},
                                              clock));
    opened.local = local.get();
    opened.store = std::move(local);
  }
  Status rules = opened.store->ApplyLifecycle(blob::SpecLifecycleRules());
  if (!rules.ok()) return rules.WithContext("applying the lifecycle rules");
  return opened;
}

}  // namespace vmsg
