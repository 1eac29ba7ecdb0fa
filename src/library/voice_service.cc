// System voice seeding, profile lookup and custom voice creation (see voice_service.h).
#include "library/voice_service.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "speech/system_voices.h"

namespace vmsg::library {
namespace {

constexpr std::string_view kCustomIdPrefix = "custom_";
constexpr size_t kCustomIdHexDigits = 12;
constexpr std::string_view kDefaultGender = "neutral";

const objects::PutOptions kWav{.content_type = "audio/wav"};
const objects::PutOptions kNpy{.content_type = "application/octet-stream"};

bool Near(double a, double b) { return std::abs(a - b) < 1e-4; }

bool NearOptional(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || Near(*a, *b));
}

// Whether an embedding (float32 values) holds these engine parameters.
bool SameParams(const speech::VoiceParams& a, const speech::VoiceParams& b) {
  return a.japanese_voice == b.japanese_voice && a.english_voice == b.english_voice &&
         Near(a.pitch_semitones, b.pitch_semitones) && Near(a.speed, b.speed) &&
         NearOptional(a.all_pass, b.all_pass) && NearOptional(a.pitch_range, b.pitch_range);
}

}  // namespace

const std::vector<SystemVoiceSpec>& SystemVoices() {
  static const std::vector<SystemVoiceSpec> kVoices = {
      {"default_female", "Default Female", "ja", "female",
       "Japanese female voice (Open JTalk nitech m001, +9.8 semitones, all-pass 0.49, "
       "intonation 1.3)",
       "こんにちは。ビデオメッセージをお届けします。", speech::DefaultFemaleVoice()},
      {"default_male", "Default Male", "ja", "male", "Japanese male voice (Open JTalk nitech m001)",
       "こんにちは。ビデオメッセージをお届けします。", speech::DefaultMaleVoice()},
      {"english_female", "English Female", "en", "female", "English female voice (flite slt)",
       "Hello! Here is a video message for you.", speech::EnglishFemaleVoice()},
      {"english_male", "English Male", "en", "male", "English male voice (flite rms)",
       "Hello! Here is a video message for you.", speech::EnglishMaleVoice()},
  };
  return kVoices;
}

VoiceService::VoiceService(catalog::VoiceCatalog& catalog, objects::ObjectStore& objects,
                           const speech::SpeechSynthesizer* japanese,
                           const speech::SpeechSynthesizer* english,
                           speech::SpeakerOptions speaker_options, IdGenerator& ids,
                           RecordingLimits limits)
    : catalog_(catalog),
      objects_(objects),
      speaker_(japanese, english, speaker_options),
      own_speaker_(japanese, english),
      ids_(ids),
      limits_(limits),
      matcher_(own_speaker_) {}

Status VoiceService::StoreObjects(const catalog::VoiceProfile& profile,
                                  const audio::Sound& reference, const VoiceEmbedding& embedding) {
  VMSG_RETURN_IF_ERROR(
      objects_.Put(profile.reference_audio_path, audio::EncodeWav(reference), kWav));
  return objects_.Put(profile.embedding_path, embedding.ToNpy(), kNpy);
}

SeedReport VoiceService::EnsureSystemVoices() {
  SeedReport report;
  for (const SystemVoiceSpec& spec : SystemVoices()) {
    const std::string id(spec.id);
    Result<catalog::VoiceProfile> existing = catalog_.Get(id);
    bool stale = false;
    if (existing.ok()) {
      Result<bool> wav = objects_.Exists(existing->reference_audio_path);
      Result<std::string> npy = objects_.GetBytes(existing->embedding_path);
      if (wav.ok() && *wav && npy.ok()) {
        Result<VoiceEmbedding> stored = VoiceEmbedding::FromNpy(*npy);
        stale = !stored.ok() || !SameParams(stored->params, spec.params);
        if (!stale) {
          report.kept.push_back(id);
          continue;
        }
      }
    } else if (existing.status().code() != StatusCode::kNotFound) {
      report.failed.emplace_back(id, existing.status());
      continue;
    }
    auto described = matcher_.Describe(spec.params, spec.sample_text);
    if (!described.ok()) {
      report.failed.emplace_back(id, described.status());
      continue;
    }
    const audio::Sound reference = audio::Resample(described->second, limits_.sample_rate);
    described->first.features.sample_rate = reference.sample_rate;  // as stored
    catalog::VoiceProfile profile =
        existing.ok() ? *existing
                      : catalog::VoiceProfile::Make(id, catalog::VoiceProfile::Type::kSystem);
    if (Status stored = StoreObjects(profile, reference, described->first); !stored.ok()) {
      report.failed.emplace_back(id, stored);
      continue;
    }
    if (existing.ok()) {
      (stale ? report.refreshed : report.kept).push_back(id);
      continue;
    }
    profile.name = std::string(spec.name);
    profile.language = std::string(spec.language);
    profile.gender = std::string(spec.gender);
    profile.metadata = {.description = std::string(spec.description),
                        .sample_rate = reference.sample_rate,
                        .duration_seconds = reference.duration_seconds()};
    Result<catalog::VoiceProfile> created = catalog_.Create(profile);
    if (created.ok()) {
      report.created.push_back(id);
    } else if (created.status().code() == StatusCode::kAlreadyExists) {
      report.kept.push_back(id);  // another process seeded it first
    } else {
      report.failed.emplace_back(id, created.status());
    }
  }
  return report;
}

