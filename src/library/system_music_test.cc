// The five system scores rendered for real (FluidSynth, FluidR3 GM): length, loudness, a
// click-free loop point, the tempo the estimator hears, previews; seeding the catalog and
// the store; a missing soundfont. Prints the measured figures.
#include "music/system_music.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>

#include "audio/codec.h"
#include "base/clock.h"
#include "library/music_service.h"
#include "music/render.h"
#include "music/tempo.h"
#include "testing/memory_object_store.h"

namespace vmsg::music {
namespace {

struct Rendered {
  Score score;
  RenderedTrack track;
  double cpu_seconds = 0;
};

class SystemMusicTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tracks_ = new std::map<std::string, Rendered>;
    for (const EmbeddedScore& embedded : SystemScores()) {
      Result<Score> score = ParseScore(embedded.json);
      ASSERT_TRUE(score.ok()) << embedded.id << ": " << score.status();
      const std::clock_t start = std::clock();
      Result<RenderedTrack> track = RenderTrack(*score);
      const double cpu = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
      ASSERT_TRUE(track.ok()) << embedded.id << ": " << track.status();
      (*tracks_)[std::string(embedded.id)] = {*score, std::move(*track), cpu};
    }
  }
  static void TearDownTestSuite() { delete tracks_; }
  static std::map<std::string, Rendered>* tracks_;
};
std::map<std::string, Rendered>* SystemMusicTest::tracks_ = nullptr;

TEST_F(SystemMusicTest, TheSpecsFiveTracks) {
  std::vector<std::string> ids;
  for (const EmbeddedScore& s : SystemScores()) ids.emplace_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"celebration_upbeat", "celebration_gentle",
                                           "celebration_energetic", "celebration_emotional",
                                           "celebration_elegant"}));
  const std::map<std::string, std::pair<double, std::string>> expected = {
      {"celebration_upbeat", {120, "cheerful"}},
      {"celebration_gentle", {90, "warm"}},
      {"celebration_energetic", {140, "energetic"}},
      {"celebration_emotional", {80, "emotional"}},
      {"celebration_elegant", {100, "elegant"}}};
  for (const auto& [id, r] : *tracks_) {
    EXPECT_EQ(r.score.id, id);
    EXPECT_EQ(r.score.bpm, expected.at(id).first) << id;
    EXPECT_EQ(r.score.mood, expected.at(id).second) << id;
    EXPECT_GE(r.score.instruments.size(), 4u) << id << ": several instruments";
  }
}

TEST_F(SystemMusicTest, EachTrackIsAMinuteToTwoLongAtMinus14Lufs) {
  for (const auto& [id, r] : *tracks_) {
    const audio::Sound& loop = r.track.loop;
    EXPECT_EQ(loop.sample_rate, 48000);
    EXPECT_EQ(loop.channels, 2);
    EXPECT_GE(loop.duration_seconds(), 60) << id;
    EXPECT_LE(loop.duration_seconds(), 120) << id;
    EXPECT_NEAR(loop.duration_seconds(), r.score.loop_seconds(), 64.0 / 48000) << id;
    Result<audio::Loudness> measured = audio::MeasureLoudness(loop);
    ASSERT_TRUE(measured.ok());
    EXPECT_NEAR(measured->integrated_lufs, -14, 0.5) << id;
    EXPECT_LE(measured->true_peak_dbtp, -0.9) << id;
    std::cout << id << ": " << loop.duration_seconds() << " s, " << measured->integrated_lufs
              << " LUFS, " << measured->true_peak_dbtp << " dBTP, rendered (with loudness and "
              << "preview) in " << r.cpu_seconds << " s CPU\n";
  }
}

TEST_F(SystemMusicTest, TheLoopPointHasNoClick) {
  for (const auto& [id, r] : *tracks_) {
    const LoopSeam seam = MeasureLoopSeam(r.track.loop);
    std::cout << id << ": jump " << seam.jump << " (local steps p99 " << seam.typical << ", max "
              << seam.local_max << "), bend " << seam.bend << " (local p99 " << seam.bend_typical
              << ")\n";
    // The step from the last frame to the first is one more step of the music, no larger
    // than most steps around it, and the waveform's slope does not break there either. (A
    // single pass cut out of the render, without the tails of its own end, fails this for
    // three of the five scores: bends 2.6 and 3 times the local p99.)
    EXPECT_LE(seam.jump, seam.typical) << id;
    EXPECT_LE(seam.bend, seam.bend_typical) << id;
    // The loop starts mid-sound (the tails of its own end), not from silence.
    EXPECT_GT(std::abs(r.track.loop.samples[0]) + std::abs(r.track.loop.samples[1]), 0) << id;
  }
}

