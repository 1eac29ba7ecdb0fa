// The synthesize and create-voice endpoints (see voice_handlers.h).
#include "http/handlers/voice_handlers.h"

#include <cmath>
#include <cstdlib>
#include <memory>

#include "http/blocking.h"
#include "http/client_id.h"
#include "http/multipart.h"
#include "http/multipart_body.h"
#include "http/owner.h"
#include "voice/audio.h"

namespace vmsg::http {
namespace {

Response BadField(std::string_view field, std::string_view expected, const Request& request) {
  return ProblemResponse(400, "invalid_request",
                         "field '" + std::string(field) + "' must be " + std::string(expected),
                         request.request_id);
}

// An unknown voice answers with the ids that exist, so a client can correct itself.
Response UnknownVoice(voices::VoiceService& service, const std::string& id,
                      const Request& request) {
  std::string valid;
  if (Result<std::vector<std::string>> ids = service.VoiceIds(); ids.ok()) {
    for (const std::string& v : *ids) valid += (valid.empty() ? "" : ", ") + v;
  }
  return ProblemResponse(400, "unknown_voice",
                         "no voice '" + id + "'; valid voice_id values: " + valid,
                         request.request_id);
}

Response Synthesize(voices::VoiceService& service, const std::string& body,
                    const Request& request) {
  Result<Json> json = ParseJson(body);
  if (!json.ok()) return ProblemFromStatus(json.status(), request.request_id);
  if (!json->is_object())
    return ProblemResponse(400, "invalid_json", "expected a JSON object", request.request_id);
  const Json& j = *json;
  if (!j.contains("text") || !j["text"].is_string()) return BadField("text", "a string", request);
  std::string voice_id(kDefaultVoiceId);
  if (j.contains("voice_id")) {
    if (!j["voice_id"].is_string()) return BadField("voice_id", "a string", request);
    voice_id = j["voice_id"].get<std::string>();
  }
  voice::ProsodyParams prosody;
  if (j.contains("prosody")) {
    if (!j["prosody"].is_string()) {
      return BadField("prosody",
                      "a preset name (neutral, celebration, energetic, joyful, calm) or auto",
                      request);
    }
    const std::string name = j["prosody"].get<std::string>();
    if (name != "auto") {
      Result<voice::ProsodyPreset> preset = voice::ParsePreset(name);
      if (!preset.ok()) return ProblemFromStatus(preset.status(), request.request_id);
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
  Result<voice::VoiceParams> params = service.ParamsFor(voice_id);
  if (!params.ok()) {
    const std::string reason = params.status().reason();
    if (reason == "invalid_id" || reason == meta::VoiceProfile::kNotFoundReason) {
      return UnknownVoice(service, voice_id, request);
    }
    return ProblemFromStatus(params.status(), request.request_id);
  }
  const std::string text = j["text"].get<std::string>();
  Result<voice::SpokenMessage> spoken = service.speaker().Synthesize(text, *params, prosody);
  if (!spoken.ok()) return ProblemFromStatus(spoken.status(), request.request_id);
  Response r = Response::Text(200, voice::EncodeWav(spoken->speech.audio), "audio/wav");
  r.headers.Set("X-Prosody-Preset", std::string(voice::PresetName(spoken->preset)));
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

boost::asio::awaitable<Response> SynthesizeRoute(voices::VoiceService& service,
                                                 boost::asio::thread_pool& pool, Request& request) {
  Result<std::string> body = co_await ReadAll(request);
  if (!body.ok()) co_return ProblemFromStatus(body.status(), request.request_id);
  auto work = [&service, text = std::move(*body), &request] {
    return Synthesize(service, text, request);
  };
  Response response = co_await RunBlocking(pool, work);
  co_return response;
}

// Collects the form: text fields and up to max_files recordings, each refused the moment it
// passes the size limit.
class VoiceForm final : public MultipartHandler {
 public:
  explicit VoiceForm(const voices::RecordingLimits& limits) : limits_(limits) {}

  Status OnPartBegin(const PartInfo& part) override {
    if (part.filename.has_value() || part.name == "files" || part.name == "file") {
      if (voice_.recordings.size() == limits_.max_files) {
        return Status::InvalidArgument(
            "at most " + std::to_string(limits_.max_files) + " recordings per voice",
            std::string(voices::kTooManyFiles));
      }
      voice_.recordings.emplace_back();
      current_ = &voice_.recordings.back();
      limit_ = limits_.max_file_bytes;
      what_ = "recording " + std::to_string(voice_.recordings.size());
      return Status::Ok();
    }
    if (++fields_ > kMaxVoiceFormFields) {
      return Status::InvalidArgument("too many form fields", "too_many_fields");
    }
    limit_ = kMaxVoiceFormFieldBytes;
    what_ = "field " + part.name;
    if (part.name == "name") {
      current_ = &voice_.name;
    } else if (part.name == "language") {
      current_ = &voice_.language;
    } else if (part.name == "gender") {
      current_ = &voice_.gender;
    } else if (part.name == "description") {
      current_ = &voice_.description;
    } else {
      current_ = nullptr;  // fields the form does not define are ignored
    }
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    if (current_ == nullptr) return Status::Ok();
    if (current_->size() + data.size() > limit_) {
      if (what_.starts_with("recording")) {
        return Status::ResourceExhausted(
            what_ + " is larger than " + std::to_string(limit_) + " bytes",
            std::string(voices::kFileTooLarge));
      }
      return Status::InvalidArgument(what_ + " is longer than " + std::to_string(limit_) + " bytes",
                                     "form_field_too_large");
    }
    current_->append(data);
    return Status::Ok();
  }

  Status OnPartEnd() override {
    current_ = nullptr;
    return Status::Ok();
  }

  voices::NewVoice& voice() { return voice_; }

 private:
  const voices::RecordingLimits& limits_;
  voices::NewVoice voice_;
  std::string* current_ = nullptr;
  size_t limit_ = 0;
  size_t fields_ = 0;
  std::string what_;
};

// Reads the whole form into `form`, refusing at the first limit passed.
boost::asio::awaitable<Status> ReadVoiceForm(Request& request,
                                             const voices::RecordingLimits& limits,
                                             VoiceForm& form) {
  Result<std::string> boundary =
      BoundaryFromContentType(request.headers.Get("Content-Type").value_or(""));
  if (!boundary.ok()) co_return boundary.status();
  const MultipartLimits multipart{
      .max_parts = limits.max_files + kMaxVoiceFormFields + 1,
      .max_part_header_bytes = kMaxVoicePartHeaderBytes,
      // One byte more than a file may have, so that VoiceForm names the refusal.
      .max_part_bytes = static_cast<size_t>(limits.max_file_bytes) + 1,
      .max_total_bytes = static_cast<size_t>(request.body_limit)};
  MultipartParser parser(*boundary, multipart, form);
  co_return co_await ReadMultipartBody(request, parser);
}

boost::asio::awaitable<Response> CreateRoute(voices::VoiceService& service,
                                             boost::asio::thread_pool& pool, IdGenerator& ids,
                                             Request& request) {
  VoiceForm form(service.limits());
  const Status read = co_await ReadVoiceForm(request, service.limits(), form);
  if (!read.ok()) co_return ProblemFromStatus(read, request.request_id);
  const ClientId client = ClientIdFor(request, ids);
  form.voice().uploaded_by = OwnerIdOf(client.id);
  // The frame (form, request) outlives the work: this coroutine waits for it.
  auto work = [&service, &form, &request, &client] {
    Result<meta::VoiceProfile> created = service.CreateCustom(form.voice());
    if (!created.ok()) return ProblemFromStatus(created.status(), request.request_id);
    Response r = Response::Json(201, created->ToJson());
    r.headers.Set("Location", "/api/voice-clone/profiles/" + created->id);
    if (client.issued) SetClientCookie(r, client.id);
    return r;
  };
  Response response = co_await RunBlocking(pool, work);
  co_return response;
}

}  // namespace

void AddVoiceRoutes(Router& router, VoiceRouteServices services) {
  if (services.voices == nullptr) std::abort();  // wiring bug
  if (services.cpu == nullptr || services.ids == nullptr) std::abort();
  voices::VoiceService& service = *services.voices;
  boost::asio::thread_pool* pool = services.cpu;
  IdGenerator* ids = services.ids;
  const voices::RecordingLimits& limits = service.limits();

  RouteOptions synth;
  synth.max_body_bytes = kMaxSynthesizeBodyBytes;
  synth.rate_group = RateGroup::kApi;
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
      [&service, pool](Request& r) { return SynthesizeRoute(service, *pool, r); },
      std::move(synth));

  RouteOptions create;
  create.max_body_bytes = limits.max_files * limits.max_file_bytes + kVoiceFormOverheadBytes;
  create.rate_group = RateGroup::kUpload;
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
             {{"name", {{"type", "string"}, {"maxLength", meta::kMaxNameBytes}}},
              {"language", {{"type", "string"}, {"enum", {"ja", "en"}}}},
              {"gender", {{"type", "string"}, {"enum", {"female", "male", "neutral"}}}},
              {"description", {{"type", "string"}, {"maxLength", meta::kMaxDescriptionBytes}}},
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
      [&service, pool, ids](Request& r) { return CreateRoute(service, *pool, *ids, r); },
      std::move(create));
}

}  // namespace vmsg::http
