// See generate_handlers.h.
#include "api/generate_handlers.h"

#include "http/blocking.h"
#include "http/form.h"
#include "image/framing_mode.h"
#include "image/image_io.h"
#include "objects/keys.h"

namespace vmsg::api {
namespace {

constexpr std::string_view kImageField = "image";
constexpr std::string_view kBackgroundField = "background";
constexpr size_t kMaxFormFields = 16;
constexpr size_t kMaxFieldBytes = 16 * 1024;  // the text is far shorter; prosody JSON too
constexpr size_t kMaxPartHeaderBytes = 4096;

// The form's files: the photo and an optional background, one each.
constexpr size_t kImageFile = 0, kBackgroundFile = 1;

http::FormRules GenerateFormRules() {
  const auto picture = [](std::string name, std::string noun) {
    return http::FormFileRule{.names = {std::move(name)},
                              .max_bytes = image::kMaxUploadBytes,
                              .what = "the " + noun,
                              .too_large_reason = std::string(image::kImageTooLarge),
                              .too_many_reason = "too_many_images",
                              .too_many_message = "send one " + noun + " per request"};
  };
  return {.files = {picture(std::string(kImageField), "photo"),
                    picture(std::string(kBackgroundField), "background")},
          .max_fields = kMaxFormFields,
          .max_field_bytes = kMaxFieldBytes,
          .refuse_unknown_files = true,
          .refuse_repeated_fields = true};
}

// The form's text fields as the JSON a generate request is: `prosody` may carry a JSON
// object; every other field is text.
Result<Json> FormFields(const http::FormCollector& form) {
  Json values = Json::object();
  for (const auto& [name, value] : form.fields()) {
    if (name == "prosody" && value.starts_with("{")) {
      Result<Json> parsed = ParseJson(value);
      if (!parsed.ok()) {
        return Status::InvalidArgument("field 'prosody' is not valid JSON", "invalid_request");
      }
      values[name] = std::move(*parsed);
    } else {
      values[name] = value;
    }
  }
  return values;
}

// A JSON request names its photo with `image_id` (the detect endpoint's) or `object_key` (a
// presigned upload of kind image, checked by the args parser). Turns an image_id into the
// object_key it stands for.
Status ResolveImageId(Json& fields) {
  const bool has_id = fields.contains("image_id");
  const bool has_key = fields.contains("object_key");
  if (has_id == has_key) {
    return Status::InvalidArgument(
        "name the photo with exactly one of 'image_id' (from /api/person-detection/detect) or "
        "'object_key' (from a presigned upload), or send it as multipart 'image'",
        "missing_image");
  }
  if (has_key) return Status::Ok();
  if (!fields["image_id"].is_string() || !IsUuidV4(fields["image_id"].get<std::string>())) {
    return Status::InvalidArgument("field 'image_id' must be the id the detect endpoint gave",
                                   "invalid_request");
  }
  const std::string id = fields["image_id"].get<std::string>();
  fields.erase("image_id");
  fields["object_key"] = keys::Fill(keys::kOriginal, id);
  return Status::Ok();
}

http::Response Accepted(const std::string& task_id) {
  const Json body = {{"task_id", task_id},
                     {"status", "PENDING"},
                     {"status_url", "/api/video/status/" + task_id},
                     {"result_url", "/api/video/result/" + task_id},
                     {"websocket_url", "/api/ws/progress/" + task_id},
                     {"events_url", "/api/sse/progress/" + task_id}};
  http::Response r = http::Response::Json(202, body);
  r.headers.Set("Location", "/api/video/status/" + task_id);
  return r;
}

// Checks the request and queues the task (blocking: catalogs, store, queue). The PENDING
// record and a first progress record are written before the job is queued, so a client may
// follow the task the moment it has the id.
http::Response CheckAndQueue(const GenerateServices& s, const std::string& task_id, Json fields,
                             const http::Request& request, std::string_view image_bytes = {}) {
  Result<generate::GenerateArgs> args = generate::ParseGenerateArgs(fields);
  if (!args.ok()) return http::ProblemFromStatus(args.status(), request.request_id);
  if (Status submitted = s.generator->Submit(task_id, *args, image_bytes); !submitted.ok()) {
    return http::ProblemFromStatus(submitted, request.request_id);
  }
  return Accepted(task_id);
}

boost::asio::awaitable<http::Response> GenerateFromForm(GenerateServices s,
                                                        http::Request& request) {
  http::FormCollector form(GenerateFormRules());
  const http::MultipartLimits limits{.max_parts = kMaxFormFields + 2,
                                     .max_part_header_bytes = kMaxPartHeaderBytes,
                                     .max_part_bytes = image::kMaxUploadBytes + 1,
                                     .max_total_bytes = static_cast<size_t>(request.body_limit)};
  if (Status read = co_await http::ReadForm(request, limits, form); !read.ok()) {
    co_return http::ProblemFromStatus(read, request.request_id);
  }
  if (form.files(kImageFile).empty()) {
    co_return http::ProblemResponse(400, "missing_image",
                                    "the form needs the photo in a field named \"image\"",
                                    request.request_id);
  }
  Result<Json> values = FormFields(form);
  if (!values.ok()) co_return http::ProblemFromStatus(values.status(), request.request_id);
  const std::string task_id = s.ids->NewUuid();
  const std::string& photo = form.files(kImageFile).front().bytes;
  const std::vector<http::FormFile>& background_file = form.files(kBackgroundFile);
  auto work = [&s, &photo, &background_file, &values, &task_id, &request]() -> http::Response {
    Json& fields = *values;
    if (fields.contains("image_id") || fields.contains("object_key")) {
      return http::ProblemResponse(400, "invalid_request",
                                   "send the photo either as the 'image' file or by id, not both",
                                   request.request_id);
    }
    // The fields are checked before anything is stored, so a bad request leaves nothing.
    if (auto args = generate::ParseGenerateArgs(fields); !args.ok()) {
      return http::ProblemFromStatus(args.status(), request.request_id);
    }
    std::vector<std::string> stored;  // what this request put in the store
    Result<std::string> image = generate::StoreUploadedImage(*s.store, task_id, "source", photo);
    if (!image.ok()) return http::ProblemFromStatus(image.status(), request.request_id);
    fields["object_key"] = *image;
    stored.push_back(*image);
    if (!background_file.empty()) {
      Result<std::string> background = generate::StoreUploadedImage(
          *s.store, task_id, "background_source", background_file.front().bytes);
      if (!background.ok()) {
        (void)s.store->Delete(*image);
        return http::ProblemFromStatus(background.status().WithContext("background"),
                                       request.request_id);
      }
      stored.push_back(*background);
      fields["background_id"] = std::string(generate::kUploadedBackground);
      fields["background_key"] = *background;
    }
    http::Response answer = CheckAndQueue(s, task_id, fields, request, photo);
    if (answer.status != 202) {
      // Refused: the pictures stored for this request go again.
      for (const std::string& key : stored) (void)s.store->Delete(key);
    }
    return answer;
  };
  http::Response response = co_await http::RunBlocking(*s.cpu, work);
  co_return response;
}

boost::asio::awaitable<http::Response> GenerateFromJson(GenerateServices s,
                                                        http::Request& request) {
  Result<std::string> body = co_await http::ReadAll(request);
  if (!body.ok()) co_return http::ProblemFromStatus(body.status(), request.request_id);
  Result<Json> json = ParseJson(*body);
  if (!json.ok()) co_return http::ProblemFromStatus(json.status(), request.request_id);
  if (!json->is_object()) {
    co_return http::ProblemResponse(400, "invalid_json", "expected a JSON object",
                                    request.request_id);
  }
  if (Status named = ResolveImageId(*json); !named.ok()) {
    co_return http::ProblemFromStatus(named, request.request_id);
  }
  const std::string task_id = s.ids->NewUuid();
  auto work = [&s, &task_id, &json, &request] {
    return CheckAndQueue(s, task_id, std::move(*json), request);
  };
  http::Response response = co_await http::RunBlocking(*s.cpu, work);
  co_return response;
}

boost::asio::awaitable<http::Response> Generate(GenerateServices s, http::Request& request) {
  const std::string content_type(request.headers.Get("Content-Type").value_or(""));
  if (content_type.starts_with("multipart/form-data")) {
    co_return co_await GenerateFromForm(s, request);
  }
  if (content_type.starts_with("application/json")) {
    co_return co_await GenerateFromJson(s, request);
  }
  co_return http::ProblemResponse(415, "unsupported_media_type",
                                  "send multipart/form-data (with the photo) or application/json "
                                  "(naming a stored photo)",
                                  request.request_id);
}

http::Response ResultOf(const GenerateServices& s, const http::Request& request) {
  const std::string task_id(request.Param("task_id"));
  if (!IsUuidV4(task_id)) {
    return http::ProblemResponse(400, "invalid_task_id", "task ids are lower-case UUIDv4 strings",
                                 request.request_id);
  }
  Result<state::TaskResult> record = s.results->Get(task_id);
  if (!record.ok()) {
    if (record.status().IsNotFound()) {
      return http::ProblemResponse(404, "task_not_found",
                                   "no task " + task_id + " (unknown, or its record has expired)",
                                   request.request_id);
    }
    return http::ProblemFromStatus(record.status(), request.request_id);
  }
  const std::string status(state::TaskStatusName(record->status));
  switch (record->status) {
    case state::TaskStatus::kSuccess:
      break;
    case state::TaskStatus::kFailure:
    case state::TaskStatus::kRevoked: {
      // Records written by other producers may carry no exception object.
      const Json info = record->result.is_object() ? record->result : Json::object();
      const std::string code = info.value("exc_type", std::string("generation_failed"));
      const std::string message = info.value("exc_message", std::string());
      const bool revoked = record->status == state::TaskStatus::kRevoked;
      http::Response r =
          http::ProblemResponse(revoked ? 409 : 422, revoked ? "task_revoked" : code,
                                revoked ? "the task was cancelled" : message, request.request_id);
      Result<Json> problem = ParseJson(std::get<std::string>(r.body));
      if (problem.ok()) {
        // RFC 9457's `status` is the HTTP status; the task's state has a member of its own.
        (*problem)["task_id"] = task_id;
        (*problem)["task_status"] = status;
        r.body = DumpJson(*problem);
      }
      return r;
    }
    default: {
      http::Response r = http::Response::Json(202, {{"task_id", task_id}, {"status", status}});
      r.headers.Set("Retry-After", "2");
      return r;
    }
  }
  Result<generate::GenerateResult> result =
      generate::GenerateResult::FromJson(task_id, record->result);
  if (!result.ok()) return http::ProblemFromStatus(result.status(), request.request_id);
  Result<std::string> video = s.store->PresignGet(result->video_key, s.presign_expiry);
  if (!video.ok()) return http::ProblemFromStatus(video.status(), request.request_id);
  Result<std::string> thumbnail = s.store->PresignGet(result->thumbnail_key, s.presign_expiry);
  if (!thumbnail.ok()) return http::ProblemFromStatus(thumbnail.status(), request.request_id);
  const Json body = {{"task_id", task_id},
                     {"status", status},
                     {"video_url", *video},
                     {"thumbnail_url", *thumbnail},
                     {"expires_in", s.presign_expiry.count()},
                     {"duration_seconds", result->duration_seconds},
                     {"processing_time_seconds", result->processing_time_seconds},
                     {"face_animated", result->face_animated},
                     {"format", result->format},
                     {"width", result->width},
                     {"height", result->height}};
  http::Response r = http::Response::Json(200, body);
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

// JPEG unless the client asks for PNG (and not for JPEG).
bool WantsPng(const http::Request& request) {
  const std::string accept(request.headers.Get("Accept").value_or(""));
  return accept.find("image/png") != std::string::npos &&
         accept.find("image/jpeg") == std::string::npos;
}

boost::asio::awaitable<http::Response> FramePreview(GenerateServices s, http::Request& request) {
  const std::string content_type(request.headers.Get("Content-Type").value_or(""));
  if (!content_type.starts_with("application/json")) {
    co_return http::ProblemResponse(415, "unsupported_media_type",
                                    "send application/json {image_id | object_key, person_index, "
                                    "background_id, background_key, framing, format}",
                                    request.request_id);
  }
  Result<std::string> body = co_await http::ReadAll(request);
  if (!body.ok()) co_return http::ProblemFromStatus(body.status(), request.request_id);
  Result<Json> json = ParseJson(*body);
  if (!json.ok()) co_return http::ProblemFromStatus(json.status(), request.request_id);
  Result<generate::PreviewArgs> args = generate::ParsePreviewArgs(*json);
  if (!args.ok()) co_return http::ProblemFromStatus(args.status(), request.request_id);
  const std::string new_image_id = s.ids->NewUuid();
  const bool png = WantsPng(request);
  auto work = [&s, &args, &new_image_id, png, &request]() -> http::Response {
    Result<generate::FramePreview> preview = s.generator->Preview(*args, new_image_id);
    if (!preview.ok()) return http::ProblemFromStatus(preview.status(), request.request_id);
    Result<std::string> encoded = png ? image::EncodePng(preview->still)
                                      : image::EncodeJpeg(preview->still, kPreviewJpegQuality);
    if (!encoded.ok()) return http::ProblemFromStatus(encoded.status(), request.request_id);
    http::Response r =
        http::Response::Text(200, std::move(*encoded), png ? "image/png" : "image/jpeg");
    r.headers.Set("Cache-Control", "no-store");
    r.headers.Set("X-Image-Id", preview->image_id);
    return r;
  };
  co_return co_await http::RunBlocking(*s.cpu, work);
}

}  // namespace

void AddGenerateRoutes(http::Router& router, GenerateServices services) {
  http::RouteOptions frame;
  frame.max_body_bytes = kMaxPreviewJsonBytes;
  frame.rate_group = http::RateGroup::kApi;
  frame.doc.summary = "The framed still a generation would make, before generating";
  frame.doc.description =
      "JSON {image_id (from /api/person-detection/detect) or object_key (a presigned image "
      "upload), person_index (or person; default the largest), background_id, background_key "
      "(for \"upload\"), framing (auto, bust, half or full), format (portrait, portrait_hd, "
      "square or landscape; default portrait)}. Answers the framed still at the format's size, "
      "image/jpeg, or image/png when Accept asks for it, with X-Image-Id naming the detected "
      "photo (a new one for an object_key, detected as the detect endpoint does: pass it next "
      "time). The chosen person's cut-out is made on the first request and kept, so a change "
      "of framing or background answers in a fraction of a second.";
  frame.doc.tags = {"media"};
  frame.doc.responses = {
      {"200", {{"description", "the framed still (image/jpeg or image/png)"}}},
      {"400",
       {{"description",
         "invalid_json, invalid_request, unknown_field, missing_image, invalid_object_key, "
         "invalid_framing, invalid_format, unknown_background, background_not_found, "
         "person_index_out_of_range, no_person_detected, and the photo's refusals "
         "(unsupported_image_type, image_corrupt, ...)"}}},
      {"404",
       {{"description",
         "image_not_found: no detected photo under image_id, or no "
         "upload under object_key"}}},
      {"413", {{"description", "The body is larger than 4 KiB"}}},
      {"415", {{"description", "Not JSON"}}},
      {"429", {{"description", "rate_limited"}}}};
  router.Add(
      "POST", "/api/image/frame",
      [services](http::Request& r) { return FramePreview(services, r); }, std::move(frame));

  http::RouteOptions generate;
  generate.max_body_bytes = 2 * image::kMaxUploadBytes + kGenerateFormOverheadBytes;
  generate.rate_group = http::RateGroup::kGenerate;
  generate.rate_counts_accepted_only = true;  // the budget is for videos, not for typos
  generate.doc.summary = "Generate a video message";
  generate.doc.description =
      "multipart/form-data with the photo in `image` (JPEG, PNG or WebP, at most 10 MiB), an "
      "optional background picture in `background`, and the fields below as text; or JSON "
      "naming a stored photo by `image_id` (from /api/person-detection/detect) or `object_key` "
      "(from a presigned upload). Fields: `text` (required), `voice_id` (default "
      "default_female), `bgm_id` (a track id, or \"none\"/null for no music; default none), "
      "`background_id` (a preset id, \"original\", \"blurred\", or \"upload\" with "
      "`background_key`), `person_index` (default: the largest person), `framing` (auto, bust, "
      "half or full; default auto: head and shoulders to half length), `format` (portrait "
      "512x910, the default; portrait_hd 1080x1920; square 1080x1080; landscape 1920x1080), "
      "`prosody` (a preset "
      "name, \"auto\", or {preset, speed, pitch, volume}), `speed` (0.5-2), `pitch` (±6 "
      "semitones), `volume` (±12 dB), `language` (ja or en; default the voice's), `consent` "
      "(true: the person in the photo agreed; required when the server sets "
      "VMSG_REQUIRE_CONSENT, and kept with the task's result), `callback_url` (http or https: "
      "POSTed {task_id, status, result | error} with X-Vmsg-Signature when the task ends; "
      "private and loopback destinations are refused). Everything is checked before the task "
      "is queued; an unknown id is refused with the valid ones.";
  generate.doc.tags = {"video"};
  generate.doc.responses = {
      {"202",
       {{"description",
         "{task_id, status: PENDING, status_url, result_url, websocket_url, events_url}"}}},
      {"400",
       {{"description",
         "A field is missing or invalid: invalid_request, unknown_field, missing_image, "
         "invalid_text, text_empty, text_too_long, unknown_voice, language_mismatch, "
         "unknown_bgm, unknown_background, invalid_framing, invalid_format, invalid_prosody, "
         "image_not_found, "
         "unsupported_image_type, image_corrupt (also a truncated photo or background), "
         "text_empty also when the voice cannot speak the text, consent_required, "
         "invalid_callback_url, callback_url_refused, callback_url_unresolvable, "
         "webhooks_disabled"}}},
      {"413", {{"description", "image_too_large, or the request body is too large"}}},
      {"415", {{"description", "Neither multipart/form-data nor JSON"}}},
      {"429", {{"description", "Too many generations this hour; Retry-After says when"}}}};
  router.Add(
      "POST", "/api/video/generate", [services](http::Request& r) { return Generate(services, r); },
      std::move(generate));

  http::RouteOptions result;
  result.max_body_bytes = 0;
  result.rate_group = http::RateGroup::kApi;
  result.doc.summary = "A generated video: signed URLs when done";
  result.doc.tags = {"video"};
  result.doc.responses = {
      {"200",
       {{"description",
         "{task_id, status: SUCCESS, video_url, thumbnail_url, expires_in, duration_seconds, "
         "processing_time_seconds, face_animated, format, width, height}; the URLs are "
         "signed and expire"}}},
      {"202", {{"description", "Not finished: {task_id, status}; Retry-After"}}},
      {"400", {{"description", "The id is not a task id"}}},
      {"404", {{"description", "Unknown or expired task"}}},
      {"409", {{"description", "The task was cancelled (task_revoked)"}}},
      {"422",
       {{"description",
         "The task failed: `code` says why (e.g. no_person_detected, text_too_long), "
         "`detail` in words"}}}};
  router.Add("GET", "/api/video/result/{task_id}",
             http::Sync([services](http::Request& r) { return ResultOf(services, r); }),
             std::move(result));
}

}  // namespace vmsg::api
