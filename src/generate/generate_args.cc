// See generate_args.h.
#include "generate/generate_args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include "base/ids.h"
#include "objects/keys.h"
#include "objects/object_store.h"

namespace vmsg::generate {
namespace {

constexpr std::string_view kAutoPreset = "auto";
// A person index beyond this is certainly a mistake (the detector finds far fewer).
constexpr int kMaxPersonIndex = 1000;

Status Bad(std::string_view field, std::string_view expected) {
  return Status::InvalidArgument(
      "field '" + std::string(field) + "' must be " + std::string(expected), "invalid_request");
}

Result<std::string> StringField(const Json& value, std::string_view field) {
  if (!value.is_string()) return Bad(field, "a string");
  return value.get<std::string>();
}

// A number, or a string that is exactly a finite decimal number (form fields are text).
Result<double> NumberField(const Json& value, std::string_view field) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!text.empty()) {
      errno = 0;
      char* end = nullptr;
      const double parsed = std::strtod(text.c_str(), &end);
      if (errno == 0 && end == text.c_str() + text.size() && std::isfinite(parsed)) return parsed;
    }
  }
  return Bad(field, "a number");
}

Result<int> IndexField(const Json& value, std::string_view field) {
  VMSG_ASSIGN_OR_RETURN(double number, NumberField(value, field));
  if (number != std::floor(number) || number < 0 || number > kMaxPersonIndex) {
    return Bad(field, "a whole number from 0 to " + std::to_string(kMaxPersonIndex));
  }
  return static_cast<int>(number);
}

Status ParsePresetName(const Json& value, speech::ProsodyParams& prosody) {
  VMSG_ASSIGN_OR_RETURN(std::string name, StringField(value, "prosody.preset"));
  if (name == kAutoPreset || name.empty()) {
    prosody.preset.reset();
    return Status::Ok();
  }
  VMSG_ASSIGN_OR_RETURN(prosody.preset, speech::ParsePreset(name));
  return Status::Ok();
}

// The three adjustments, from `object` (the prosody object or the top level).
Status ParseAdjustments(const Json& object, std::string_view prefix,
                        speech::ProsodyParams& prosody) {
  for (auto [field, target] : {std::pair<const char*, double*>{"speed", &prosody.speed},
                               {"pitch", &prosody.pitch_semitones},
                               {"volume", &prosody.volume_db}}) {
    if (!object.contains(field)) continue;
    VMSG_ASSIGN_OR_RETURN(*target, NumberField(object[field], std::string(prefix) + field));
  }
  return Status::Ok();
}

Status ParseProsody(const Json& value, speech::ProsodyParams& prosody) {
  if (value.is_null()) return Status::Ok();
  if (value.is_string()) return ParsePresetName(value, prosody);
  if (!value.is_object()) {
    return Bad("prosody",
               "a preset name (neutral, celebration, energetic, joyful, calm), "
               "\"auto\", or an object {preset, speed, pitch, volume}");
  }
  for (const auto& [key, unused] : value.items()) {
    if (key != "preset" && key != "speed" && key != "pitch" && key != "volume") {
      return Status::InvalidArgument(
          "unknown field 'prosody." + key + "' (known: preset, speed, pitch, volume)",
          "unknown_field");
    }
  }
  if (value.contains("preset")) VMSG_RETURN_IF_ERROR(ParsePresetName(value["preset"], prosody));
  return ParseAdjustments(value, "prosody.", prosody);
}

