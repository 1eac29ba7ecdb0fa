// The S3 backend of ObjectStore: any S3-compatible service over libcurl, signed with our own
// SigV4 (s3/sigv4.h), S3's XML read with pugixml.
//
// Supported: single PUT, multipart upload at or above a threshold (streamed from the file,
// aborted on failure), GET streamed with Range, HEAD, DELETE, ListObjectsV2 with
// continuation tokens, presigned GET URLs, presigned POST forms (key exact or prefix,
// Content-Type exact, content-length-range), the bucket lifecycle configuration (Expiration
// and Transition in days, Filter/Prefix), bucket versioning, bucket check and creation,
// path-style and virtual-hosted addressing, http and https endpoints, static access keys.
// Idempotent calls (whole-object GET/HEAD/PUT/DELETE, list, bucket configuration) are
// retried with exponential backoff and full jitter on retryable errors; multipart steps and
// the bucket creation are not.
//
// Not supported: session tokens (STS), SSE-KMS/SSE-C, checksums other than SHA-256 and
// Content-MD5, object ACLs (objects stay private; nothing here ever sets public-read),
// endpoints with a path prefix, aws-chunked streaming signatures (large bodies are sent
// with UNSIGNED-PAYLOAD, which S3 accepts over both http and https), version-aware reads.
// Put of in-memory bytes is always one PUT (S3 takes up to 5 GiB that way); only PutFile
// goes multipart.
//
// Versioning (the spec's backup advice) means Delete and lifecycle Expiration leave delete
// markers: the old bytes stay as noncurrent versions until a NoncurrentVersionExpiration
// rule removes them, and the spec's four rules have none.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "objects/object_store.h"

namespace vmsg::objects {

// The smallest part S3 accepts in a multipart upload (but the last).
inline constexpr uint64_t kS3MinPartBytes = 5 * 1024 * 1024;
// S3's limit on parts per upload.
inline constexpr uint64_t kS3MaxParts = 10000;

struct S3Options {
  // "https://s3.eu-west-1.amazonaws.com" or "http://127.0.0.1:9000"; empty: AWS's
  // regional endpoint for `region`.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;
  std::string access_key;
  std::string secret_key;
  // true: http(s)://host/bucket/key; false: http(s)://bucket.host/key.
  bool path_style = true;
  // Create the bucket (private, versioning enabled) when it does not exist.
  bool create_bucket = false;
  // Files of at least this many bytes go up as multipart uploads; parts are this size, but
  // never below kS3MinPartBytes nor so small that an upload needs more than kS3MaxParts.
  uint64_t multipart_threshold = 64 * 1024 * 1024;
  // For one HTTP request; a stalled transfer fails with DeadlineExceeded.
  std::chrono::milliseconds request_timeout{30000};
  // Retries after the first try of an idempotent call.
  int max_retries = 3;
};

// Resolves S3_ADDRESSING_STYLE: "path" and "virtual" say it; "auto" takes path-style for a
// custom endpoint (MinIO, moto, Ceph rarely have wildcard DNS) and for bucket names that
// cannot be a DNS label under TLS (dots, upper case, underscores), virtual-hosted for AWS
// otherwise (AWS is retiring path-style). InvalidArgument for any other style.
Result<bool> S3UsePathStyle(std::string_view addressing_style, std::string_view endpoint,
                            std::string_view bucket);

// Checks the bucket (HEAD), creating it when absent and `options.create_bucket`. NotFound
// when it is absent and may not be created; PermissionDenied for rejected credentials;
// Unavailable when the endpoint cannot be reached. The store is thread-safe; `clock` (the
// signing time) must outlive it.
Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3Options& options, const Clock& clock);

// The bucket's lifecycle rules as S3 reports them (GetBucketLifecycleConfiguration), in the
// order given; NotFound when the bucket has none. For tests and diagnostics.
Result<std::vector<LifecycleRule>> GetS3BucketLifecycle(const S3Options& options,
                                                        const Clock& clock);
// "Enabled", "Suspended" or "" (never enabled): GetBucketVersioning.
Result<std::string> GetS3BucketVersioning(const S3Options& options, const Clock& clock);
// PutBucketVersioning Enabled (also done when the store creates the bucket).
Status EnableS3BucketVersioning(const S3Options& options, const Clock& clock);

}  // namespace vmsg::objects
