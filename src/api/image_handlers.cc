#include "api/image_handlers.h"

#include "api/static_handler.h"
#include "generate/generate_args.h"
#include "http/blocking.h"
#include "http/form.h"
#include "image/backgrounds.h"
#include "image/image_io.h"
#include "objects/keys.h"

namespace vmsg::api {
namespace {

constexpr std::string_view kImageField = "image";
constexpr size_t kMaxDetectParts = 4;
constexpr std::string_view kBackgroundCacheControl = "public, max-age=86400";

// The detect endpoint's refusal of a photo over the upload limit, however it arrived.
Status PhotoTooLarge() {
  return Status::ResourceExhausted(
      "the photo is larger than " + std::to_string(image::kMaxUploadBytes / (1024 * 1024)) + " MiB",
      std::string(image::kImageTooLarge));
}

Json Box(const cv::Rect& r) {
  return {{"x1", r.x}, {"y1", r.y}, {"x2", r.x + r.width}, {"y2", r.y + r.height}};
}

bool IsJson(const http::Request& request) {
  return request.headers.Get("Content-Type").value_or("").starts_with("application/json");
}

// Stores `photo` for a fresh image id and finds the people in it (on the CPU pool); the
// answer is the same however the photo arrived.
boost::asio::awaitable<http::Response> DetectPhoto(const ImageServices& s,
                                                   const http::Request& request,
                                                   std::string photo) {
  const std::string image_id = s.ids->NewUuid();
  auto detect = [&s, &image_id, photo = std::move(photo)]() mutable {
    return s.generator->DetectPersons(image_id, std::move(photo));
  };
  Result<image::Detection> detection = co_await http::RunBlocking(*s.cpu, detect);
  if (!detection.ok()) co_return http::ProblemFromStatus(detection.status(), request.request_id);

  Json persons = Json::array();
  for (const image::Person& p : detection->persons) {
    Json person = {{"index", p.index},
                   {"bbox", Box(p.bbox)},
                   {"confidence", p.confidence},
                   {"has_face", p.has_face}};
    if (p.face) person["face"] = Box(*p.face);
    Result<std::string> preview =
        s.store->PresignGet(keys::PersonPreview(image_id, p.index), s.presign_expiry);
    if (!preview.ok()) co_return http::ProblemFromStatus(preview.status(), request.request_id);
    person["preview_url"] = *preview;
    persons.push_back(std::move(person));
  }
  Json body = {{"image_id", image_id},
               {"width", detection->width},
               {"height", detection->height},
               {"person_count", detection->persons.size()},
               {"persons", std::move(persons)}};
  co_return http::Response::Json(200, body);
}

boost::asio::awaitable<http::Response> DetectFromForm(const ImageServices& s,
                                                      http::Request& request) {
  // The photo (in "image" or "file"); other fields are read within the limits and dropped.
  http::FormCollector form({.files = {{.names = {std::string(kImageField), "file"},
                                       .max_bytes = image::kMaxUploadBytes,
                                       .what = "the photo",
                                       .too_large_reason = std::string(image::kImageTooLarge),
                                       .too_many_reason = "too_many_images",
                                       .too_many_message = "send one photo per request"}},
                            .max_fields = kMaxDetectParts,
                            .kept_fields = std::vector<std::string>{}});
  // A failure (an oversized file included) answers at once, the rest left unread.
  if (Status read = co_await http::ReadForm(
          request,
          {.max_parts = kMaxDetectParts,
           .max_part_bytes = image::kMaxUploadBytes + 1,
           .max_total_bytes = image::kMaxUploadBytes + kDetectFormOverheadBytes},
          form);
      !read.ok()) {
    co_return http::ProblemFromStatus(read, request.request_id);
  }
  if (form.files(0).empty()) {
    co_return http::ProblemResponse(400, "missing_image",
                                    "the form needs the photo in a field named \"image\"",
                                    request.request_id);
  }
  co_return co_await DetectPhoto(s, request, std::move(form.files(0).front().bytes));
}

// Reads an uploaded photo from the store, at most the upload limit of it: a larger object
// is refused as the multipart path refuses a larger file. NotFound when absent.
Result<std::string> ReadUploadedPhoto(objects::ObjectStore& store, const std::string& key) {
  std::string photo;
  Result<objects::ObjectInfo> info = store.Get(key, [&photo](std::string_view chunk) {
    if (photo.size() + chunk.size() > image::kMaxUploadBytes) return PhotoTooLarge();
    photo.append(chunk);
    return Status::Ok();
  });
  if (!info.ok()) return info.status();
  return photo;
}

boost::asio::awaitable<http::Response> DetectFromKey(const ImageServices& s,
                                                     http::Request& request) {
  // The body names an object; it is small whatever the route allows a form.
  request.body_limit = kMaxDetectJsonBytes;
  request.body->SetLimit(kMaxDetectJsonBytes);
  Result<std::string> body = co_await http::ReadAll(request);
  if (!body.ok()) co_return http::ProblemFromStatus(body.status(), request.request_id);
  Result<Json> json = ParseJson(*body);
  if (!json.ok()) co_return http::ProblemFromStatus(json.status(), request.request_id);
  Result<std::string> key = GetString(*json, "object_key");
  if (!key.ok()) {
    co_return http::ProblemResponse(
        400, "invalid_request",
        "the body is {\"object_key\": \"images/uploads/...\"}, the key of a "
        "presigned upload of kind image",
        request.request_id);
  }
  if (Status checked = generate::CheckImageObjectKey(*key); !checked.ok()) {
    co_return http::ProblemFromStatus(checked, request.request_id);
  }
  auto read = [&s, &key] { return ReadUploadedPhoto(*s.store, *key); };
  Result<std::string> photo = co_await http::RunBlocking(*s.cpu, read);
  if (!photo.ok() && photo.status().IsNotFound()) {
    co_return http::ProblemResponse(404, "image_not_found",
                                    "no uploaded photo " + *key + " (it may have expired)",
                                    request.request_id);
  }
  if (!photo.ok()) co_return http::ProblemFromStatus(photo.status(), request.request_id);
  co_return co_await DetectPhoto(s, request, std::move(*photo));
}

boost::asio::awaitable<http::Response> Detect(ImageServices s, http::Request& request) {
  if (IsJson(request)) co_return co_await DetectFromKey(s, request);
  co_return co_await DetectFromForm(s, request);
}

Json BackgroundList() {
  Json presets = Json::array();
  for (const image::BackgroundPreset& p : image::BackgroundPresets()) {
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

http::Response BackgroundFile(const ImageServices& s, const http::Request& request,
                              bool thumbnail) {
  const std::string id(request.Param("id"));
  for (const image::BackgroundPreset& p : image::BackgroundPresets()) {
    if (p.id != id) continue;
    const std::filesystem::path file =
        s.backgrounds_dir /
        (thumbnail ? image::ThumbnailFileName(p.id) : image::BackgroundFileName(p.id));
    if (!std::filesystem::is_regular_file(file)) {
      return http::ProblemResponse(503, "backgrounds_missing",
                                   "the background pictures have not been generated (vmsg makes "
                                   "them at start-up)",
                                   request.request_id);
    }
    return ServeFile(request, file, "image/jpeg", kBackgroundCacheControl);
  }
  return http::ProblemResponse(404, "background_not_found", "no background '" + id + "'",
                               request.request_id);
}

}  // namespace

void AddImageRoutes(http::Router& router, ImageServices s) {
  http::RouteDoc detect_doc{
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
  router.Add("POST", "/api/person-detection/detect", [s](http::Request& r) { return Detect(s, r); },
             {.max_body_bytes = image::kMaxUploadBytes + kDetectFormOverheadBytes,
              .rate_group = http::RateGroup::kUpload,
              .rate_group_of =
                  [](const http::Request& r) {
                    return IsJson(r) ? http::RateGroup::kApi : http::RateGroup::kUpload;
                  },
              .doc = std::move(detect_doc)});
  router.Add(
      "GET", "/api/backgrounds",
      http::Sync([](http::Request&) { return http::Response::Json(200, BackgroundList()); }),
      {.rate_group = http::RateGroup::kApi,
       .doc = {.summary = "The background choices",
               .description = "The ten preset backgrounds (with Japanese and English names and "
                              "thumbnail and full-size URLs), then the choices `original`, "
                              "`blurred` and `upload`.",
               .tags = {"media"}}});
  router.Add("GET", "/api/backgrounds/{id}/thumbnail",
             http::Sync([s](http::Request& r) { return BackgroundFile(s, r, /*thumbnail=*/true); }),
             {.doc = {.summary = "A preset background's thumbnail (JPEG)", .tags = {"media"}}});
  router.Add("GET", "/api/backgrounds/{id}/image", http::Sync([s](http::Request& r) {
               return BackgroundFile(s, r, /*thumbnail=*/false);
             }),
             {.doc = {.summary = "A preset background at 1080x1920 (JPEG)", .tags = {"media"}}});
}

}  // namespace vmsg::api
