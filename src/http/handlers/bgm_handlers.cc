// The BGM upload endpoint (see bgm_handlers.h).
#include "http/handlers/bgm_handlers.h"

#include <cstdlib>

#include "http/blocking.h"
#include "http/client_id.h"
#include "http/multipart.h"
#include "http/multipart_body.h"
#include "http/owner.h"

namespace vmsg::http {
namespace {

// Collects the form: the text fields and one file, refused the moment it passes the size
// limit.
class BgmForm final : public MultipartHandler {
 public:
  explicit BgmForm(const music::UserTrackLimits& limits) : limits_(limits) {}

  Status OnPartBegin(const PartInfo& part) override {
    if (part.name == "file") {
      if (has_file_) {
        return Status::InvalidArgument("one file per track", "too_many_files");
      }
      has_file_ = true;
      track_.original_filename = part.filename.value_or("");
      current_ = &track_.bytes;
      limit_ = limits_.max_file_bytes;
      is_file_ = true;
      return Status::Ok();
    }
    if (++fields_ > kMaxBgmFormFields) {
      return Status::InvalidArgument("too many form fields", "too_many_fields");
    }
    is_file_ = false;
    limit_ = kMaxBgmFormFieldBytes;
    field_ = part.name;
    if (part.name == "name") {
      current_ = &track_.name;
    } else if (part.name == "mood") {
      current_ = &track_.mood;
    } else if (part.name == "description") {
      current_ = &track_.description;
    } else {
      current_ = nullptr;  // fields the form does not define are ignored
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    if (current_ == nullptr) return Status::Ok();
    if (current_->size() + data.size() > limit_) {
      if (is_file_) {
        return Status::ResourceExhausted(
            "the file is larger than " + std::to_string(limit_) + " bytes",
            std::string(music::kBgmTooLarge));
      }
      if (field_ == "name") {
        return Status::InvalidArgument("the name is too long", std::string(music::kNameTooLong));
      }
      return Status::InvalidArgument(
          "field " + field_ + " is longer than " + std::to_string(limit_) + " bytes",
          "form_field_too_large");
    }
    current_->append(data);
    return Status::Ok();
  }

  Status OnPartEnd() override {
    current_ = nullptr;
    return Status::Ok();
  }

  music::NewUserTrack& track() { return track_; }

 private:
  const music::UserTrackLimits& limits_;
  music::NewUserTrack track_;
  std::string* current_ = nullptr;
  size_t limit_ = 0;
  size_t fields_ = 0;
  bool has_file_ = false;
  bool is_file_ = false;
  std::string field_;
};

uint64_t BodyLimit(const music::UserTrackLimits& limits) {
  // Twice the file limit, so that a file somewhat over it is refused by the form with
  // bgm_too_large; far larger bodies meet the dispatcher's payload_too_large.
  return 2 * limits.max_file_bytes + kBgmFormOverheadBytes;
}

boost::asio::awaitable<Response> CreateRoute(music::MusicService& service,
                                             boost::asio::thread_pool& pool, IdGenerator& ids,
                                             Request& request) {
  BgmForm form(service.limits());
  Result<std::string> boundary =
      BoundaryFromContentType(request.headers.Get("Content-Type").value_or(""));
  if (!boundary.ok()) co_return ProblemFromStatus(boundary.status(), request.request_id);
  const MultipartLimits multipart{
      .max_parts = kMaxBgmFormFields + 1,
      .max_part_header_bytes = kMaxBgmPartHeaderBytes,
      // One byte more than a file may have, so that BgmForm names the refusal.
      .max_part_bytes = static_cast<size_t>(service.limits().max_file_bytes) + 1,
      .max_total_bytes = static_cast<size_t>(request.body_limit)};
  MultipartParser parser(*boundary, multipart, form);
  const Status read = co_await ReadMultipartBody(request, parser);
  if (!read.ok()) co_return ProblemFromStatus(read, request.request_id);

  const ClientId client = ClientIdFor(request, ids);
  form.track().uploaded_by = OwnerIdOf(client.id);
  // The frame (form, request) outlives the work: this coroutine waits for it.
  auto work = [&service, &form, &request, &client] {
    Result<meta::BgmTrack> created = service.CreateUserTrack(form.track());
    Response r = created.ok() ? Response::Json(201, created->ToJson())
                              : ProblemFromStatus(created.status(), request.request_id);
    if (created.ok()) r.headers.Set("Location", "/api/bgm/tracks/" + created->id);
    if (client.issued) SetClientCookie(r, client.id);
    return r;
  };
  Response response = co_await RunBlocking(pool, work);
  co_return response;
}

}  // namespace

void AddBgmRoutes(Router& router, BgmRouteServices services) {
  if (services.music == nullptr || services.cpu == nullptr || services.ids == nullptr) {
    std::abort();  // wiring bug
  }
  music::MusicService& service = *services.music;
  boost::asio::thread_pool* pool = services.cpu;
  IdGenerator* ids = services.ids;
  const music::UserTrackLimits& limits = service.limits();

  RouteOptions create;
  create.max_body_bytes = BodyLimit(limits);
  create.rate_group = RateGroup::kUpload;
  create.doc.summary = "Upload your own background music";
  create.doc.description =
      "multipart/form-data: name, one audio file as the part `file` (MP3, WAV, M4A, OGG or "
      "FLAC; the content decides, not the name), at most " +
      std::to_string(limits.max_file_bytes / (1024 * 1024)) + " MiB and " +
      std::to_string(static_cast<int>(limits.max_seconds)) +
      " s, at least 2 s; optional mood (a lower-case word, default custom) and description. "
      "vmsg decodes it, measures its loudness and tempo (onset strength and autocorrelation), "
      "normalises it to -14 LUFS and stores it as MP3 with a 20-second preview. The track "
      "belongs to the browser (cookie vmsg_client, issued on the first upload): "
      "metadata.uploaded_by is its owner id (a one-way hash of the cookie), and only that "
      "browser may delete the track. Answers 201 with the track (type user).";
  create.doc.tags = {"music"};
  create.doc.request_body = {
      {"required", true},
      {"content",
       {{"multipart/form-data",
         {{"schema",
           {{"type", "object"},
            {"required", {"name", "file"}},
            {"properties",
             {{"name", {{"type", "string"}, {"maxLength", meta::kMaxNameBytes}}},
              {"mood", {{"type", "string"}, {"maxLength", meta::kMaxLabelBytes}}},
              {"description", {{"type", "string"}, {"maxLength", meta::kMaxDescriptionBytes}}},
              {"file", {{"type", "string"}, {"format", "binary"}}}}}}}}}}}};
  create.doc.responses = {
      {"201",
       {{"description",
         "The new track, exactly the metadata file's fields; Set-Cookie vmsg_client when the "
         "browser had no id yet"}}},
      {"400",
       {{"description",
         "name_required, name_too_long, file_required, unsupported_audio_format, "
         "audio_undecodable, bgm_too_long, bgm_too_short, bgm_silent, invalid_field (mood, "
         "description), too_many_files, or a malformed form"}}},
      {"413", {{"description", "bgm_too_large: the file is over the size limit"}}},
      {"429", {{"description", "The hourly upload budget is used up"}}}};
  router.Add(
      "POST", "/api/bgm/tracks",
      [&service, pool, ids](Request& r) { return CreateRoute(service, *pool, *ids, r); },
      std::move(create));
}

}  // namespace vmsg::http