// The picture's choices, shared by a generation and a preview: person_index, background_id,
// background_key (an image upload, confined as object_key is), framing and format.
template <typename Args>
Status ParsePictureChoices(const Json& fields, Args& args) {
  if (fields.contains("background_id")) {
    VMSG_ASSIGN_OR_RETURN(args.background_id,
                          StringField(fields["background_id"], "background_id"));
  }
  if (fields.contains("background_key")) {
    VMSG_ASSIGN_OR_RETURN(args.background_key,
                          StringField(fields["background_key"], "background_key"));
    VMSG_RETURN_IF_ERROR(CheckImageObjectKey(args.background_key));
  }
  if (args.background_id == kUploadedBackground && args.background_key.empty()) {
    return Bad("background_key",
               "the uploaded background's object key when background_id is "
               "\"upload\"");
  }
  if (fields.contains("person_index") && !fields["person_index"].is_null()) {
    VMSG_ASSIGN_OR_RETURN(args.person_index, IndexField(fields["person_index"], "person_index"));
  }
  if (fields.contains("framing")) {
    VMSG_ASSIGN_OR_RETURN(std::string framing, StringField(fields["framing"], "framing"));
    VMSG_ASSIGN_OR_RETURN(args.framing, image::ParseFraming(framing));
  }
  if (fields.contains("format")) {
    VMSG_ASSIGN_OR_RETURN(std::string format, StringField(fields["format"], "format"));
    VMSG_ASSIGN_OR_RETURN(args.format, image::ParseOutputFormat(format));
  }
  return Status::Ok();
}

// "unknown_field" for a field not in `known`, listing them.
Status RefuseUnknownFields(const Json& fields, const std::set<std::string, std::less<>>& known) {
  for (const auto& [key, unused] : fields.items()) {
    if (!known.contains(key)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("unknown field '" + key + "' (known: " + list + ")",
                                     "unknown_field");
    }
  }
  return Status::Ok();
}

const std::set<std::string, std::less<>>& KnownFields() {
  static const std::set<std::string, std::less<>> kKnown = {
      "object_key",   "text",     "voice_id", "bgm_id",      "background_id", "background_key",
      "person_index", "framing",  "format",   "prosody",     "speed",         "pitch",
      "volume",       "language", "consent",  "callback_url"};
  return kKnown;
}

}  // namespace

Json GenerateArgs::ToJson() const {
  Json prosody_json = {{"preset", prosody.preset ? std::string(speech::PresetName(*prosody.preset))
                                                 : std::string(kAutoPreset)},
                       {"speed", prosody.speed},
                       {"pitch", prosody.pitch_semitones},
                       {"volume", prosody.volume_db}};
  Json json = {{"object_key", image_key},
               {"text", text},
               {"voice_id", voice_id},
               {"bgm_id", bgm_id ? Json(*bgm_id) : Json(nullptr)},
               {"background_id", background_id},
               {"person_index", person_index ? Json(*person_index) : Json(nullptr)},
               {"framing", std::string(image::FramingName(framing))},
               {"format", std::string(image::FormatName(format))},
               {"prosody", std::move(prosody_json)}};
  if (!background_key.empty()) json["background_key"] = background_key;
  if (!language.empty()) json["language"] = language;
  json["consent"] = consent;
  if (!callback_url.empty()) json["callback_url"] = callback_url;
  return json;
}

Status CheckImageObjectKey(std::string_view key) {
  if (!key.starts_with(keys::kImageUploads) || key.size() == keys::kImageUploads.size() ||
      !objects::ValidateKey(key).ok()) {
    return Status::InvalidArgument(
        "object_key must be an image upload (" + std::string(keys::kImageUploads) + "...)",
        "invalid_object_key");
  }
  return Status::Ok();
}

