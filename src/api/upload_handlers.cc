// Presigned upload forms, the local store's form-POST endpoint and its signed downloads.
#include "api/upload_handlers.h"

#include <algorithm>
#include <array>

#include "api/static_handler.h"
#include "base/crypto.h"
#include "base/xml.h"
#include "generate/generate_args.h"
#include "http/multipart.h"
#include "http/multipart_body.h"
#include "http/static_files.h"
#include "image/image_io.h"
#include "objects/keys.h"

namespace vmsg::api {
namespace {

// Presigned downloads are private and short-lived: no shared cache keeps them.
constexpr std::string_view kDownloadCacheControl = "private, no-store";

struct TypeExtension {
  std::string_view content_type;
  std::string_view extension;
};

struct KindLayout {
  std::string_view kind;
  std::string_view prefix;  // followed by the upload id
  std::string_view name;    // followed by '.' and the extension
  std::vector<TypeExtension> types;
};

const std::vector<KindLayout>& Layouts() {
  static const std::vector<KindLayout> kLayouts = {
      {"image",
       keys::kImageUploads,
       "original",
       {{"image/jpeg", "jpg"}, {"image/png", "png"}, {"image/webp", "webp"}}},
      {"voice",
       keys::kVoiceUploads,
       "reference",
       {{"audio/wav", "wav"},
        {"audio/x-wav", "wav"},
        {"audio/wave", "wav"},
        {"audio/mpeg", "mp3"},
        {"audio/mp4", "m4a"},
        {"audio/ogg", "ogg"},
        {"audio/webm", "webm"}}},
      {"bgm",
       keys::kBgmUploads,
       "original",
       {{"audio/mpeg", "mp3"},
        {"audio/wav", "wav"},
        {"audio/x-wav", "wav"},
        {"audio/mp4", "m4a"},
        {"audio/ogg", "ogg"}}},
  };
  return kLayouts;
}

boost::asio::awaitable<http::Response> Presign(UploadServices s, http::Request& request) {
  Result<std::string> body = co_await http::ReadAll(request);
  if (!body.ok()) co_return http::ProblemFromStatus(body.status(), request.request_id);
  Result<Json> json = ParseJson(*body);
  if (!json.ok()) co_return http::ProblemFromStatus(json.status(), request.request_id);
  Result<std::string> kind = GetString(*json, "kind");
  Result<std::string> content_type = GetString(*json, "content_type");
  if (!kind.ok() || !content_type.ok()) {
    co_return http::ProblemResponse(400, "invalid_request",
                                    "the body is {\"kind\": \"image\"|\"voice\"|\"bgm\", "
                                    "\"content_type\": \"...\"}",
                                    request.request_id);
  }
  const std::string upload_id = s.ids->NewUuid();
  Result<std::string> key = UploadKeyFor(*kind, *content_type, upload_id);
  if (!key.ok()) co_return http::ProblemFromStatus(key.status(), request.request_id);
  // A photo larger than the detect endpoint and the pipeline take is refused by the store
  // itself, while it streams, rather than after the whole upload.
  const uint64_t max_bytes = *kind == "image"
                                 ? std::min<uint64_t>(s.upload_max_bytes, image::kMaxUploadBytes)
                                 : s.upload_max_bytes;
  Result<objects::PresignedPost> post = s.store->PresignPost({.key = *key,
                                                              .content_type = *content_type,
                                                              .min_bytes = 0,
                                                              .max_bytes = max_bytes,
                                                              .expires_in = s.presign_expiry});
  if (!post.ok()) co_return http::ProblemFromStatus(post.status(), request.request_id);
  Json fields = Json::object();
  for (const auto& [name, value] : post->fields) fields[name] = value;
  const Json answer = {{"url", post->url},
                       {"fields", fields},
                       {"object_key", post->object_key},
                       {"upload_id", upload_id},
                       {"max_bytes", max_bytes},
                       {"expires_at", FormatIso8601(post->expires_at)}};
  co_return http::Response::Json(200, answer);
}

// Collects the fields before the file and streams the file into the store's upload.
class FormReceiver final : public http::MultipartHandler {
 public:
  explicit FormReceiver(objects::LocalObjectStore& store) : store_(store) {}