Result<std::vector<std::string>> VoiceService::VoiceIds() const {
  VMSG_ASSIGN_OR_RETURN(std::vector<catalog::VoiceProfile> profiles, catalog_.List());
  std::vector<std::string> ids;
  for (const catalog::VoiceProfile& p : profiles) ids.push_back(p.id);
  return ids;
}

Result<speech::VoiceParams> VoiceService::ParamsFor(std::string_view id) {
  VMSG_ASSIGN_OR_RETURN(catalog::VoiceProfile profile, catalog_.Get(id));
  if (profile.is_system()) {
    for (const SystemVoiceSpec& spec : SystemVoices()) {
      if (spec.id == profile.id) return spec.params;
    }
  }
  // A custom voice, or a system id this build does not define: its embedding says.
  Result<std::string> bytes = objects_.GetBytes(profile.embedding_path);
  if (!bytes.ok()) {
    if (bytes.status().code() != StatusCode::kNotFound) return bytes.status();
    return Status::DataLoss("the voice " + profile.id + " has no embedding",
                            "embedding_unreadable");
  }
  Result<VoiceEmbedding> embedding = VoiceEmbedding::FromNpy(*bytes);
  if (!embedding.ok()) {
    return Status::DataLoss(
        "the voice " + profile.id + "'s embedding is invalid: " + embedding.status().message(),
        "embedding_unreadable");
  }
  return embedding->params;
}

Result<catalog::VoiceProfile> VoiceService::CreateCustom(const NewVoice& voice) {
  std::string hex = ids_.NewUuid();
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  catalog::VoiceProfile profile =
      catalog::VoiceProfile::Make(std::string(kCustomIdPrefix) + hex.substr(0, kCustomIdHexDigits),
                                  catalog::VoiceProfile::Type::kCustom);
  profile.name = voice.name;
  profile.language = voice.language;
  profile.gender = voice.gender.empty() ? std::string(kDefaultGender) : voice.gender;
  profile.metadata.description = voice.description;
  profile.metadata.sample_rate = limits_.sample_rate;
  profile.metadata.duration_seconds = 1;  // checked for real once the audio is known
  if (!voice.uploaded_by.empty()) profile.metadata.uploaded_by = voice.uploaded_by;
  // The form first: a bad name should not cost a decode.
  VMSG_RETURN_IF_ERROR(profile.Validate());

  if (voice.recordings.empty()) {
    return Status::InvalidArgument("at least one recording is needed", std::string(kAudioTooShort));
  }
  if (voice.recordings.size() > limits_.max_files) {
    return Status::InvalidArgument(
        "at most " + std::to_string(limits_.max_files) + " recordings per voice",
        std::string(kTooManyFiles));
  }
  std::vector<audio::Sound> decoded;
  for (size_t i = 0; i < voice.recordings.size(); ++i) {
    const std::string& bytes = voice.recordings[i];
    if (bytes.size() > limits_.max_file_bytes) {
      return Status::ResourceExhausted("recording " + std::to_string(i + 1) + " is larger than " +
                                           std::to_string(limits_.max_file_bytes) + " bytes",
                                       std::string(kFileTooLarge));
    }
    Result<audio::Sound> audio = DecodeRecording(bytes, limits_);
    if (!audio.ok()) {
      return Status::InvalidArgument(
          "recording " + std::to_string(i + 1) + ": " + audio.status().message(),
          audio.status().reason());
    }
    decoded.push_back(std::move(*audio));
  }
  VMSG_ASSIGN_OR_RETURN(audio::Sound reference, CleanRecordings(decoded, limits_));
  VMSG_ASSIGN_OR_RETURN(VoiceEmbedding embedding, matcher_.Match(reference, voice.language));
  profile.metadata.duration_seconds = reference.duration_seconds();

  VMSG_RETURN_IF_ERROR(StoreObjects(profile, reference, embedding));
  Result<catalog::VoiceProfile> created = catalog_.Create(profile);
  if (!created.ok()) {
    // Best effort: objects without a profile are orphans nobody can reach.
    (void)objects_.Delete(profile.reference_audio_path);
    (void)objects_.Delete(profile.embedding_path);
  }
  return created;
}

}  // namespace vmsg::library
