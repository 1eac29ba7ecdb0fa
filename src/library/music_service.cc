// System track seeding and user track uploads (see music_service.h).
#include "library/music_service.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "audio/codec.h"
#include "music/tempo.h"

namespace vmsg::library {
namespace {

constexpr std::string_view kUserIdPrefix = "bgm_";
constexpr size_t kUserIdHexDigits = 12;
constexpr std::string_view kFallbackFilename = "upload";
const objects::PutOptions kMp3{.content_type = "audio/mpeg"};
// Demuxers (libavformat names) of the accepted kinds; the content decides, never the name.
const std::vector<std::string_view> kAcceptedFormats = {"wav", "mp3", "mov,mp4,m4a,3gp,3g2,mj2",
                                                        "ogg", "flac"};

double RoundTo(double value, double step) { return std::round(value / step) * step; }

// A rendered system track as the cache keeps it: a header line, then the two MP3 files.
constexpr std::string_view kCacheMagic = "vmsg-music-cache 1\n";

struct CachedTrack {
  double seconds = 0;
  double loudness_lufs = 0;
  EncodedTrack encoded;
};

// The cache file for `score_json` under these options: FNV-1a over every input that
// shapes the bytes (the soundfont by path, size and modification time).
std::filesystem::path CacheFile(const std::filesystem::path& dir, std::string_view id,
                                std::string_view score_json, const music::TrackOptions& tracks,
                                int sample_rate, int bit_rate) {
  std::error_code ec;
  const auto soundfont = tracks.render.soundfont;
  const auto size = std::filesystem::file_size(soundfont, ec);
  const auto mtime = std::filesystem::last_write_time(soundfont, ec).time_since_epoch().count();
  const std::string inputs = std::string(score_json) + "|" + soundfont.string() + "|" +
                             std::to_string(ec ? 0 : size) + "|" + std::to_string(mtime) + "|" +
                             std::to_string(sample_rate) + "|" + std::to_string(bit_rate) + "|" +
                             std::to_string(tracks.loudness.target_lufs) + "|" +
                             std::to_string(tracks.loudness.max_true_peak_dbtp) + "|" +
                             std::to_string(tracks.preview_seconds) + "|" +
                             std::to_string(tracks.preview_fade_out_seconds);
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : inputs) hash = (hash ^ c) * 1099511628211ull;
  char name[64];
  std::snprintf(name, sizeof name, "-%016llx.bin", static_cast<unsigned long long>(hash));
  return dir / (std::string(id) + name);
}

// A cached track, or nullopt when there is none or it is not whole (then it is rendered).
std::optional<CachedTrack> ReadCache(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string magic(kCacheMagic.size(), '\0');
  CachedTrack t;
  size_t file_bytes = 0, preview_bytes = 0;
  if (!in.read(magic.data(), static_cast<std::streamsize>(magic.size())) || magic != kCacheMagic ||
      !(in >> t.seconds >> t.loudness_lufs >> file_bytes >> preview_bytes) || in.get() != '\n' ||
      file_bytes == 0 || preview_bytes == 0 || file_bytes > (64u << 20) ||
      preview_bytes > (64u << 20)) {
    return std::nullopt;
  }
  t.encoded.file.resize(file_bytes);
  t.encoded.preview.resize(preview_bytes);
  if (!in.read(t.encoded.file.data(), static_cast<std::streamsize>(file_bytes)) ||
      !in.read(t.encoded.preview.data(), static_cast<std::streamsize>(preview_bytes)) ||
      in.peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  return t;
}

// Best effort: a cache that cannot be written only means rendering again next time. The
// file appears whole or not at all (written aside, then renamed).
void WriteCache(const std::filesystem::path& file, const CachedTrack& t) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto temp = file.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << kCacheMagic << t.seconds << ' ' << t.loudness_lufs << ' ' << t.encoded.file.size() << ' '
        << t.encoded.preview.size() << '\n'
        << t.encoded.file << t.encoded.preview;
    if (!out) {
      std::filesystem::remove(temp, ec);
      return;
    }
  }
  std::filesystem::rename(temp, file, ec);
  if (ec) std::filesystem::remove(temp, ec);
}

}  // namespace