  Status OnPartBegin(const http::PartInfo& part) override {
    if (upload_) {
      ignoring_ = true;  // S3 ignores every field after the file
      return Status::Ok();
    }
    if (part.name == "file") {
      VMSG_ASSIGN_OR_RETURN(upload_, store_.VerifyPostUpload(fields_, part.filename.value_or("")));
      in_file_ = true;
      return Status::Ok();
    }
    if (fields_.size() == kMaxUploadFormFields) {
      return Status::InvalidArgument(
          "a form has at most " + std::to_string(kMaxUploadFormFields) + " fields",
          "too_many_fields");
    }
    fields_.emplace_back(part.name, std::string());
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    if (ignoring_) return Status::Ok();
    if (in_file_) return upload_->Write(data);
    std::string& value = fields_.back().second;
    if (value.size() + data.size() > kMaxUploadFieldBytes) {
      return Status::InvalidArgument("form field " + fields_.back().first + " is longer than " +
                                         std::to_string(kMaxUploadFieldBytes) + " bytes",
                                     "form_field_too_large");
    }
    value.append(data);
    return Status::Ok();
  }

  Status OnPartEnd() override {
    in_file_ = false;
    return Status::Ok();
  }

  std::unique_ptr<objects::PostUpload>& upload() { return upload_; }
  std::optional<std::string> Field(std::string_view name) const {
    for (const auto& [n, v] : fields_) {
      if (EqualsIgnoreCase(n, name)) return v;
    }
    return std::nullopt;
  }

 private:
  objects::LocalObjectStore& store_;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::unique_ptr<objects::PostUpload> upload_;
  bool in_file_ = false;
  bool ignoring_ = false;
};

boost::asio::awaitable<http::Response> FormUpload(UploadServices s, http::Request& request) {
  const std::string_view content_type = request.headers.Get("Content-Type").value_or("");
  Result<std::string> boundary = http::BoundaryFromContentType(content_type);
  if (!boundary.ok()) co_return http::ProblemFromStatus(boundary.status(), request.request_id);
  FormReceiver receiver(*s.local);
  const http::MultipartLimits limits{
      .max_parts = kMaxUploadFormFields + 1,  // the fields and the file
      .max_part_header_bytes = kMaxUploadPartHeaderBytes,
      .max_part_bytes = static_cast<size_t>(request.body_limit),
      .max_total_bytes = static_cast<size_t>(request.body_limit)};
  http::MultipartParser parser(*boundary, limits, receiver);
  // A failure (an oversized file included) answers at once, the rest left unread.
  if (Status read = co_await http::ReadMultipartBody(request, parser); !read.ok()) {
    co_return http::ProblemFromStatus(read, request.request_id);
  }
  if (!receiver.upload()) {
    co_return http::ProblemResponse(400, "missing_file",
                                    "the form has no file field (it must come after the others)",
                                    request.request_id);
  }
  Result<objects::ObjectInfo> stored = receiver.upload()->Commit();
  if (!stored.ok()) co_return http::ProblemFromStatus(stored.status(), request.request_id);
  const std::string location = "/files/" + UriEncode(stored->key, true);
  const std::string status = receiver.Field("success_action_status").value_or("");
  http::Response r;
  if (status == "201") {
    r = http::Response::Text(
        201,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>" +
            XmlEscape(location) + "</Location><Bucket>local</Bucket><Key>" +
            XmlEscape(stored->key) + "</Key><ETag>" + XmlEscape(stored->etag) +
            "</ETag></PostResponse>",
        "application/xml");
  } else {
    r = http::Response::Empty(status == "200" ? 200 : 204);
  }
  r.headers.Set("ETag", stored->etag);
  r.headers.Set("Location", location);
  co_return r;
}

http::Response Download(const UploadServices& s, const http::Request& request) {
  Result<std::string> key = http::PercentDecodePath(request.Param("key"));
  if (!key.ok()) {
    return http::ProblemResponse(404, "object_not_found", "no such object", request.request_id);
  }
  Result<objects::VerifiedDownload> verified =
      s.local->VerifyGetUrl(*key, request.QueryParam("expires").value_or(""),
                            request.QueryParam("signature").value_or(""));
  if (!verified.ok()) return http::ProblemFromStatus(verified.status(), request.request_id);
  // The object's own ETag (MD5, as S3's), so that it matches what the upload answered.
  const std::string& etag = verified->info.etag;
  if (auto inm = request.headers.Get("If-None-Match");
      inm && http::IfNoneMatchMatches(*inm, etag)) {
    http::Response r = http::Response::Empty(304);
    r.headers.Set("ETag", etag);
    r.headers.Set("Cache-Control", std::string(kDownloadCacheControl));
    return r;
  }
  const std::string& type = verified->info.content_type;
  // The file is opened again when the body is sent: an overwrite in between would send a
  // prefix of the new object at the old length. Keys here are written once (each upload and
  // each task output has a fresh key), so this is accepted rather than copying files.
  http::Response r =
      ServeFile(request, verified->file, type.empty() ? "application/octet-stream" : type,
                kDownloadCacheControl);
  if (r.status == 200 || r.status == 206) r.headers.Set("ETag", etag);
  return r;
}

}  // namespace

Result<std::string> UploadKeyFor(std::string_view kind, std::string_view content_type,
                                 std::string_view upload_id) {
  for (const KindLayout& layout : Layouts()) {
    if (layout.kind != kind) continue;
    for (const TypeExtension& t : layout.types) {
      if (EqualsIgnoreCase(t.content_type, content_type)) {
        return keys::Upload(layout.prefix, upload_id, layout.name, t.extension);
      }
    }
    std::string allowed;
    for (const TypeExtension& t : layout.types) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(t.content_type);
    }
    return Status::InvalidArgument("a " + std::string(kind) + " upload is one of " + allowed,
                                   "unsupported_content_type");
  }
  return Status::InvalidArgument("the upload kind is image, voice or bgm", "unknown_upload_kind");
}

