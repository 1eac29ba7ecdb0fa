#include "http/handlers/image_handlers.h"

#include "generate/generate_args.h"
#include "http/blocking.h"
#include "http/handlers/static_handler.h"
#include "http/multipart.h"
#include "http/multipart_body.h"
#include "media/backgrounds.h"
#include "media/image_io.h"
#include "pipeline/progress.h"
#include "pipeline/stages/person_detection_stage.h"

namespace vmsg::http {
namespace {

constexpr std::string_view kImageField = "image";
constexpr size_t kMaxDetectParts = 4;
constexpr std::string_view kBackgroundCacheControl = "public, max-age=86400";

// The detect endpoint's refusal of a photo over the upload limit, however it arrived.
Status PhotoTooLarge() {
  return Status::ResourceExhausted(
      "the photo is larger than " + std::to_string(media::kMaxUploadBytes / (1024 * 1024)) + " MiB",
      std::string(media::kImageTooLarge));
}

// Keeps the photo's bytes; other fields are ignored. A photo over the upload limit is
// refused as soon as it passes it, with the image step's own code.
class PhotoReceiver final : public MultipartHandler {
 public:
  Status OnPartBegin(const PartInfo& part) override {
    in_photo_ = part.name == kImageField || part.name == "file";
    if (in_photo_) {
      if (found_) {
        return Status::InvalidArgument("send one photo per request", "too_many_images");
      }
      found_ = true;
    }
    return Status::Ok();
  }
  Status OnPartData(std::string_view data) override {
    if (!in_photo_) return Status::Ok();
    if (photo_.size() + data.size() > media::kMaxUploadBytes) return PhotoTooLarge();
    photo_.append(data);
    return Status::Ok();
  }
  Status OnPartEnd() override { return Status::Ok(); }

  bool found() const { return found_; }
  std::string TakePhoto() { return std::move(photo_); }

