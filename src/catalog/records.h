// The records of the two catalogs, field for field as the spec's JSON metadata files hold
// them: voice profiles (voices_metadata.json) and BGM tracks (bgm_metadata.json), with
// their JSON forms and validation.
//
// The media a record names lives in the ObjectStore; its path fields are object keys,
// derived from the id and type and checked to be exactly these (so a hand-edited catalog
// can never make a delete remove someone else's objects):
//   voice reference audio  voices/system/{id}.wav | voices/custom/{id}.wav
//   voice embedding        voices/embeddings/{id}.npy  (float32 vector; the spec's .pkl)
//   BGM file               bgm/system/{id}.mp3 | bgm/user/{uploaded_by}_{id}.mp3
//   BGM preview clip       bgm/previews/{id}.mp3 (optional: the whole file stands in)
// A user's record (a custom voice, a user track) names its owner in metadata.uploaded_by: the
// spec's field on user tracks, and the same field as an optional extra on custom voices
// (absent on those made before owners were recorded). It is an owner id, never the client's
// cookie itself (http/owner.h), so records and listings can be public.
// preview_url is the API path that redirects to the media: /api/voice-clone/profiles/{id}/
// preview and /api/bgm/tracks/{id}/preview.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"

namespace vmsg::catalog {

// Limits of the free-text and numeric fields.
inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 100;
inline constexpr size_t kMaxDescriptionBytes = 500;
inline constexpr size_t kMaxLabelBytes = 32;  // mood, genre
inline constexpr size_t kMaxFilenameBytes = 255;
inline constexpr int kMinSampleRate = 8000;
inline constexpr int kMaxSampleRate = 192000;
inline constexpr double kMaxVoiceSeconds = 600;   // a reference recording
inline constexpr double kMaxTrackSeconds = 3600;  // a BGM track
inline constexpr int kMinBpm = 20;
inline constexpr int kMaxBpm = 300;
inline constexpr double kMinVolumeDb = -60;
inline constexpr double kMaxVolumeDb = 0;
// Languages vmsg can speak (Open JTalk for Japanese, flite for English).
inline constexpr std::string_view kLanguages[] = {"ja", "en"};
inline constexpr std::string_view kGenders[] = {"female", "male", "neutral"};

// OK for ids matching ^[a-z0-9_-]{1,64}$; InvalidArgument (reason "invalid_id") otherwise.
// Every id from outside passes this before it is used in a key or a lookup.
Status ValidateId(std::string_view id);

struct VoiceProfile {
  enum class Type { kSystem, kCustom };
  struct Metadata {
    std::string description;
    int sample_rate = 24000;
    double duration_seconds = 0;
    // Custom voices only, and optional (an extra beyond the spec's fields): who made it.
    std::optional<std::string> uploaded_by;
  };

  std::string id;
  std::string name;
  Type type = Type::kCustom;
  std::string language;
  std::string gender;
  std::string embedding_path;
  std::string reference_audio_path;
  std::string preview_url;
  TimePoint created_at;
  Metadata metadata;

  // Catalog traits (see catalog.h).
  static constexpr std::string_view kCollection = "profiles";
  static constexpr std::string_view kNoun = "voice profile";
  static constexpr std::string_view kNotFoundReason = "profile_not_found";

  // A profile of `type` with the derived keys and preview URL filled in.
  static VoiceProfile Make(std::string id, Type type);
  static std::string ReferenceAudioKey(Type type, std::string_view id);
  static std::string EmbeddingKey(std::string_view id);
  static std::string PreviewUrl(std::string_view id);
  static std::optional<Type> ParseType(std::string_view text);
  static std::string_view TypeName(Type type);

  bool is_system() const { return type == Type::kSystem; }
  // The owner id of a custom voice; nullopt for a system voice or one made before owners
  // were recorded.
  const std::optional<std::string>& owner() const { return metadata.uploaded_by; }
  // Every field in range and every path the one derived from id and type.
  // InvalidArgument naming the field.
  Status Validate() const;
  vmsg::Json ToJson() const;
  // Exactly the spec's fields (and, in metadata, the optional uploaded_by), no more, no
  // fewer, then Validate.
  static Result<VoiceProfile> FromJson(const vmsg::Json& json);
  // The objects that belong to the profile and go when it is deleted.
  std::vector<std::string> ObjectKeys() const;
  // The object a preview plays.
  std::vector<std::string> PreviewKeys() const { return {reference_audio_path}; }
};

struct BgmTrack {
  enum class Type { kSystem, kUser };
  // System tracks carry genre and seamless_loop; user tracks original_filename and
  // uploaded_by (the spec's two shapes).
  struct Metadata {
    std::string description;
    std::optional<std::string> genre;
    std::optional<bool> seamless_loop;
    std::optional<std::string> original_filename;
    std::optional<std::string> uploaded_by;
  };

  std::string id;
  std::string name;
  Type type = Type::kUser;
  std::string file_path;
  std::string preview_url;
  double duration_seconds = 0;
  int bpm = 120;
  std::string mood;
  double volume_db = -14;
  TimePoint created_at;
  Metadata metadata;

  static constexpr std::string_view kCollection = "tracks";
  static constexpr std::string_view kNoun = "BGM track";
  static constexpr std::string_view kNotFoundReason = "track_not_found";

  // A track with the derived keys and preview URL filled in (a user track needs
  // `uploaded_by`, itself an id).
  static BgmTrack Make(std::string id, Type type, std::string uploaded_by = {});
  static std::string FileKey(Type type, std::string_view id, std::string_view uploaded_by);
  static std::string PreviewKey(std::string_view id);
  static std::string PreviewUrl(std::string_view id);
  static std::optional<Type> ParseType(std::string_view text);
  static std::string_view TypeName(Type type);

  bool is_system() const { return type == Type::kSystem; }
  // The owner id of a user track (metadata.uploaded_by); nullopt for a system track.
  const std::optional<std::string>& owner() const { return metadata.uploaded_by; }
  Status Validate() const;
  vmsg::Json ToJson() const;
  static Result<BgmTrack> FromJson(const vmsg::Json& json);
  // The file and its preview clip.
  std::vector<std::string> ObjectKeys() const;
  // The preview clip first, then the whole file (when there is no clip).
  std::vector<std::string> PreviewKeys() const { return {PreviewKey(id), file_path}; }
};

}  // namespace vmsg::catalog