void AddUploadRoutes(http::Router& router, UploadServices services) {
  http::RouteOptions presign;
  presign.max_body_bytes = kMaxPresignBodyBytes;
  presign.rate_group = http::RateGroup::kUpload;
  presign.doc.summary = "A presigned form to upload one file";
  presign.doc.description =
      "Body {kind: image|voice|bgm, content_type}. Answers {url, fields, object_key, upload_id, "
      "max_bytes, expires_at}: POST multipart/form-data to `url` with every field of `fields` "
      "and then the file as the last field, named `file`. The form is valid until expires_at "
      "and takes at most max_bytes (for an image, also at most the photo limit) with exactly that "
      "Content-Type. Keys: "
      "images/uploads/{upload_id}/original.{ext}, voices/custom/uploads/{upload_id}/"
      "reference.{ext}, bgm/user/uploads/{upload_id}/original.{ext}.";
  presign.doc.tags = {"uploads"};
  presign.doc.request_body = {
      {"required", true},
      {"content",
       {{"application/json",
         {{"schema",
           {{"type", "object"},
            {"required", {"kind", "content_type"}},
            {"properties",
             {{"kind", {{"type", "string"}, {"enum", {"image", "voice", "bgm"}}}},
              {"content_type", {{"type", "string"}}}}}}}}}}}};
  presign.doc.responses = {
      {"200", {{"description", "The form: url, fields, object_key, expires_at"}}},
      {"400",
       {{"description",
         "invalid_json, invalid_request, unknown_upload_kind or "
         "unsupported_content_type"}}},
      {"429", {{"description", "The hourly upload budget is used up"}}}};
  router.Add(
      "POST", "/api/uploads/presign", [services](http::Request& r) { return Presign(services, r); },
      std::move(presign));

  if (services.local == nullptr) return;

  http::RouteOptions form;
  form.max_body_bytes = services.upload_max_bytes + kUploadFormOverheadBytes;
  // Not rate limited on its own: a form comes from the presign route, which is.
  form.doc.summary = "Upload a file with a presigned form (local object store)";
  form.doc.description =
      "multipart/form-data with the fields of a presigned form, then `file`. Checked as S3 "
      "checks a POST policy: x-vmsg-signature over the policy, its expiration, every "
      "condition (exact or starts-with) and that each field is named by one; the "
      "content-length-range is enforced while the file streams. `${filename}` in key becomes "
      "the file's name. Answers 204 (or success_action_status 200, or 201 with S3's XML). "
      "Nothing is stored unless the whole upload is accepted.";
  form.doc.tags = {"uploads"};
  form.doc.responses = {
      {"204", {{"description", "Stored; ETag and Location headers"}}},
      {"201", {{"description", "Stored; S3's PostResponse XML"}}},
      {"400",
       {{"description",
         "missing_field, missing_file, malformed_policy, entity_too_large, "
         "entity_too_small, invalid_object_key or a malformed form"}}},
      {"403", {{"description", "signature_mismatch, policy_expired or policy_condition_failed"}}},
      {"413", {{"description", "The request is larger than any form allows"}}}};
  router.Add(
      "POST", "/api/uploads", [services](http::Request& r) { return FormUpload(services, r); },
      std::move(form));

  http::RouteOptions download;
  download.max_body_bytes = 0;
  download.doc.summary = "Download an object with a presigned URL (local object store)";
  download.doc.description =
      "The URL comes from the store: /files/{key}?expires={unix seconds}&signature={hex}. "
      "Honours Range (206, 416) and If-None-Match; Content-Type is the object's.";
  download.doc.tags = {"uploads"};
  download.doc.responses = {{"200", {{"description", "The object"}}},
                            {"206", {{"description", "The requested byte range"}}},
                            {"403", {{"description", "signature_mismatch or url_expired"}}},
                            {"404", {{"description", "No such object"}}},
                            {"416", {{"description", "The range starts past the end"}}}};
  router.Add("GET", "/files/{key...}",
             http::Sync([services](http::Request& r) { return Download(services, r); }),
             std::move(download));
}

}  // namespace vmsg::api
