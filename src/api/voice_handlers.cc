// The synthesize and create-voice endpoints (see voice_handlers.h).
#include "api/voice_handlers.h"

#include <cmath>
#include <cstdlib>
#include <memory>

#include "audio/pcm.h"
#include "http/blocking.h"
#include "http/client_id.h"
#include "http/form.h"
#include "http/owner.h"

namespace vmsg::api {
namespace {

http::Response BadField(std::string_view field, std::string_view expected,
                        const http::Request& request) {
  return http::ProblemResponse(
      400, "invalid_request", "field '" + std::string(field) + "' must be " + std::string(expected),
      request.request_id);
}

// An unknown voice answers with the ids that exist, so a client can correct itself.
http::Response UnknownVoice(library::VoiceService& service, const std::string& id,
                            const http::Request& request) {
  std::string valid;
  if (Result<std::vector<std::string>> ids = service.VoiceIds(); ids.ok()) {
    for (const std::string& v : *ids) valid += (valid.empty() ? "" : ", ") + v;
  }
  return http::ProblemResponse(400, "unknown_voice",
                               "no voice '" + id + "'; valid voice_id values: " + valid,
                               request.request_id);
}

http::Response Synthesize(library::VoiceService& service, const std::string& body,
                          const http::Request& request) {
  Result<Json> json = ParseJson(body);
  if (!json.ok()) return http::ProblemFromStatus(json.status(), request.request_id);
  if (!json->is_object())
    return http::ProblemResponse(400, "invalid_json", "expected a JSON object", request.request_id);
  const Json& j = *json;
  if (!j.contains("text") || !j["text"].is_string()) return BadField("text", "a string", request);
  std::string voice_id(kDefaultVoiceId);
  if (j.contains("voice_id")) {
    if (!j["voice_id"].is_string()) return BadField("voice_id", "a string", request);
    voice_id = j["voice_id"].get<std::string>();
  }
  speech::ProsodyParams prosody;
  if (j.contains("prosody")) {
    if (!j["prosody"].is_string()) {
      return BadField("prosody",
                      "a preset name (neutral, celebration, energetic, joyful, calm) or auto",
                      request);
    }
    const std::string name = j["prosody"].get<std::string>();
    if (name != "auto") {
      Result<speech::ProsodyPreset> preset = speech::ParsePreset(name);
      if (!preset.ok()) return http::ProblemFromStatus(preset.status(), request.request_id);
      prosody.preset = *preset;
    }
  }
  for (auto [field, target] : {std::pair<const char*, double*>{"speed", &prosody.speed},
                               {"pitch", &prosody.pitch_semitones},
                               {"volume", &prosody.volume_db}}) {
    if (!j.contains(field)) continue;
    if (!j[field].is_number()) return BadField(field, "a number", request);
    *target = j[field].get<double>();
  }
  Result<speech::VoiceParams> params = service.ParamsFor(voice_id);
  if (!params.ok()) {
    const std::string reason = params.status().reason();
    if (reason == "invalid_id" || reason == catalog::VoiceProfile::kNotFoundReason) {
      return UnknownVoice(service, voice_id, request);
    }
    return http::ProblemFromStatus(params.status(), request.request_id);
  }
  const std::string text = j["text"].get<std::string>();
  Result<speech::SpokenMessage> spoken = service.speaker().Synthesize(text, *params, prosody);
  if (!spoken.ok()) return http::ProblemFromStatus(spoken.status(), request.request_id);
  http::Response r = http::Response::Text(200, audio::EncodeWav(spoken->speech.audio), "audio/wav");
  r.headers.Set("X-Prosody-Preset", std::string(speech::PresetName(spoken->preset)));
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

boost::asio::awaitable<http::Response> SynthesizeRoute(library::VoiceService& service,
                                                       boost::asio::thread_pool& pool,
                                                       http::Request& request) {
  Result<std::string> body = co_await http::ReadAll(request);
  if (!body.ok()) co_return http::ProblemFromStatus(body.status(), request.request_id);
  auto work = [&service, text = std::move(*body), &request] {
    return Synthesize(service, text, request);
  };
  http::Response response = co_await http::RunBlocking(pool, work);
  co_return response;
}

// The form: up to max_files recordings (in "files", "file" or any part with a filename) and
// the voice's text fields, each refused the moment it passes its limit. Into `voice`.
boost::asio::awaitable<Status> ReadVoiceForm(http::Request& request,
                                             const library::RecordingLimits& limits,
                                             library::NewVoice& voice) {
  http::FormCollector form(
      {.files = {{.names = {"files", "file"},
                  .any_filename = true,
                  .max_count = limits.max_files,
                  .max_bytes = static_cast<size_t>(limits.max_file_bytes),
                  .what = "recording",
                  .too_large_reason = std::string(library::kFileTooLarge),
                  .too_many_reason = std::string(library::kTooManyFiles),
                  .too_many_message =
                      "at most " + std::to_string(limits.max_files) + " recordings per voice"}},
       .max_fields = kMaxVoiceFormFields,
       .max_field_bytes = kMaxVoiceFormFieldBytes,
       .kept_fields = std::vector<std::string>{"name", "language", "gender", "description"}});
  const http::MultipartLimits multipart{
      .max_parts = limits.max_files + kMaxVoiceFormFields + 1,
      .max_part_header_bytes = kMaxVoicePartHeaderBytes,
      // One byte more than a file may have, so that the form names the refusal.
      .max_part_bytes = static_cast<size_t>(limits.max_file_bytes) + 1,
      .max_total_bytes = static_cast<size_t>(request.body_limit)};
  if (Status read = co_await http::ReadForm(request, multipart, form); !read.ok()) co_return read;
  for (http::FormFile& file : form.files(0)) voice.recordings.push_back(std::move(file.bytes));
  voice.name = form.field("name").value_or("");
  voice.language = form.field("language").value_or("");
  voice.gender = form.field("gender").value_or("");
  voice.description = form.field("description").value_or("");
  co_return Status::Ok();
}

boost::asio::awaitable<http::Response> CreateRoute(library::VoiceService& service,
                                                   boost::asio::thread_pool& pool, IdGenerator& ids,
                                                   http::Request& request) {
  library::NewVoice voice;
  const Status read = co_await ReadVoiceForm(request, service.limits(), voice);
  if (!read.ok()) co_return http::ProblemFromStatus(read, request.request_id);
  const http::ClientId client = http::ClientIdFor(request, ids);
  voice.uploaded_by = http::OwnerIdOf(client.id);
  // The frame (voice, request) outlives the work: this coroutine waits for it.
  auto work = [&service, &voice, &request, &client] {
    Result<catalog::VoiceProfile> created = service.CreateCustom(voice);
    if (!created.ok()) return http::ProblemFromStatus(created.status(), request.request_id);
    http::Response r = http::Response::Json(201, created->ToJson());
    r.headers.Set("Location", "/api/voice-clone/profiles/" + created->id);
    if (client.issued) http::SetClientCookie(r, client.id);
    return r;
  };
  http::Response response = co_await http::RunBlocking(pool, work);
  co_return response;
}

}  // namespace

void AddVoiceRoutes(http::Router& router, VoiceRouteServices services) {
  if (services.voices == nullptr) std::abort();  // wiring bug
  if (services.cpu == nullptr || services.ids == nullptr) std::abort();
  library::VoiceService& service = *services.voices;
  boost::asio::thread_pool* pool = services.cpu;
  IdGenerator* ids = services.ids;
  const library::RecordingLimits& limits = service.limits();

  http::RouteOptions synth;
  synth.max_body_bytes = kMaxSynthesizeBodyBytes;
  synth.rate_group = http::RateGroup::kApi;
  synth.doc.summary = "Speak a text in a voice (audio/wav)";
  synth.doc.description =
      "Body {text, voice_id, prosody, speed, pitch, volume}; only text is required. voice_id "
      "defaults to default_female. prosody is a preset (neutral, celebration, energetic, "
      "joyful, calm) or auto (the default: chosen from the text). speed 0.5–2 (×), pitch ±6 "
      "(semitones), volume ±12 (dB). Answers 16-bit mono WAV; X-Prosody-Preset names the "
      "preset applied. The text limit is VMSG_TEXT_MAX_CHARS characters after cleaning.";
  synth.doc.tags = {"voices"};
  synth.doc.request_body = {
      {"required", true},
      {"content",
       {{"application/json",
         {{"schema",
           {{"type", "object"},
            {"required", {"text"}},
            {"properties",
             {{"text", {{"type", "string"}}},
              {"voice_id", {{"type", "string"}, {"default", std::string(kDefaultVoiceId)}}},
              {"prosody",
               {{"type", "string"},
                {"enum", {"auto", "neutral", "celebration", "energetic", "joyful", "calm"}},
                {"default", "auto"}}},
              {"speed", {{"type", "number"}, {"minimum", 0.5}, {"maximum", 2}, {"default", 1}}},
              {"pitch", {{"type", "number"}, {"minimum", -6}, {"maximum", 6}, {"default", 0}}},
              {"volume",
               {{"type", "number"}, {"minimum", -12}, {"maximum", 12}, {"default", 0}}}}}}}}}}}};
  synth.doc.responses = {
      {"200", {{"description", "audio/wav, 16-bit mono"}}},
      {"400",
       {{"description",
         "invalid_json, invalid_request (a field of the wrong type), invalid_text, "
         "text_too_long, text_empty, invalid_prosody (naming the field), unknown_voice "
         "(listing the valid ids)"}}},
      {"413", {{"description", "The body is larger than 16 KiB"}}},
      {"429", {{"description", "The hourly API budget is used up"}}},
      {"503", {{"description", "The voice's speech engine is not installed"}}}};
  router.Add(
      "POST", "/api/voice/synthesize",
      [&service, pool](http::Request& r) { return SynthesizeRoute(service, *pool, r); },
      std::move(synth));

  http::RouteOptions create;
  create.max_body_bytes = limits.max_files * limits.max_file_bytes + kVoiceFormOverheadBytes;
  create.rate_group = http::RateGroup::kUpload;
  create.doc.summary = "Create a custom voice from recordings (voice matching: pitch and timbre)";
  create.doc.description =
      "multipart/form-data: name, language (ja or en), optional gender (female, male, neutral) "
      "and description, and one to three recordings as file parts named `files` — WAV, MP3, "
      "M4A, OGG, FLAC or WebM, each at most 10 MiB, together 5–60 s of speech after silence is "
      "trimmed. vmsg measures the speaker's median pitch and range, formant scale and speaking "
      "rate and derives engine parameters (pitch shift, Open JTalk all-pass constant, speed) "
      "so that speech in the voice has the recording's median pitch within a semitone. This "
      "is not neural cloning. The voice belongs to the browser (cookie vmsg_client, issued "
      "when it has none): metadata.uploaded_by is its owner id (a one-way hash of the "
      "cookie), and only that browser may delete the voice. Answers 201 with the profile "
      "(type custom).";
  create.doc.tags = {"voices"};
  create.doc.request_body = {
      {"required", true},
      {"content",
       {{"multipart/form-data",
         {{"schema",
           {{"type", "object"},
            {"required", {"name", "language", "files"}},
            {"properties",
             {{"name", {{"type", "string"}, {"maxLength", catalog::kMaxNameBytes}}},
              {"language", {{"type", "string"}, {"enum", {"ja", "en"}}}},
              {"gender", {{"type", "string"}, {"enum", {"female", "male", "neutral"}}}},
              {"description", {{"type", "string"}, {"maxLength", catalog::kMaxDescriptionBytes}}},
              {"files",
               {{"type", "array"},
                {"minItems", 1},
                {"maxItems", limits.max_files},
                {"items", {{"type", "string"}, {"format", "binary"}}}}}}}}}}}}}};
  create.doc.responses = {
      {"201",
       {{"description",
         "The new profile, exactly the metadata file's fields (with metadata.uploaded_by); "
         "Set-Cookie vmsg_client when the browser had no id yet"}}},
      {"400",
       {{"description",
         "invalid_field (name, language, gender, description), unsupported_audio, "
         "audio_corrupt, audio_too_short, audio_too_long, audio_silent, audio_clipped, "
         "too_many_files, or a malformed form"}}},
      {"413", {{"description", "file_too_large: a recording is over 10 MiB"}}},
      {"429", {{"description", "The hourly upload budget is used up"}}}};
  router.Add(
      "POST", "/api/voice-clone/profiles",
      [&service, pool, ids](http::Request& r) { return CreateRoute(service, *pool, *ids, r); },
      std::move(create));
}

}  // namespace vmsg::api