 private:
  bool in_photo_ = false;
  bool found_ = false;
  std::string photo_;
};

Json Box(const cv::Rect& r) {
  return {{"x1", r.x}, {"y1", r.y}, {"x2", r.x + r.width}, {"y2", r.y + r.height}};
}

bool IsJson(const Request& request) {
  return request.headers.Get("Content-Type").value_or("").starts_with("application/json");
}

// Stores `photo` for a fresh image id and finds the people in it (on the CPU pool); the
// answer is the same however the photo arrived.
boost::asio::awaitable<Response> DetectPhoto(const ImageServices& s, const Request& request,
                                             std::string photo) {
  const std::string image_id = s.ids->NewUuid();
  auto detect = [&s, &image_id, photo = std::move(photo)]() mutable {
    std::unique_ptr<pipeline::ProgressSink> progress = pipeline::NewDiscardingProgressSink();
    const worker::CancellationToken never_cancelled;
    pipeline::StageContext ctx{*s.store, *progress, never_cancelled, *s.clock, *s.logger};
    return pipeline::DetectPersonsInUpload(ctx, *s.detector, image_id, std::move(photo));
  };
  Result<media::Detection> detection = co_await RunBlocking(*s.cpu, detect);
  if (!detection.ok()) co_return ProblemFromStatus(detection.status(), request.request_id);

  Json persons = Json::array();
  for (const media::Person& p : detection->persons) {
    Json person = {{"index", p.index},
                   {"bbox", Box(p.bbox)},
                   {"confidence", p.confidence},
                   {"has_face", p.has_face}};
    if (p.face) person["face"] = Box(*p.face);
    Result<std::string> preview =
        s.store->PresignGet(pipeline::PreviewKey(image_id, p.index), s.presign_expiry);
    if (!preview.ok()) co_return ProblemFromStatus(preview.status(), request.request_id);
    person["preview_url"] = *preview;
    persons.push_back(std::move(person));
  }
  Json body = {{"image_id", image_id},
               {"width", detection->width},
               {"height", detection->height},
               {"person_count", detection->persons.size()},
               {"persons", std::move(persons)}};
  co_return Response::Json(200, body);
}

boost::asio::awaitable<Response> DetectFromForm(const ImageServices& s, Request& request) {
  Result<std::string> boundary =
      BoundaryFromContentType(request.headers.Get("Content-Type").value_or(""));
  if (!boundary.ok()) co_return ProblemFromStatus(boundary.status(), request.request_id);
  PhotoReceiver receiver;
  MultipartParser parser(*boundary,
                         {.max_parts = kMaxDetectParts,
                          .max_part_bytes = media::kMaxUploadBytes + 1,
                          .max_total_bytes = media::kMaxUploadBytes + kDetectFormOverheadBytes},
                         receiver);
  // A failure (an oversized file included) answers at once, the rest left unread.
  if (Status read = co_await ReadMultipartBody(request, parser); !read.ok()) {
    co_return ProblemFromStatus(read, request.request_id);
  }
  if (!receiver.found()) {
    co_return ProblemResponse(400, "missing_image",
                              "the form needs the photo in a field named \"image\"",
                              request.request_id);
  }
  co_return co_await DetectPhoto(s, request, receiver.TakePhoto());
}

// Reads an uploaded photo from the store, at most the upload limit of it: a larger object
// is refused as the multipart path refuses a larger file. NotFound when absent.
Result<std::string> ReadUploadedPhoto(blob::ObjectStore& store, const std::string& key) {
  std::string photo;
  Result<blob::ObjectInfo> info = store.Get(key, [&photo](std::string_view chunk) {
    if (photo.size() + chunk.size() > media::kMaxUploadBytes) return PhotoTooLarge();
    photo.append(chunk);
    return Status::Ok();
  });
  if (!info.ok()) return info.status();
  return photo;
}

boost::asio::awaitable<Response> DetectFromKey(const ImageServices& s, Request& request) {
  // The body names an object; it is small whatever the route allows a form.
  request.body_limit = kMaxDetectJsonBytes;
  request.body->SetLimit(kMaxDetectJsonBytes);
  Result<std::string> body = co_await ReadAll(request);
  if (!body.ok()) co_return ProblemFromStatus(body.status(), request.request_id);
  Result<Json> json = ParseJson(*body);
  if (!json.ok()) co_return ProblemFromStatus(json.status(), request.request_id);
  Result<std::string> key = GetString(*json, "object_key");
  if (!key.ok()) {
    co_return ProblemResponse(400, "invalid_request",
                              "the body is {\"object_key\": \"images/uploads/...\"}, the key of a "
                              "presigned upload of kind image",
                              request.request_id);
  }
  if (Status checked = generate::CheckImageObjectKey(*key); !checked.ok()) {
    co_return ProblemFromStatus(checked, request.request_id);
  }
  auto read = [&s, &key] { return ReadUploadedPhoto(*s.store, *key); };
  Result<std::string> photo = co_await RunBlocking(*s.cpu, read);
  if (!photo.ok() && photo.status().IsNotFound()) {
    co_return ProblemResponse(404, "image_not_found",
                              "no uploaded photo " + *key + " (it may have expired)",
                              request.request_id);
  }
  if (!photo.ok()) co_return ProblemFromStatus(photo.status(), request.request_id);
  co_return co_await DetectPhoto(s, request, std::move(*photo));
}

boost::asio::awaitable<Response> Detect(ImageServices s, Request& request) {
  if (IsJson(request)) co_return co_await DetectFromKey(s, request);
  co_return co_await DetectFromForm(s, request);
}

Json BackgroundList() {
  Json presets = Json::array();
  for (const media::BackgroundPreset& p : media::BackgroundPresets()) {
    const std::string id(p.id);
    presets.push_back({{"id", id},
                       {"kind", "preset"},
                       {"name_ja", std::string(p.name_ja)},
                       {"name_en", std::string(p.name_en)},
                       {"thumbnail_url", "/api/backgrounds/" + id + "/thumbnail"},
                       {"image_url", "/api/backgrounds/" + id + "/image"}});
  }
  // The choices that are not pictures of their own.
  presets.push_back({{"id", "original"},
                     {"kind", "original"},
                     {"name_ja", "元の背景"},
                     {"name_en", "Original background"}});
  presets.push_back({{"id", "blurred"},
                     {"kind", "blurred_original"},
                     {"name_ja", "元の背景（ぼかし）"},
                     {"name_en", "Blurred original"}});
  presets.push_back({{"id", "upload"},
                     {"kind", "uploaded"},
                     {"name_ja", "画像をアップロード"},
                     {"name_en", "Upload an image"}});
  return {{"backgrounds", std::move(presets)}};
}

Response BackgroundFile(const ImageServices& s, const Request& request, bool thumbnail) {
  const std::string id(request.Param("id"));
  for (const media::BackgroundPreset& p : media::BackgroundPresets()) {
    if (p.id != id) continue;
    const std::filesystem::path file =
        s.backgrounds_dir /
        (thumbnail ? media::ThumbnailFileName(p.id) : media::BackgroundFileName(p.id));
    if (!std::filesystem::is_regular_file(file)) {
      return ProblemResponse(503, "backgrounds_missing",
                             "the background pictures have not been generated (vmsg makes "
                             "them at start-up)",
                             request.request_id);
    }
    return ServeFile(request, file, "image/jpeg", kBackgroundCacheControl);
  }
  return ProblemResponse(404, "background_not_found", "no background '" + id + "'",
                         request.request_id);
}

}  // namespace

void AddImageRoutes(Router& router, ImageServices s) {
  RouteDoc detect_doc{
      .summary = "Store a photo and find the people in it",
      .description =
          "Either multipart/form-data with the photo (JPEG, PNG or WebP, at most 10 MiB, 64x64 "
          "to 50 megapixels) in the field `image`, or application/json {object_key} naming a "
          "photo uploaded with a form from /api/uploads/presign (kind image; the web page's "
          "way). The photo is checked and stored as a later task's step 1 would store it, and "
          "searched for faces (dlib) and bodies (OpenCV). Answers {image_id, width, height, "
          "person_count, persons: [{index, bbox: {x1, y1, x2, y2}, confidence, has_face, face, "
          "preview_url}]}, largest person first; pass `image_id` and a `person_index` to "
          "/api/video/generate. A photo with nobody in it is not an error (person_count 0). "
          "The uploaded object itself is left as it is. A multipart photo draws from the "
          "hourly upload budget; an object_key from the API budget (its upload was counted "
          "when the form was signed).",
      .tags = {"media"},
      .responses = {{"200", {{"description", "the people found"}}},
                    {"400",
                     {{"description",
                       "the photo was refused: unsupported_image_type, image_too_many_pixels, "
                       "image_too_small, image_corrupt, missing_image (also a 0-byte file); "
                       "for JSON also invalid_json, invalid_request or invalid_object_key (a "
                       "key outside images/uploads/)"}}},
                    {"404", {{"description", "image_not_found: no object under object_key"}}},
                    {"413", {{"description", "image_too_large: the photo is over 10 MiB"}}},
                    {"429", {{"description", "rate_limited"}}}}};
  router.Add("POST", "/api/person-detection/detect", [s](Request& r) { return Detect(s, r); },
             {.max_body_bytes = media::kMaxUploadBytes + kDetectFormOverheadBytes,
              .rate_group = RateGroup::kUpload,
              .rate_group_of =
                  [](const Request& r) { return IsJson(r) ? RateGroup::kApi : RateGroup::kUpload; },
              .doc = std::move(detect_doc)});
  router.Add(
      "GET", "/api/backgrounds",
      Sync([](Request&) { return Response::Json(200, BackgroundList()); }),
      {.rate_group = RateGroup::kApi,
       .doc = {.summary = "The background choices",
               .description = "The ten preset backgrounds (with Japanese and English names and "
                              "thumbnail and full-size URLs), then the choices `original`, "
                              "`blurred` and `upload`.",
               .tags = {"media"}}});
  router.Add("GET", "/api/backgrounds/{id}/thumbnail",
             Sync([s](Request& r) { return BackgroundFile(s, r, /*thumbnail=*/true); }),
             {.doc = {.summary = "A preset background's thumbnail (JPEG)", .tags = {"media"}}});
  router.Add("GET", "/api/backgrounds/{id}/image",
             Sync([s](Request& r) { return BackgroundFile(s, r, /*thumbnail=*/false); }),
             {.doc = {.summary = "A preset background at 1080x1920 (JPEG)", .tags = {"media"}}});
}

}  // namespace vmsg::http
