// Upload and download endpoints over the object store:
//   POST /api/uploads/presign   a presigned POST form for one upload (any store)
//   POST /api/uploads           the local store's form-POST endpoint (S3's own with S3)
//   GET  /files/{key...}        the local store's presigned downloads (S3's own with S3)
// The handlers are thin: the store signs and verifies, the multipart parser streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "http/router.h"
#include "objects/local/local_store.h"
#include "objects/object_store.h"

namespace vmsg::api {

// Bytes a form may carry besides the file (fields, framing), on top of the largest upload.
inline constexpr uint64_t kUploadFormOverheadBytes = 256 * 1024;
// Bounds on the non-file fields of an upload form.
inline constexpr size_t kMaxUploadFormFields = 32;
inline constexpr size_t kMaxUploadFieldBytes = 64 * 1024;
inline constexpr size_t kMaxUploadPartHeaderBytes = 8 * 1024;
// The JSON body of a presign request is small.
inline constexpr uint64_t kMaxPresignBodyBytes = 4096;

struct UploadServices {
  objects::ObjectStore* store = nullptr;
  // The local store's URL and form checks; null when objects live on S3, whose own
  // endpoints then serve downloads and uploads (the routes below are not registered).
  objects::LocalObjectStore* local = nullptr;
  IdGenerator* ids = nullptr;
  std::chrono::seconds presign_expiry{3600};
  uint64_t upload_max_bytes = 10 * 1024 * 1024;
};

// The key for an upload of `kind` ("image", "voice", "bgm") with `content_type`, for a new
// upload id:
//   image  images/uploads/{id}/original.{jpg|png|webp}
//   voice  voices/custom/uploads/{id}/reference.{wav|mp3|m4a|ogg|webm}
//   bgm    bgm/user/uploads/{id}/original.{mp3|wav|m4a|ogg}
// InvalidArgument "unknown_upload_kind" or "unsupported_content_type".
Result<std::string> UploadKeyFor(std::string_view kind, std::string_view content_type,
                                 std::string_view upload_id);

// Registers the routes. The services must outlive the router.
void AddUploadRoutes(http::Router& router, UploadServices services);

}  // namespace vmsg::api