Result<GenerateArgs> ParseGenerateArgs(const Json& fields) {
  if (!fields.is_object()) {
    return Status::InvalidArgument("expected a JSON object", "invalid_json");
  }
  VMSG_RETURN_IF_ERROR(RefuseUnknownFields(fields, KnownFields()));
  GenerateArgs args;
  if (!fields.contains("text")) return Bad("text", "present (the message to speak)");
  VMSG_ASSIGN_OR_RETURN(args.text, StringField(fields["text"], "text"));
  if (fields.contains("object_key")) {
    VMSG_ASSIGN_OR_RETURN(args.image_key, StringField(fields["object_key"], "object_key"));
    VMSG_RETURN_IF_ERROR(CheckImageObjectKey(args.image_key));
  }
  if (fields.contains("voice_id")) {
    VMSG_ASSIGN_OR_RETURN(args.voice_id, StringField(fields["voice_id"], "voice_id"));
  }
  if (fields.contains("bgm_id") && !fields["bgm_id"].is_null()) {
    VMSG_ASSIGN_OR_RETURN(std::string bgm, StringField(fields["bgm_id"], "bgm_id"));
    if (!bgm.empty() && bgm != kNoMusic) args.bgm_id = std::move(bgm);
  }
  VMSG_RETURN_IF_ERROR(ParsePictureChoices(fields, args));
  if (fields.contains("prosody"))
    VMSG_RETURN_IF_ERROR(ParseProsody(fields["prosody"], args.prosody));
  VMSG_RETURN_IF_ERROR(ParseAdjustments(fields, "", args.prosody));
  VMSG_RETURN_IF_ERROR(args.prosody.Validate());
  if (fields.contains("language") && !fields["language"].is_null()) {
    VMSG_ASSIGN_OR_RETURN(args.language, StringField(fields["language"], "language"));
    if (args.language != "ja" && args.language != "en") return Bad("language", "\"ja\" or \"en\"");
  }
  if (fields.contains("consent") && !fields["consent"].is_null()) {
    const Json& c = fields["consent"];
    const std::string text = c.is_string() ? c.get<std::string>() : "";
    if (c.is_boolean()) {
      args.consent = c.get<bool>();
    } else if (text == "true" || text == "on" || text == "1") {
      args.consent = true;
    } else if (text == "false" || text == "off" || text == "0") {
      args.consent = false;
    } else {
      return Bad("consent", "true or false");
    }
  }
  if (fields.contains("callback_url") && !fields["callback_url"].is_null()) {
    VMSG_ASSIGN_OR_RETURN(args.callback_url, StringField(fields["callback_url"], "callback_url"));
  }
  return args;
}

Result<PreviewArgs> ParsePreviewArgs(const Json& fields) {
  if (!fields.is_object()) {
    return Status::InvalidArgument("expected a JSON object", "invalid_json");
  }
  static const std::set<std::string, std::less<>> kKnown = {
      "image_id",      "object_key",     "person",  "person_index",
      "background_id", "background_key", "framing", "format"};
  VMSG_RETURN_IF_ERROR(RefuseUnknownFields(fields, kKnown));
  if (fields.contains("image_id") == fields.contains("object_key")) {
    return Status::InvalidArgument(
        "name the photo with exactly one of 'image_id' (from /api/person-detection/detect) or "
        "'object_key' (from a presigned upload)",
        "missing_image");
  }
  if (fields.contains("person") && fields.contains("person_index")) {
    return Bad("person", "left out when person_index is given (they are the same)");
  }
  PreviewArgs args;
  if (fields.contains("image_id")) {
    VMSG_ASSIGN_OR_RETURN(args.image_id, StringField(fields["image_id"], "image_id"));
    if (!IsUuidV4(args.image_id)) return Bad("image_id", "the id the detect endpoint gave");
  } else {
    VMSG_ASSIGN_OR_RETURN(args.image_key, StringField(fields["object_key"], "object_key"));
    VMSG_RETURN_IF_ERROR(CheckImageObjectKey(args.image_key));
  }
  Json choices = fields;
  if (choices.contains("person")) {
    choices["person_index"] = choices["person"];
    if (choices["person_index"].is_null()) return Bad("person", "a whole number");
  }
  VMSG_RETURN_IF_ERROR(ParsePictureChoices(choices, args));
  return args;
}

Result<GenerateArgs> GenerateArgsFromJson(const Json& json) {
  VMSG_ASSIGN_OR_RETURN(GenerateArgs args, ParseGenerateArgs(json));
  if (args.image_key.empty()) return Bad("object_key", "the photo's object key");
  return args;
}

}  // namespace vmsg::generate