TEST_F(SystemMusicTest, TheEstimatorHearsTheScoresTempo) {
  for (const auto& [id, r] : *tracks_) {
    Result<TempoEstimate> t = EstimateTempo(r.track.loop);
    ASSERT_TRUE(t.ok()) << id << ": " << t.status();
    std::cout << id << ": estimated " << t->bpm << " bpm (score " << r.score.bpm << "), confidence "
              << t->confidence << "\n";
    // The beat itself, not a multiple: within 3 %.
    EXPECT_NEAR(t->bpm, r.score.bpm, 0.03 * r.score.bpm) << id;
  }
}

TEST_F(SystemMusicTest, PreviewsAreTwentySecondsAndFadeOut) {
  for (const auto& [id, r] : *tracks_) {
    const audio::Sound& p = r.track.preview;
    EXPECT_DOUBLE_EQ(p.duration_seconds(), 20.0) << id;
    EXPECT_EQ(p.samples.back(), 0.0f) << id;
    EXPECT_EQ(p.samples.front(), 0.0f) << id;
    // The middle is the loop itself.
    const size_t mid = p.samples.size() / 2;
    EXPECT_EQ(p.samples[mid], r.track.loop.samples[mid]) << id;
  }
}

class SeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_music_seed_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    bgm_ = std::move(catalog::OpenBgmCatalog(data_dir_, clock_)).value();
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  std::filesystem::path data_dir_;
  FakeClock clock_{*ParseIso8601("2025-01-01T12:00:00Z")};
  std::unique_ptr<catalog::BgmCatalog> bgm_;
  test::MemoryObjectStore store_;
  IdGenerator ids_{7};
};

TEST_F(SeedTest, SeedingFillsTheCatalogAndStoreOnceAndRestoresLostObjects) {
  library::MusicService service(*bgm_, store_, ids_);
  const auto start = std::chrono::steady_clock::now();
  library::MusicSeedReport report = service.EnsureSystemTracks();
  std::cout << "seeding five tracks took "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s wall\n";
  for (const auto& [id, status] : report.failed) ADD_FAILURE() << id << ": " << status;
  EXPECT_EQ(report.created.size(), 5u);

  Result<std::vector<catalog::BgmTrack>> tracks = bgm_->List();
  ASSERT_TRUE(tracks.ok());
  ASSERT_EQ(tracks->size(), 5u);
  for (const catalog::BgmTrack& t : *tracks) {
    EXPECT_EQ(t.type, catalog::BgmTrack::Type::kSystem);
    EXPECT_EQ(t.file_path, "bgm/system/" + t.id + ".mp3");
    EXPECT_EQ(t.preview_url, "/api/bgm/tracks/" + t.id + "/preview");
    EXPECT_EQ(t.metadata.seamless_loop, std::optional<bool>(true));
    EXPECT_TRUE(t.metadata.genre.has_value());
    EXPECT_NEAR(t.volume_db, -14, 0.5);
    // The stored MP3 decodes to the catalogued duration.
    Result<std::string> mp3 = store_.GetBytes(t.file_path);
    ASSERT_TRUE(mp3.ok()) << t.file_path;
    Result<audio::Sound> decoded = audio::DecodeAudio(*mp3, 48000, 2);
    ASSERT_TRUE(decoded.ok());
    EXPECT_NEAR(decoded->duration_seconds(), t.duration_seconds, 0.01) << t.id;
    const LoopSeam seam = MeasureLoopSeam(*decoded);
    std::cout << t.id << " as MP3: jump " << seam.jump << " (local p99 " << seam.typical
              << "), bend " << seam.bend << " (local p99 " << seam.bend_typical << ")\n";
    // The MP3 (gapless: LAME's header trims its delay and padding) keeps the seam.
    EXPECT_LE(seam.jump, seam.typical) << t.id;
    EXPECT_LE(seam.bend, seam.bend_typical) << t.id;
    Result<std::string> preview = store_.GetBytes(catalog::BgmTrack::PreviewKey(t.id));
    ASSERT_TRUE(preview.ok());
    Result<audio::Sound> clip = audio::DecodeAudio(*preview, 48000, 2);
    ASSERT_TRUE(clip.ok());
    EXPECT_NEAR(clip->duration_seconds(), 20, 0.01);
  }
  EXPECT_EQ(tracks->front().id, "celebration_upbeat");
  EXPECT_EQ(tracks->front().bpm, 120);
  EXPECT_EQ(tracks->front().mood, "cheerful");

  // A second seeding changes nothing.
  const Json before = *bgm_->Document();
  const std::string upbeat = *store_.GetBytes("bgm/system/celebration_upbeat.mp3");
  clock_.Advance(std::chrono::hours(1));
  report = service.EnsureSystemTracks();
  EXPECT_TRUE(report.created.empty());
  EXPECT_EQ(report.kept.size(), 5u);
  EXPECT_EQ(*bgm_->Document(), before);
  EXPECT_EQ(*store_.GetBytes("bgm/system/celebration_upbeat.mp3"), upbeat);

  // A lost object is put back; the record stays as it was.
  ASSERT_TRUE(store_.Delete("bgm/system/celebration_gentle.mp3").ok());
  report = service.EnsureSystemTracks();
  EXPECT_EQ(report.kept.size(), 5u);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_TRUE(*store_.Exists("bgm/system/celebration_gentle.mp3"));
  EXPECT_EQ(*bgm_->Document(), before);
}