std::string CleanFilename(std::string_view filename) {
  if (size_t slash = filename.find_last_of("/\\"); slash != std::string_view::npos) {
    filename = filename.substr(slash + 1);
  }
  std::string out;
  for (char c : filename) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  if (out.size() > catalog::kMaxFilenameBytes) {
    size_t cut = catalog::kMaxFilenameBytes;
    // Never end inside a UTF-8 sequence: back up to the start of the cut character.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  if (out.empty()) out = std::string(kFallbackFilename);
  return out;
}

MusicService::MusicService(catalog::BgmCatalog& catalog, objects::ObjectStore& objects,
                           IdGenerator& ids, MusicServiceOptions options)
    : catalog_(catalog), objects_(objects), ids_(ids), options_(std::move(options)) {}

Result<EncodedTrack> MusicService::Encode(const audio::Sound& full,
                                          const audio::Sound& preview) const {
  const audio::Mp3Options mp3{.bit_rate = options_.mp3_bit_rate};
  EncodedTrack encoded;
  VMSG_ASSIGN_OR_RETURN(encoded.file, audio::EncodeMp3(full, mp3));
  VMSG_ASSIGN_OR_RETURN(encoded.preview, audio::EncodeMp3(preview, mp3));
  return encoded;
}

Status MusicService::Store(const catalog::BgmTrack& track, const EncodedTrack& encoded) {
  VMSG_RETURN_IF_ERROR(objects_.Put(track.file_path, encoded.file, kMp3));
  return objects_.Put(catalog::BgmTrack::PreviewKey(track.id), encoded.preview, kMp3);
}

MusicSeedReport MusicService::EnsureSystemTracks() {
  MusicSeedReport report;
  struct Pending {
    music::Score score;
    std::string json;  // the score as written (the render cache's key)
    std::optional<catalog::BgmTrack> existing;
    // Filled by the rendering thread (a plain pair rather than a Result: GCC 12 reports
    // a false free-nonheap-object when a future holds the variant).
    double seconds = 0;
    double loudness_lufs = 0;
    EncodedTrack encoded;
    Status status;
  };
  std::vector<Pending> pending;
  for (const music::EmbeddedScore& embedded : music::SystemScores()) {
    const std::string id(embedded.id);
    Result<catalog::BgmTrack> existing = catalog_.Get(id);
    if (existing.ok()) {
      Result<bool> file = objects_.Exists(existing->file_path);
      Result<bool> preview = objects_.Exists(catalog::BgmTrack::PreviewKey(id));
      if (file.ok() && *file && preview.ok() && *preview) {
        report.kept.push_back(id);
        continue;
      }
    } else if (existing.status().code() != StatusCode::kNotFound) {
      report.failed.emplace_back(id, existing.status());
      continue;
    }
    Result<music::Score> score = music::ParseScore(embedded.json);
    if (!score.ok()) {
      report.failed.emplace_back(id, score.status());
      continue;
    }
    Pending p{.score = std::move(*score), .json = std::string(embedded.json)};
    if (existing.ok()) p.existing = std::move(*existing);
    pending.push_back(std::move(p));
  }
  // Each track renders and encodes on its own thread: a fresh data dir costs the slowest
  // track, not the sum (FluidSynth synthesizers share nothing).
  music::TrackOptions track_options = options_.tracks;
  track_options.render.sample_rate = options_.sample_rate;
  std::vector<std::thread> threads;
  for (Pending& p : pending) {
    threads.emplace_back([this, &p, &track_options] {
      std::filesystem::path cache;
      if (!options_.render_cache.empty()) {
        cache = CacheFile(options_.render_cache, p.score.id, p.json, track_options,
                          options_.sample_rate, options_.mp3_bit_rate);
        if (std::optional<CachedTrack> cached = ReadCache(cache)) {
          p.seconds = cached->seconds;
          p.loudness_lufs = cached->loudness_lufs;
          p.encoded = std::move(cached->encoded);
          return;
        }
      }
      Result<music::RenderedTrack> rendered = music::RenderTrack(p.score, track_options);
      if (!rendered.ok()) {
        p.status = rendered.status();
        return;
      }
      p.seconds = rendered->loop.duration_seconds();
      p.loudness_lufs = rendered->loudness.integrated_lufs;
      Result<EncodedTrack> encoded = Encode(rendered->loop, rendered->preview);
      if (encoded.ok()) {
        p.encoded = std::move(*encoded);
        if (!cache.empty()) WriteCache(cache, {p.seconds, p.loudness_lufs, p.encoded});
      } else {
        p.status = encoded.status();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (Pending& p : pending) {
    const std::string& id = p.score.id;
    if (!p.status.ok()) {
      report.failed.emplace_back(id, p.status);
      continue;
    }
    catalog::BgmTrack track =
        p.existing ? *p.existing : catalog::BgmTrack::Make(id, catalog::BgmTrack::Type::kSystem);
    if (Status stored = Store(track, p.encoded); !stored.ok()) {
      report.failed.emplace_back(id, stored);
      continue;
    }
    if (p.existing) {
      report.kept.push_back(id);
      continue;
    }
    track.name = p.score.name;
    track.mood = p.score.mood;
    track.bpm = static_cast<int>(std::lround(p.score.bpm));
    track.duration_seconds = RoundTo(p.seconds, 0.001);
    track.volume_db = RoundTo(p.loudness_lufs, 0.1);
    track.metadata.description = p.score.description;
    track.metadata.genre = p.score.genre;
    track.metadata.seamless_loop = true;
    Result<catalog::BgmTrack> created = catalog_.Create(track);
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

Result<catalog::BgmTrack> MusicService::CreateUserTrack(const NewUserTrack& upload) {
  const UserTrackLimits& limits = options_.user;
  // The form first: a bad name should not cost a decode.
  if (upload.name.empty()) {
    return Status::InvalidArgument("the track needs a name", std::string(kNameRequired));
  }
  if (upload.name.size() > catalog::kMaxNameBytes) {
    return Status::InvalidArgument(
        "the name is longer than " + std::to_string(catalog::kMaxNameBytes) + " bytes",
        std::string(kNameTooLong));
  }
  if (upload.bytes.empty()) {
    return Status::InvalidArgument("the form has no audio file (part 'file')",
                                   std::string(kFileRequired));
  }
  if (upload.bytes.size() > limits.max_file_bytes) {
    return Status::ResourceExhausted(
        "the file is larger than " + std::to_string(limits.max_file_bytes) + " bytes",
        std::string(kBgmTooLarge));
  }
  std::string hex = ids_.NewUuid();
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  catalog::BgmTrack track =
      catalog::BgmTrack::Make(std::string(kUserIdPrefix) + hex.substr(0, kUserIdHexDigits),
                              catalog::BgmTrack::Type::kUser, upload.uploaded_by);
  track.name = upload.name;
  track.mood = upload.mood.empty() ? std::string(kDefaultUserMood) : upload.mood;
  track.metadata.description =
      upload.description.empty() ? std::string(kUserDescription) : upload.description;
  track.metadata.original_filename = CleanFilename(upload.original_filename);
  track.duration_seconds = 1;  // checked for real once the audio is known
  VMSG_RETURN_IF_ERROR(track.Validate());

  const audio::DecodeOptions decode{.sample_rate = options_.sample_rate,
                                    .channels = 2,
                                    .max_seconds = limits.max_seconds,
                                    .accepted_formats = kAcceptedFormats};
  Result<audio::Sound> decoded = audio::DecodeAudio(upload.bytes, decode);
  if (!decoded.ok()) {
    const std::string reason = decoded.status().reason();
    if (reason == audio::kAudioTooLong) {
      return Status::InvalidArgument(
          "the track is longer than " + std::to_string(static_cast<int>(limits.max_seconds)) + " s",
          std::string(kBgmTooLong));
    }
    if (reason == audio::kUnsupportedAudio) {
      return Status::InvalidArgument(
          "the file is not audio vmsg accepts (MP3, WAV, M4A, OGG or FLAC): " +
              decoded.status().message(),
          std::string(kUnsupportedFormat));
    }
    if (reason == audio::kAudioCorrupt) {
      return Status::InvalidArgument("the audio cannot be decoded: " + decoded.status().message(),
                                     std::string(kUndecodable));
    }
    return decoded.status();
  }
  audio::Sound sound = std::move(*decoded);
  if (sound.duration_seconds() < limits.min_seconds) {
    return Status::InvalidArgument(
        "the track is shorter than " + std::to_string(limits.min_seconds) + " s",
        std::string(kBgmTooShort));
  }
  VMSG_ASSIGN_OR_RETURN(audio::Loudness measured, audio::MeasureLoudness(sound));
  if (!(measured.integrated_lufs >= limits.silent_below_lufs)) {
    return Status::InvalidArgument("the track is silent", std::string(kBgmSilent));
  }
  Result<music::TempoEstimate> tempo = music::EstimateTempo(sound);
  track.bpm = tempo.ok() ? std::clamp(static_cast<int>(std::lround(tempo->bpm)), catalog::kMinBpm,
                                      catalog::kMaxBpm)
                         : kUnknownBpm;
  VMSG_ASSIGN_OR_RETURN(audio::Loudness normalised,
                        audio::Normalize(sound, options_.tracks.loudness));
  track.volume_db = RoundTo(normalised.integrated_lufs, 0.1);
  track.duration_seconds = RoundTo(sound.duration_seconds(), 0.001);
  const music::TrackOptions& t = options_.tracks;
  const audio::Sound preview =
      music::MakePreview(sound, std::min(t.preview_seconds, sound.duration_seconds()),
                         t.preview_fade_in_seconds, t.preview_fade_out_seconds);
  VMSG_RETURN_IF_ERROR(track.Validate());

  VMSG_ASSIGN_OR_RETURN(EncodedTrack encoded, Encode(sound, preview));
  if (Status stored = Store(track, encoded); !stored.ok()) {
    (void)objects_.Delete(track.file_path);
    return stored;
  }
  Result<catalog::BgmTrack> created = catalog_.Create(track);
  if (!created.ok()) {
    // Best effort: objects without a record are orphans nobody can reach.
    for (const std::string& key : track.ObjectKeys()) (void)objects_.Delete(key);
  }
  return created;
}

}  // namespace vmsg::library
