// Validation and JSON forms of voice profiles and BGM tracks.
#include "catalog/records.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "objects/keys.h"

namespace vmsg::catalog {
namespace {

Status Invalid(std::string_view field, std::string_view why) {
  return Status::InvalidArgument("field '" + std::string(field) + "' " + std::string(why),
                                 "invalid_field");
}

// Names, descriptions and labels: UTF-8 text without control characters (non-ASCII bytes
// are left to the JSON layer, which only ever writes valid UTF-8).
bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status CheckText(std::string_view field, std::string_view text, size_t max_bytes,
                 bool may_be_empty = false) {
  if (text.empty() && !may_be_empty) return Invalid(field, "must not be empty");
  if (text.size() > max_bytes) {
    return Invalid(field, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (HasControl(text)) return Invalid(field, "contains a control character");
  return Status::Ok();
}

// mood, genre: a short lower-case word ("cheerful", "acoustic", "hip_hop").
Status CheckLabel(std::string_view field, std::string_view text) {
  if (text.empty() || text.size() > kMaxLabelBytes ||
      !std::all_of(text.begin(), text.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || c == '_' || c == '-'; })) {
    return Invalid(field, "must be 1 to " + std::to_string(kMaxLabelBytes) +
                              " lower-case letters, '_' or '-'");
  }
  return Status::Ok();
}

template <size_t N>
Status CheckOneOf(std::string_view field, std::string_view value,
                  const std::string_view (&allowed)[N]) {
  if (std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed)) {
    return Status::Ok();
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Invalid(field, "must be one of " + list);
}

Status CheckRange(std::string_view field, double value, double min, double max,
                  bool min_exclusive = false) {
  if (!std::isfinite(value) || value > max || (min_exclusive ? value <= min : value < min)) {
    return Invalid(field, "must be " + std::string(min_exclusive ? "above " : "at least ") +
                              std::to_string(min) + " and at most " + std::to_string(max));
  }
  return Status::Ok();
}

Status CheckDerived(std::string_view field, std::string_view value, std::string_view expected) {
  if (value == expected) return Status::Ok();
  return Invalid(field, "must be \"" + std::string(expected) + "\"");
}

// `object` must be an object with exactly `keys`, and any of `optional_keys`.
Status ExactFields(const vmsg::Json& object, std::string_view what,
                   std::initializer_list<std::string_view> keys,
                   std::initializer_list<std::string_view> optional_keys = {}) {
  if (!object.is_object()) return Invalid(what, "must be an object");
  for (std::string_view key : keys) {
    if (!object.contains(key)) {
      return Status::InvalidArgument(
          std::string(what) + ": missing field '" + std::string(key) + "'", "missing_field");
    }
  }
  for (const auto& [key, value] : object.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end() &&
        std::find(optional_keys.begin(), optional_keys.end(), key) == optional_keys.end()) {
      return Status::InvalidArgument(std::string(what) + ": unknown field '" + key + "'",
                                     "invalid_field");
    }
  }
  return Status::Ok();
}

Result<TimePoint> GetTime(const vmsg::Json& object, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(std::string text, GetString(object, key));
  std::optional<TimePoint> t = ParseIso8601(text);
  if (!t || (text.back() != 'Z' && text.back() != 'z')) {
    return Invalid(key, "must be an ISO 8601 UTC time such as 2025-01-02T08:30:00Z");
  }
  return *t;
}

Result<int> GetBoundedInt(const vmsg::Json& object, std::string_view key, int min, int max) {
  VMSG_ASSIGN_OR_RETURN(int64_t value, GetInt(object, key));
  if (value < min || value > max) {
    return Invalid(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return static_cast<int>(value);
}

}  // namespace

Status ValidateId(std::string_view id) {
  const bool ok =
      !id.empty() && id.size() <= kMaxIdBytes && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "ids are 1 to " + std::to_string(kMaxIdBytes) + " characters of a-z, 0-9, '_' and '-'",
      "invalid_id");
}

// ---- voice profiles

std::optional<VoiceProfile::Type> VoiceProfile::ParseType(std::string_view text) {
  if (text == "system") return Type::kSystem;
  if (text == "custom") return Type::kCustom;
  return std::nullopt;
}

std::string_view VoiceProfile::TypeName(Type type) {
  return type == Type::kSystem ? "system" : "custom";
}

std::string VoiceProfile::ReferenceAudioKey(Type type, std::string_view id) {
  return keys::VoiceReference(TypeName(type), id);
}

std::string VoiceProfile::EmbeddingKey(std::string_view id) { return keys::VoiceEmbedding(id); }

std::string VoiceProfile::PreviewUrl(std::string_view id) {
  return "/api/voice-clone/profiles/" + std::string(id) + "/preview";
}

VoiceProfile VoiceProfile::Make(std::string id, Type type) {
  VoiceProfile p;
  p.embedding_path = EmbeddingKey(id);
  p.reference_audio_path = ReferenceAudioKey(type, id);
  p.preview_url = PreviewUrl(id);
  p.id = std::move(id);
  p.type = type;
  return p;
}

Status VoiceProfile::Validate() const {
  VMSG_RETURN_IF_ERROR(ValidateId(id));
  VMSG_RETURN_IF_ERROR(CheckText("name", name, kMaxNameBytes));
  VMSG_RETURN_IF_ERROR(CheckOneOf("language", language, kLanguages));
  VMSG_RETURN_IF_ERROR(CheckOneOf("gender", gender, kGenders));
  VMSG_RETURN_IF_ERROR(CheckDerived("embedding_path", embedding_path, EmbeddingKey(id)));
  VMSG_RETURN_IF_ERROR(
      CheckDerived("reference_audio_path", reference_audio_path, ReferenceAudioKey(type, id)));
  VMSG_RETURN_IF_ERROR(CheckDerived("preview_url", preview_url, PreviewUrl(id)));
  if (metadata.uploaded_by) {
    if (type == Type::kSystem) {
      return Invalid("metadata.uploaded_by", "is only for custom voices");
    }
    VMSG_RETURN_IF_ERROR(ValidateId(*metadata.uploaded_by).WithContext("metadata.uploaded_by"));
  }
  VMSG_RETURN_IF_ERROR(CheckText("metadata.description", metadata.description, kMaxDescriptionBytes,
                                 /*may_be_empty=*/true));
  VMSG_RETURN_IF_ERROR(
      CheckRange("metadata.sample_rate", metadata.sample_rate, kMinSampleRate, kMaxSampleRate));
  return CheckRange("metadata.duration_seconds", metadata.duration_seconds, 0, kMaxVoiceSeconds,
                    /*min_exclusive=*/true);
}

vmsg::Json VoiceProfile::ToJson() const {
  vmsg::Json m = {{"description", metadata.description},
                  {"sample_rate", metadata.sample_rate},
                  {"duration_seconds", metadata.duration_seconds}};
  if (metadata.uploaded_by) m["uploaded_by"] = *metadata.uploaded_by;
  return {{"id", id},
          {"name", name},
          {"type", TypeName(type)},
          {"language", language},
          {"gender", gender},
          {"embedding_path", embedding_path},
          {"reference_audio_path", reference_audio_path},
          {"preview_url", preview_url},
          {"created_at", FormatIso8601(created_at)},
          {"metadata", m}};
}

Result<VoiceProfile> VoiceProfile::FromJson(const vmsg::Json& json) {
  VMSG_RETURN_IF_ERROR(
      ExactFields(json, "voice profile",
                  {"id", "name", "type", "language", "gender", "embedding_path",
                   "reference_audio_path", "preview_url", "created_at", "metadata"}));
  VoiceProfile p;
  VMSG_ASSIGN_OR_RETURN(p.id, GetString(json, "id"));
  VMSG_ASSIGN_OR_RETURN(p.name, GetString(json, "name"));
  VMSG_ASSIGN_OR_RETURN(std::string type, GetString(json, "type"));
  std::optional<Type> parsed = ParseType(type);
  if (!parsed) return Invalid("type", "must be system or custom");
  p.type = *parsed;
  VMSG_ASSIGN_OR_RETURN(p.language, GetString(json, "language"));
  VMSG_ASSIGN_OR_RETURN(p.gender, GetString(json, "gender"));
  VMSG_ASSIGN_OR_RETURN(p.embedding_path, GetString(json, "embedding_path"));
  VMSG_ASSIGN_OR_RETURN(p.reference_audio_path, GetString(json, "reference_audio_path"));
  VMSG_ASSIGN_OR_RETURN(p.preview_url, GetString(json, "preview_url"));
  VMSG_ASSIGN_OR_RETURN(p.created_at, GetTime(json, "created_at"));
  const vmsg::Json& m = json["metadata"];
  VMSG_RETURN_IF_ERROR(ExactFields(
      m, "metadata", {"description", "sample_rate", "duration_seconds"}, {"uploaded_by"}));
  VMSG_ASSIGN_OR_RETURN(p.metadata.description, GetString(m, "description"));
  if (m.contains("uploaded_by")) {
    VMSG_ASSIGN_OR_RETURN(p.metadata.uploaded_by, GetString(m, "uploaded_by"));
  }
  VMSG_ASSIGN_OR_RETURN(p.metadata.sample_rate,
                        GetBoundedInt(m, "sample_rate", kMinSampleRate, kMaxSampleRate));
  VMSG_ASSIGN_OR_RETURN(p.metadata.duration_seconds, GetNumber(m, "duration_seconds"));
  VMSG_RETURN_IF_ERROR(p.Validate());
  return p;
}

std::vector<std::string> VoiceProfile::ObjectKeys() const {
  return {embedding_path, reference_audio_path};
}

// ---- BGM tracks

std::optional<BgmTrack::Type> BgmTrack::ParseType(std::string_view text) {
  if (text == "system") return Type::kSystem;
  if (text == "user") return Type::kUser;
  return std::nullopt;
}

std::string_view BgmTrack::TypeName(Type type) { return type == Type::kSystem ? "system" : "user"; }

std::string BgmTrack::FileKey(Type type, std::string_view id, std::string_view uploaded_by) {
  return type == Type::kSystem ? keys::SystemBgm(id) : keys::UserBgm(uploaded_by, id);
}

std::string BgmTrack::PreviewKey(std::string_view id) { return keys::BgmPreview(id); }

std::string BgmTrack::PreviewUrl(std::string_view id) {
  return "/api/bgm/tracks/" + std::string(id) + "/preview";
}

BgmTrack BgmTrack::Make(std::string id, Type type, std::string uploaded_by) {
  BgmTrack t;
  t.file_path = FileKey(type, id, uploaded_by);
  t.preview_url = PreviewUrl(id);
  if (type == Type::kUser) {
    t.metadata.uploaded_by = std::move(uploaded_by);
    t.metadata.original_filename = "";
  } else {
    t.metadata.genre = "";
    t.metadata.seamless_loop = false;
  }
  t.id = std::move(id);
  t.type = type;
  return t;
}

Status BgmTrack::Validate() const {
  VMSG_RETURN_IF_ERROR(ValidateId(id));
  VMSG_RETURN_IF_ERROR(CheckText("name", name, kMaxNameBytes));
  const Metadata& m = metadata;
  if (type == Type::kSystem) {
    if (!m.genre || !m.seamless_loop) {
      return Invalid("metadata", "of a system track must have genre and seamless_loop");
    }
    if (m.original_filename || m.uploaded_by) {
      return Invalid("metadata", "of a system track has no original_filename or uploaded_by");
    }
    VMSG_RETURN_IF_ERROR(CheckLabel("metadata.genre", *m.genre));
  } else {
    if (!m.original_filename || !m.uploaded_by) {
      return Invalid("metadata", "of a user track must have original_filename and uploaded_by");
    }
    if (m.genre || m.seamless_loop) {
      return Invalid("metadata", "of a user track has no genre or seamless_loop");
    }
    VMSG_RETURN_IF_ERROR(
        CheckText("metadata.original_filename", *m.original_filename, kMaxFilenameBytes));
    if (m.original_filename->find_first_of("/\\") != std::string::npos) {
      return Invalid("metadata.original_filename", "must be a file name, not a path");
    }
    VMSG_RETURN_IF_ERROR(ValidateId(*m.uploaded_by).WithContext("metadata.uploaded_by"));
  }
  VMSG_RETURN_IF_ERROR(
      CheckDerived("file_path", file_path, FileKey(type, id, m.uploaded_by.value_or(""))));
  VMSG_RETURN_IF_ERROR(CheckDerived("preview_url", preview_url, PreviewUrl(id)));
  VMSG_RETURN_IF_ERROR(CheckRange("duration_seconds", duration_seconds, 0, kMaxTrackSeconds, true));
  VMSG_RETURN_IF_ERROR(CheckRange("bpm", bpm, kMinBpm, kMaxBpm));
  VMSG_RETURN_IF_ERROR(CheckLabel("mood", mood));
  VMSG_RETURN_IF_ERROR(CheckRange("volume_db", volume_db, kMinVolumeDb, kMaxVolumeDb));
  return CheckText("metadata.description", m.description, kMaxDescriptionBytes, true);
}

vmsg::Json BgmTrack::ToJson() const {
  vmsg::Json m = {{"description", metadata.description}};
  if (metadata.genre) m["genre"] = *metadata.genre;
  if (metadata.seamless_loop) m["seamless_loop"] = *metadata.seamless_loop;
  if (metadata.original_filename) m["original_filename"] = *metadata.original_filename;
  if (metadata.uploaded_by) m["uploaded_by"] = *metadata.uploaded_by;
  return {{"id", id},
          {"name", name},
          {"type", TypeName(type)},
          {"file_path", file_path},
          {"preview_url", preview_url},
          {"duration_seconds", duration_seconds},
          {"bpm", bpm},
          {"mood", mood},
          {"volume_db", volume_db},
          {"created_at", FormatIso8601(created_at)},
          {"metadata", m}};
}

Result<BgmTrack> BgmTrack::FromJson(const vmsg::Json& json) {
  VMSG_RETURN_IF_ERROR(
      ExactFields(json, "BGM track",
                  {"id", "name", "type", "file_path", "preview_url", "duration_seconds", "bpm",
                   "mood", "volume_db", "created_at", "metadata"}));
  BgmTrack t;
  VMSG_ASSIGN_OR_RETURN(t.id, GetString(json, "id"));
  VMSG_ASSIGN_OR_RETURN(t.name, GetString(json, "name"));
  VMSG_ASSIGN_OR_RETURN(std::string type, GetString(json, "type"));
  std::optional<Type> parsed = ParseType(type);
  if (!parsed) return Invalid("type", "must be system or user");
  t.type = *parsed;
  VMSG_ASSIGN_OR_RETURN(t.file_path, GetString(json, "file_path"));
  VMSG_ASSIGN_OR_RETURN(t.preview_url, GetString(json, "preview_url"));
  VMSG_ASSIGN_OR_RETURN(t.duration_seconds, GetNumber(json, "duration_seconds"));
  VMSG_ASSIGN_OR_RETURN(t.bpm, GetBoundedInt(json, "bpm", kMinBpm, kMaxBpm));
  VMSG_ASSIGN_OR_RETURN(t.mood, GetString(json, "mood"));
  VMSG_ASSIGN_OR_RETURN(t.volume_db, GetNumber(json, "volume_db"));
  VMSG_ASSIGN_OR_RETURN(t.created_at, GetTime(json, "created_at"));
  const vmsg::Json& m = json["metadata"];
  if (t.type == Type::kSystem) {
    VMSG_RETURN_IF_ERROR(ExactFields(m, "metadata", {"description", "genre", "seamless_loop"}));
    VMSG_ASSIGN_OR_RETURN(t.metadata.genre, GetString(m, "genre"));
    VMSG_ASSIGN_OR_RETURN(t.metadata.seamless_loop, GetBool(m, "seamless_loop"));
  } else {
    VMSG_RETURN_IF_ERROR(
        ExactFields(m, "metadata", {"description", "original_filename", "uploaded_by"}));
    VMSG_ASSIGN_OR_RETURN(t.metadata.original_filename, GetString(m, "original_filename"));
    VMSG_ASSIGN_OR_RETURN(t.metadata.uploaded_by, GetString(m, "uploaded_by"));
  }
  VMSG_ASSIGN_OR_RETURN(t.metadata.description, GetString(m, "description"));
  VMSG_RETURN_IF_ERROR(t.Validate());
  return t;
}

std::vector<std::string> BgmTrack::ObjectKeys() const { return {file_path, PreviewKey(id)}; }

}  // namespace vmsg::catalog
