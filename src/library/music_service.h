// MusicService: the background music a message can play under, over the BGM catalog
// (src/catalog) and the object store. It seeds the five system tracks (rendered from their
// scores, see system_music.h) and accepts user tracks: decoded, checked, measured (loudness,
// tempo), normalised to -14 LUFS and stored as MP3 with a 20-second preview. The composition
// root builds one; the HTTP handlers and the pipeline's music stage use it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "catalog/catalog.h"
#include "music/system_music.h"
#include "objects/object_store.h"

namespace vmsg::library {

// Stable refusal reasons of CreateUserTrack.
inline constexpr std::string_view kBgmTooLarge = "bgm_too_large";                   // 413
inline constexpr std::string_view kBgmTooLong = "bgm_too_long";                     // 400
inline constexpr std::string_view kBgmTooShort = "bgm_too_short";                   // 400
inline constexpr std::string_view kBgmSilent = "bgm_silent";                        // 400
inline constexpr std::string_view kUnsupportedFormat = "unsupported_audio_format";  // 400
inline constexpr std::string_view kUndecodable = "audio_undecodable";               // 400
inline constexpr std::string_view kNameRequired = "name_required";                  // 400
inline constexpr std::string_view kNameTooLong = "name_too_long";                   // 400
inline constexpr std::string_view kFileRequired = "file_required";                  // 400

struct UserTrackLimits {
  uint64_t max_file_bytes = 10 * 1024 * 1024;
  double max_seconds = 300;
  double min_seconds = 2.0;  // audio::kMinMusicSeconds: a shorter loop repeats audibly
  // Integrated loudness below this is silence (or nothing a listener would hear as music).
  double silent_below_lufs = -60;
};

// The tempo recorded when the estimator finds no steady pulse (a drone, a clip too short
// to measure): the catalog's field is required and this is the spec's "moderate" default.
inline constexpr int kUnknownBpm = 120;
// The mood of a user track when the form gives none.
inline constexpr std::string_view kDefaultUserMood = "custom";
inline constexpr std::string_view kUserDescription = "User-uploaded custom BGM";

struct NewUserTrack {
  std::string name;
  std::string original_filename;  // as the client named the file (reduced to a base name)
  std::string bytes;              // the file
  std::string uploaded_by;        // the uploader's owner id (http/owner.h; a meta id)
  std::string mood;               // empty: kDefaultUserMood
  std::string description;        // empty: kUserDescription
};

struct MusicServiceOptions {
  music::TrackOptions tracks;  // rendering, loudness and previews (system and user)
  // Where rendered system tracks are kept between data directories (VMSG_CACHE_DIR/music):
  // a fresh data dir on the same machine copies them instead of rendering again. Entries
  // are named by a hash of everything that shapes the sound (score, soundfont file, rate,
  // bit rate), so a changed score renders anew. Empty: no cache.
  std::filesystem::path render_cache;
  UserTrackLimits user;
  int sample_rate = 48000;  // of every stored track (stereo)
  int mp3_bit_rate = 192000;
};

struct MusicSeedReport {
  std::vector<std::string> created;
  std::vector<std::string> kept;  // already in the catalog (objects restored when missing)
  std::vector<std::pair<std::string, Status>> failed;
};

// A track and its preview as MP3 files.
struct EncodedTrack {
  std::string file;
  std::string preview;
};

class MusicService {
 public:
  // The catalog, store and id generator must outlive the service.
  MusicService(catalog::BgmCatalog& catalog, objects::ObjectStore& objects, IdGenerator& ids,
               MusicServiceOptions options = {});

  // Adds each system track missing from the catalog: rendered (the missing ones in
  // parallel), stored at bgm/system/{id}.mp3 with its preview at bgm/previews/{id}.mp3,
  // then catalogued. Entries already there are kept (their objects put back when missing).
  // Without the soundfont every track is reported failed (soundfont_missing). Idempotent.
  MusicSeedReport EnsureSystemTracks();

  // Decodes and checks `track`, measures it, normalises it and stores it (the MP3 at
  // bgm/user/{uploaded_by}_{id}.mp3, a preview, the record: type user, id "bgm_" + 12 hex
  // digits). Errors: InvalidArgument name_required, name_too_long, file_required,
  // unsupported_audio_format (not MP3, WAV, M4A, OGG or FLAC), audio_undecodable,
  // bgm_too_long, bgm_too_short, bgm_silent, invalid_field (mood, description, uploaded_by);
  // ResourceExhausted bgm_too_large; the store's and catalog's errors. Nothing is left
  // behind when it fails. Thread-safe.
  Result<catalog::BgmTrack> CreateUserTrack(const NewUserTrack& track);

  const UserTrackLimits& limits() const { return options_.user; }

 private:
  Result<EncodedTrack> Encode(const audio::Sound& full, const audio::Sound& preview) const;
  Status Store(const catalog::BgmTrack& track, const EncodedTrack& encoded);

  catalog::BgmCatalog& catalog_;
  objects::ObjectStore& objects_;
  IdGenerator& ids_;
  MusicServiceOptions options_;
};

// `filename` reduced to what the catalog keeps: its base name without control characters,
// at most catalog::kMaxFilenameBytes bytes (cut on a UTF-8 boundary); "upload" when nothing
// is left.
std::string CleanFilename(std::string_view filename);

}  // namespace vmsg::library
