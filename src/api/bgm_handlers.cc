// The BGM upload endpoint (see bgm_handlers.h).
#include "api/bgm_handlers.h"

#include <cstdlib>

#include "http/blocking.h"
#include "http/client_id.h"
#include "http/form.h"
#include "http/owner.h"

namespace vmsg::api {
namespace {

// The form: one file and the track's text fields, each refused the moment it passes its
// limit.
http::FormRules BgmFormRules(const library::UserTrackLimits& limits) {
  return {.files = {{.names = {"file"},
                     .max_bytes = static_cast<size_t>(limits.max_file_bytes),
                     .what = "the file",
                     .too_large_reason = std::string(library::kBgmTooLarge),
                     .too_many_reason = "too_many_files",
                     .too_many_message = "one file per track"}},
          .max_fields = kMaxBgmFormFields,
          .max_field_bytes = kMaxBgmFormFieldBytes,
          .field_too_long_reasons = {{"name", std::string(library::kNameTooLong)}},
          .kept_fields = std::vector<std::string>{"name", "mood", "description"}};
}

// The collected form as the service's new track.
library::NewUserTrack TrackFrom(http::FormCollector& form) {
  library::NewUserTrack track;
  if (!form.files(0).empty()) {
    track.original_filename = form.files(0).front().filename;
    track.bytes = std::move(form.files(0).front().bytes);
  }
  track.name = form.field("name").value_or("");
  track.mood = form.field("mood").value_or("");
  track.description = form.field("description").value_or("");
  return track;
}

uint64_t BodyLimit(const library::UserTrackLimits& limits) {
  // Twice the file limit, so that a file somewhat over it is refused by the form with
  // bgm_too_large; far larger bodies meet the dispatcher's payload_too_large.
  return 2 * limits.max_file_bytes + kBgmFormOverheadBytes;
}

boost::asio::awaitable<http::Response> CreateRoute(library::MusicService& service,
                                                   boost::asio::thread_pool& pool, IdGenerator& ids,
                                                   http::Request& request) {
  http::FormCollector form(BgmFormRules(service.limits()));
  const http::MultipartLimits multipart{
      .max_parts = kMaxBgmFormFields + 1,
      .max_part_header_bytes = kMaxBgmPartHeaderBytes,
      // One byte more than a file may have, so that the form names the refusal.
      .max_part_bytes = static_cast<size_t>(service.limits().max_file_bytes) + 1,
      .max_total_bytes = static_cast<size_t>(request.body_limit)};
  const Status read = co_await http::ReadForm(request, multipart, form);
  if (!read.ok()) co_return http::ProblemFromStatus(read, request.request_id);

  const http::ClientId client = http::ClientIdFor(request, ids);
  library::NewUserTrack track = TrackFrom(form);
  track.uploaded_by = http::OwnerIdOf(client.id);
  // The frame (track, request) outlives the work: this coroutine waits for it.
  auto work = [&service, &track, &request, &client] {
    Result<catalog::BgmTrack> created = service.CreateUserTrack(track);
    http::Response r = created.ok() ? http::Response::Json(201, created->ToJson())
                                    : http::ProblemFromStatus(created.status(), request.request_id);
    if (created.ok()) r.headers.Set("Location", "/api/bgm/tracks/" + created->id);
    if (client.issued) http::SetClientCookie(r, client.id);
    return r;
  };
  http::Response response = co_await http::RunBlocking(pool, work);
  co_return response;
}

}  // namespace

void AddBgmRoutes(http::Router& router, BgmRouteServices services) {
  if (services.music == nullptr || services.cpu == nullptr || services.ids == nullptr) {
    std::abort();  // wiring bug
  }
  library::MusicService& service = *services.music;
  boost::asio::thread_pool* pool = services.cpu;
  IdGenerator* ids = services.ids;
  const library::UserTrackLimits& limits = service.limits();

  http::RouteOptions create;
  create.max_body_bytes = BodyLimit(limits);
  create.rate_group = http::RateGroup::kUpload;
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
             {{"name", {{"type", "string"}, {"maxLength", catalog::kMaxNameBytes}}},
              {"mood", {{"type", "string"}, {"maxLength", catalog::kMaxLabelBytes}}},
              {"description", {{"type", "string"}, {"maxLength", catalog::kMaxDescriptionBytes}}},
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
      [&service, pool, ids](http::Request& r) { return CreateRoute(service, *pool, *ids, r); },
      std::move(create));
}

}  // namespace vmsg::api
