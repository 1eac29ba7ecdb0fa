// ObjectStore: where media objects live, under the spec's S3 key layout. Two backends pass
// one conformance suite: LocalObjectStore (data/objects/<key>, the embedded default) and
// S3ObjectStore (any S3-compatible service, our own SigV4). Nothing above this interface
// knows which one it talks to: downloads and uploads go through presigned URLs and forms
// that both stores issue in the same shape.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vmsg::objects {

using TimePoint = std::chrono::system_clock::time_point;

// Keys are at most this many bytes of UTF-8, as on S3.
inline constexpr size_t kMaxKeyBytes = 1024;

// OK when `key` can name an object in both stores: non-empty, at most kMaxKeyBytes, valid
// UTF-8, relative, no NUL or control characters, no backslash, no empty, "." or ".."
// segment, not ending in '/'. Every store checks every key with this before using it.
Status ValidateKey(std::string_view key);

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  TimePoint last_modified;
  std::string etag;          // quoted, as S3 sends it
  std::string content_type;  // empty when unknown
};

// An inclusive byte range, as in HTTP's "bytes=first-last". `last` absent: to the end.
struct ByteRange {
  uint64_t first = 0;
  std::optional<uint64_t> last;
};

struct PutOptions {
  std::string content_type = "application/octet-stream";
};

// Receives an object's bytes in order; a non-OK status stops the transfer and is returned.
using ChunkSink = std::function<Status(std::string_view chunk)>;

struct ListPage {
  std::vector<ObjectInfo> objects;  // in key order (UTF-8 binary order, as S3)
  std::string next_token;           // empty: this was the last page
};

// What a presigned POST form allows: the same semantics on both stores.
struct PostPolicy {
  // Exactly one of these: the key the upload must have, or a prefix it must start with.
  std::string key;
  std::string key_prefix;
  // The Content-Type the form must carry (exact), or empty for any.
  std::string content_type;
  uint64_t min_bytes = 0;
  uint64_t max_bytes = 10 * 1024 * 1024;
  std::chrono::seconds expires_in{3600};
};

// A browser uploads by POSTing multipart/form-data to `url` with `fields` (in order) and
// then the `file` field last.
struct PresignedPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string object_key;  // the key, or the prefix when the policy names one
  TimePoint expires_at;
};

// One lifecycle rule in S3's sense, for objects under `prefix`.
struct LifecycleRule {
  std::string id;
  std::string prefix;
  int expiration_days = 0;               // 0: never expires
  int transition_days = 0;               // 0: no transition
  std::string transition_storage_class;  // e.g. "GLACIER"; the local store moves to "cold/"
};

// The spec's four rules: images/uploads/ and voices/generated/ expire after 7 days, videos/
// after 30, voices/custom/ go to cold storage after 90.
const std::vector<LifecycleRule>& SpecLifecycleRules();

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "local" or "s3", for logs and /health.
  virtual std::string_view Name() const = 0;

  // Writes the whole object, replacing any object of the same key atomically: a reader sees
  // the old bytes or the new ones, never a mix.
  virtual Status Put(std::string_view key, std::string_view data, const PutOptions& options) = 0;
  // The same from a file, streamed (large files are never read into memory whole).
  virtual Status PutFile(std::string_view key, const std::filesystem::path& file,
                         const PutOptions& options) = 0;

  // Streams the object (or `range` of it) to `sink` and returns its metadata (size is the
  // whole object's). NotFound when absent; InvalidArgument with reason "range_not_satisfiable"
  // when the range starts past the end.
  virtual Result<ObjectInfo> Get(std::string_view key, const ChunkSink& sink,
                                 std::optional<ByteRange> range = std::nullopt) = 0;

  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // Deleting an absent key is OK, as on S3.
  virtual Status Delete(std::string_view key) = 0;

  // Up to `max_keys` objects whose keys start with `prefix`, after `continuation_token`
  // (empty for the first page).
  virtual Result<ListPage> List(std::string_view prefix, std::string_view continuation_token,
                                int max_keys = 1000) = 0;

  // A URL that downloads the object without credentials until `expires_in` has passed.
  virtual Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) = 0;

  // A form a browser can POST a file with, under `policy`.
  virtual Result<PresignedPost> PresignPost(const PostPolicy& policy) = 0;

  // S3: puts the rules as the bucket's lifecycle configuration. Local: the rules the
  // sweeper enforces from then on.
  virtual Status ApplyLifecycle(const std::vector<LifecycleRule>& rules) = 0;

  // OK when the store can be used now (for /health); cheap.
  virtual Status CheckReachable() = 0;

  // Conveniences over Get.
  Result<std::string> GetBytes(std::string_view key, std::optional<ByteRange> range = std::nullopt);
  Status GetToFile(std::string_view key, const std::filesystem::path& file);
  // Head that maps NotFound to false.
  Result<bool> Exists(std::string_view key);
};

}  // namespace vmsg::objects
