// The local object store: the embedded default backend of ObjectStore, keeping objects as
// plain files under a directory of the data dir, and offering the same presigned download
// URLs and upload forms as S3 on vmsg's own HTTP endpoints (GET /files/..., POST
// /api/uploads), whose handlers call VerifyGetUrl and VerifyPostUpload here.
//
// Layout (every name starting with ".vmsg-" is the store's own; keys whose segments start
// with it are refused, so no key can collide with them):
//   <root>/<key>                          the object's bytes
//   <root>/<dir>/.vmsg-meta.<name>        its metadata sidecar (JSON: content type, ETag,
//                                         write time, size and the data file's inode)
//   <root>/<dir>/.vmsg-tmp-<random>       a write in progress (renamed into place at the end)
//   <cold_dir>/...                        the same layout for objects moved by a transition
//                                         rule; they stay readable through every method
//   <secret_path>                         32 random bytes (mode 0600) that sign URLs and forms
// A write goes to a temporary file in the key's directory, is fsynced, renamed over the old
// object and the directory fsynced, so readers see the old or the new bytes, never a mix.
// The sidecar is renamed in after the data; a reader that finds a sidecar naming another
// inode than the file it opened (an overwrite in between) reads both again.
// A file system cannot hold both "a" and "a/b" as files: such a second Put fails with
// FailedPrecondition "key_conflict" (S3 allows it).
//
// Presigned GET: <base>/files/<key, URI-encoded>?expires=<unix seconds>&signature=<hex>,
// signature = HMAC-SHA256(secret, "GET\n" + key + "\n" + expires).
// Presigned POST: fields key, Content-Type (when the policy names one), policy (base64 of
// S3's policy JSON: {"expiration": ISO 8601, "conditions": [...]}) and x-vmsg-signature
// (hex HMAC-SHA256(secret, policy as sent)); url <base>/api/uploads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/env.h"
#include "objects/object_store.h"

namespace vmsg::objects {

// The form field carrying the policy's signature.
inline constexpr std::string_view kPostSignatureField = "x-vmsg-signature";
// Bytes of the signing secret.
inline constexpr size_t kLocalSecretBytes = 32;
// The local store keeps each key segment short enough for its sidecar's file name.
inline constexpr size_t kLocalMaxSegmentBytes = 240;
// Longest validity of a presigned URL or form, as S3's SigV4 allows.
inline constexpr std::chrono::seconds kMaxPresignExpiry{7 * 24 * 3600};

struct LocalStoreOptions {
  std::filesystem::path root;         // objects at root/<key>
  std::filesystem::path cold_dir;     // where transitions move objects
  std::filesystem::path secret_path;  // created on first start
  // Prepended to the URL paths below: "" for URLs relative to the page's origin, or e.g.
  // "http://127.0.0.1:8080".
  std::string public_base_url;
  std::string files_path = "/files/";
  std::string upload_path = "/api/uploads";
  // Where objects are written (null: Env::Default()); the disk-fault tests wrap it.
  Env* env = nullptr;
};

// A verified download: the file to send (opened by the caller; it may be replaced by a
// concurrent overwrite, which the caller must tolerate) and the object's metadata.
struct VerifiedDownload {
  std::filesystem::path file;
  ObjectInfo info;
};

// One accepted form upload in progress: bytes go to a temporary file that only Commit
// turns into the object. Destroying it uncommitted leaves nothing behind.
class PostUpload {
 public:
  virtual ~PostUpload() = default;
  // The key the object will have (after ${filename} substitution).
  virtual const std::string& key() const = 0;
  // Appends bytes. InvalidArgument "entity_too_large" as soon as the total passes the
  // policy's content-length-range.
  virtual Status Write(std::string_view data) = 0;
  // InvalidArgument "entity_too_small" below the range; otherwise stores the object.
  virtual Result<ObjectInfo> Commit() = 0;
};

struct SweepStats {
  int64_t expired = 0;
  int64_t transitioned = 0;
};

class LocalObjectStore : public ObjectStore {
 public:
  // Checks a presigned GET URL's parts (the key already percent-decoded). PermissionDenied
  // "signature_mismatch" or "url_expired"; NotFound when the object is gone.
  virtual Result<VerifiedDownload> VerifyGetUrl(std::string_view key, std::string_view expires,
                                                std::string_view signature) = 0;

  // Checks a form's fields (those before the file, in order) as S3 does: the signature, the
  // expiration, that every condition holds and that every field but policy, the signature,
  // file and x-ignore-* is named by a condition. `filename` replaces "${filename}" in the
  // key. Errors: InvalidArgument ("missing_field", "malformed_policy", "duplicate_field",
  // "invalid_object_key") and PermissionDenied ("signature_mismatch", "policy_expired",
  // "policy_condition_failed").
  virtual Result<std::unique_ptr<PostUpload>> VerifyPostUpload(
      const std::vector<std::pair<std::string, std::string>>& fields,
      std::string_view filename) = 0;

  // Signs a policy document: {policy (base64), signature (hex)}. PresignPost uses it; tests
  // use it to build forms with conditions of their own.
  virtual std::pair<std::string, std::string> SignPolicy(std::string_view policy_json) const = 0;

  // Applies the rules given to ApplyLifecycle as of `now`: deletes expired objects and moves
  // objects past a transition into the cold directory. An object becomes eligible at the
  // first midnight UTC after its write time plus the rule's days, as on S3.
  virtual Result<SweepStats> Sweep(TimePoint now) = 0;
};

// The first midnight UTC strictly after `written + days` (S3's lifecycle day counting).
TimePoint LifecycleDueTime(TimePoint written, int days);

// Creates the directories and the secret as needed. FailedPrecondition when the secret file
// has permissions wider than 0600 or is not kLocalSecretBytes long.
Result<std::unique_ptr<LocalObjectStore>> NewLocalObjectStore(LocalStoreOptions options,
                                                              const Clock& clock);

}  // namespace vmsg::objects