TEST_F(SeedTest, AMissingSoundfontIsNamed) {
  const std::filesystem::path missing = data_dir_ / "no_such_font.sf2";
  Result<Score> score = ParseScore(SystemScores().front().json);
  ASSERT_TRUE(score.ok());
  Result<audio::Sound> sound = RenderLoop(*score, {.soundfont = missing});
  ASSERT_FALSE(sound.ok());
  EXPECT_EQ(sound.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(sound.status().reason(), "soundfont_missing");
  EXPECT_NE(sound.status().message().find(missing.string()), std::string::npos);

  library::MusicServiceOptions options;
  options.tracks.render.soundfont = missing;
  library::MusicService service(*bgm_, store_, ids_, options);
  library::MusicSeedReport report = service.EnsureSystemTracks();
  EXPECT_EQ(report.failed.size(), 5u);
  EXPECT_TRUE(report.created.empty());
  EXPECT_TRUE(bgm_->List()->empty());
}

TEST_F(SeedTest, ARenderCacheLetsAFreshDataDirCopyInsteadOfRender) {
  const std::filesystem::path cache = data_dir_ / "cache";
  library::MusicServiceOptions options;
  options.render_cache = cache;
  library::MusicService first(*bgm_, store_, ids_, options);
  ASSERT_EQ(first.EnsureSystemTracks().created.size(), 5u);
  size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cache)) {
    EXPECT_EQ(entry.path().extension(), ".bin");
    ++entries;
  }
  EXPECT_EQ(entries, 5u);

  // A second data dir with the same cache, one entry damaged: four tracks come from the
  // cache, the damaged one is rendered again, and every byte and figure is the same.
  const std::filesystem::path upbeat_entry = [&] {
    for (const auto& entry : std::filesystem::directory_iterator(cache)) {
      if (entry.path().filename().string().starts_with("celebration_upbeat-")) return entry.path();
    }
    return std::filesystem::path();
  }();
  ASSERT_FALSE(upbeat_entry.empty());
  std::filesystem::resize_file(upbeat_entry, std::filesystem::file_size(upbeat_entry) / 2);
  const auto second_dir = data_dir_ / "second";
  auto second_bgm = std::move(catalog::OpenBgmCatalog(second_dir, clock_)).value();
  test::MemoryObjectStore second_store;
  library::MusicService second(*second_bgm, second_store, ids_, options);
  const library::MusicSeedReport report = second.EnsureSystemTracks();
  ASSERT_EQ(report.created.size(), 5u);
  const std::vector<catalog::BgmTrack> tracks = bgm_->List().value();
  for (const catalog::BgmTrack& track : tracks) {
    Result<catalog::BgmTrack> copy = second_bgm->Get(track.id);
    ASSERT_TRUE(copy.ok());
    EXPECT_EQ(copy->duration_seconds, track.duration_seconds) << track.id;
    EXPECT_EQ(copy->volume_db, track.volume_db) << track.id;
    if (track.id != "celebration_upbeat") {
      EXPECT_EQ(*second_store.GetBytes(track.file_path), *store_.GetBytes(track.file_path));
    }
  }
  // The damaged entry was written again, whole.
  EXPECT_GT(std::filesystem::file_size(upbeat_entry), 100000u);
}

}  // namespace
}  // namespace vmsg::music
