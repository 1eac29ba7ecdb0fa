// The mix on generated music and real synthesised speech (flite): duration, loudness, true
// peak, the speech-over-music ratio measured on the buses, ducking depth and timing, the
// fade shapes, "no music", and the MP3 of the result.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "audio/codec.h"
#include "audio/mix.h"
#include "speech/system_voices.h"
#include "testing/test_signals.h"

namespace vmsg::audio {
namespace {

using test::ChordMusic;
using test::Db;
using test::Rms;

constexpr int kRate = 48000;
constexpr double kDurationToleranceSeconds = 0.010;
constexpr size_t kMp3FrameSamples = 1152;

class MixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    flite_ = speech::NewFliteSynthesizer().release();
    auto jtalk = speech::NewOpenJTalkSynthesizer();
    ASSERT_TRUE(jtalk.ok()) << jtalk.status();
    jtalk_ = std::move(jtalk).value().release();
    speech::Speaker speaker(jtalk_, flite_);
    auto japanese = speaker.Synthesize("お誕生日おめでとう！素敵な一年になりますように。",
                                       speech::DefaultMaleVoice(), speech::ProsodyParams{});
    ASSERT_TRUE(japanese.ok()) << japanese.status();
    japanese_ = new speech::Speech(std::move(japanese->speech));
    auto spoken = speaker.Synthesize(
        "Happy birthday, Anna! I hope this year brings you lots of joy. See you soon.",
        speech::EnglishFemaleVoice(), speech::ProsodyParams{});
    ASSERT_TRUE(spoken.ok()) << spoken.status();
    speech_ = new speech::Speech(std::move(spoken->speech));
  }
  static void TearDownTestSuite() {
    delete speech_;
    delete japanese_;
    delete flite_;
    delete jtalk_;
  }

  static speech::SpeechSynthesizer* flite_;
  static speech::SpeechSynthesizer* jtalk_;
  static speech::Speech* speech_;    // English (flite)
  static speech::Speech* japanese_;  // Open JTalk
};

speech::SpeechSynthesizer* MixTest::flite_ = nullptr;
speech::SpeechSynthesizer* MixTest::jtalk_ = nullptr;
speech::Speech* MixTest::speech_ = nullptr;
speech::Speech* MixTest::japanese_ = nullptr;

TEST_F(MixTest, MusicMixMeetsItsFigures) {
  // 3.3 s of music at 44.1 kHz under several seconds of speech: it must loop and resample.
  const Sound music = ChordMusic(44100, 3.3, /*wobble=*/true);
  const auto started = std::chrono::steady_clock::now();
  auto mixed = Mix(*speech_, &music);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const Sound& mix = mixed->mix;
  EXPECT_EQ(mix.sample_rate, kRate);
  EXPECT_EQ(mix.channels, 2);
  EXPECT_NEAR(mix.duration_seconds(), speech_->duration_seconds() + 2.5, kDurationToleranceSeconds);
  EXPECT_DOUBLE_EQ(mixed->speech_start, 1.0);

  auto loudness = MeasureLoudness(mix);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 0.5);
  EXPECT_LE(loudness->true_peak_dbtp, -1.0);

  // The buses add up to the mix.
  for (size_t i = 0; i < mix.samples.size(); i += 997) {
    EXPECT_NEAR(mix.samples[i], mixed->speech_bus.samples[i] + mixed->music_bus.samples[i], 1e-5);
  }
  // Speech over music during every stretch of speech, measured here on the buses.
  ASSERT_FALSE(mixed->activity.empty());
  double lowest = 1e9;
  for (const Span& s : mixed->activity) {
    const double ratio =
        Db(Rms(mixed->speech_bus, s.start, s.end) / Rms(mixed->music_bus, s.start, s.end));
    EXPECT_GE(ratio, 12.0) << s.start << ".." << s.end;
    lowest = std::min(lowest, ratio);
  }
  EXPECT_NEAR(mixed->min_speech_over_music_db, lowest, 0.01);
  RecordProperty("min_speech_over_music_db", std::to_string(lowest));
  std::printf(
      "mix of %.2f s speech: %.2f LUFS, %.2f dBTP, speech over music >= %.1f dB, music gain "
      "%.1f dB, %.0f ms\n",
      speech_->duration_seconds(), loudness->integrated_lufs, loudness->true_peak_dbtp, lowest,
      mixed->music_gain_db, took.count() * 1000);

  // Music is there before the first word and after the last.
  const double speech_end = mixed->speech_start + speech_->duration_seconds();
  EXPECT_GT(Rms(mixed->music_bus, 0.6, 0.9), 0.01);
  EXPECT_EQ(Rms(mixed->speech_bus, 0.0, 1.0), 0.0);
  EXPECT_GT(Rms(mixed->music_bus, speech_end + 0.5, speech_end + 0.9), 0.005);
  EXPECT_EQ(Rms(mixed->speech_bus, speech_end + 0.01, mix.duration_seconds()), 0.0);
}

TEST_F(MixTest, JapaneseSpeechMixMeetsTheSameFigures) {
  const Sound music = ChordMusic(kRate, 2.5, /*wobble=*/true);
  auto mixed = Mix(*japanese_, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_NEAR(mixed->mix.duration_seconds(), japanese_->duration_seconds() + 2.5,
              kDurationToleranceSeconds);
  auto loudness = MeasureLoudness(mixed->mix);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 0.5);
  EXPECT_LE(loudness->true_peak_dbtp, -1.0);
  for (const Span& s : mixed->activity) {
    EXPECT_GE(Db(Rms(mixed->speech_bus, s.start, s.end) / Rms(mixed->music_bus, s.start, s.end)),
              12.0)
        << s.start;
  }
  std::printf("japanese mix of %.2f s: %.2f LUFS, %.2f dBTP, speech over music >= %.1f dB\n",
              japanese_->duration_seconds(), loudness->integrated_lufs, loudness->true_peak_dbtp,
              mixed->min_speech_over_music_db);
}

TEST_F(MixTest, MusicDucksAboutTenDecibelsUnderSpeech) {
  // Steady music (no wobble) so its level changes only by the mix's gains; long enough
  // not to loop.
  const Sound music = ChordMusic(kRate, 30, /*wobble=*/false);
  auto mixed = Mix(*speech_, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const double bed = Rms(mixed->music_bus, 0.6, 0.9);  // after the fade in, before the duck
  const Span& first = mixed->activity.front();
  ASSERT_GT(first.end - first.start, 0.3);
  const double ducked = Rms(mixed->music_bus, first.start, first.start + 0.3);
  const double depth = Db(bed / ducked);
  EXPECT_GE(depth, 9.5);
  EXPECT_LE(depth, 16.0);  // deeper only where the ratio needs it
  // Attack: fully down when the speech starts, still up at the attack's start.
  EXPECT_NEAR(Db(bed / Rms(mixed->music_bus, first.start - 0.1, first.start - 0.09)), 0, 0.5);
  // Release: back near the bed 0.45 s after the last stretch ends (if the tail is music only).
  const Span& last = mixed->activity.back();
  const double back = Rms(mixed->music_bus, last.end + 0.42, last.end + 0.45);
  // The fade out has begun by then; compare with the fade's own gain at that point.
  const double total = mixed->mix.duration_seconds();
  const double x = (total - (last.end + 0.435)) / 2.0;
  const double fade = 0.5 - 0.5 * std::cos(3.14159265 * x);
  EXPECT_NEAR(Db(back / (bed * fade)), 0, 1.0);
}

TEST_F(MixTest, FadesAreRaisedCosines) {
  const Sound music = ChordMusic(kRate, 30, /*wobble=*/false);
  auto mixed = Mix(*speech_, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const Sound& bus = mixed->music_bus;
  const double bed = Rms(bus, 0.6, 0.9);
  // Fade in over 0.5 s: silent at 0, half-amplitude at 0.25 s, rising all the way.
  EXPECT_LT(std::abs(bus.samples[0]), 1e-6);
  EXPECT_NEAR(Rms(bus, 0.24, 0.26) / bed, 0.5, 0.06);
  double previous = 0;
  for (int block = 0; block < 10; ++block) {
    const double t = block * 0.05;
    const double level = Rms(bus, t, t + 0.05);
    EXPECT_GT(level, previous) << t;
    previous = level;
  }
  // Fade out over the last 2 s: half at 1 s from the end, 0.146 at 0.5 s, silent at the end.
  const double total = mixed->mix.duration_seconds();
  EXPECT_NEAR(Rms(bus, total - 1.01, total - 0.99) / bed, 0.5, 0.06);
  EXPECT_NEAR(Rms(bus, total - 0.51, total - 0.49) / bed, 0.146, 0.03);
  EXPECT_LT(std::abs(bus.samples[bus.samples.size() - 1]), 1e-6);
}

TEST_F(MixTest, NoMusicIsSpeechWithTheSamePaddingAndLoudness) {
  auto mixed = Mix(*speech_, nullptr);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_NEAR(mixed->mix.duration_seconds(), speech_->duration_seconds() + 2.5,
              kDurationToleranceSeconds);
  auto loudness = MeasureLoudness(mixed->mix);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 0.5);
  EXPECT_LE(loudness->true_peak_dbtp, -1.0);
  EXPECT_EQ(Rms(mixed->mix, 0, 1.0), 0.0);
  EXPECT_EQ(Rms(mixed->music_bus, 0, mixed->mix.duration_seconds()), 0.0);
  EXPECT_TRUE(std::isinf(mixed->min_speech_over_music_db));
}

TEST_F(MixTest, Mp3OfTheMixKeepsItsDuration) {
  const Sound music = ChordMusic(kRate, 3.3, /*wobble=*/true);
  auto mixed = Mix(*speech_, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  auto mp3 = EncodeMp3(mixed->mix);
  ASSERT_TRUE(mp3.ok()) << mp3.status();
  auto decoded = DecodeAudio(*mp3, kRate, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_LE(
      std::labs(static_cast<long>(decoded->frames()) - static_cast<long>(mixed->mix.frames())),
      static_cast<long>(kMp3FrameSamples));
  std::printf("mp3 of the mix: %zu bytes, %zu frames decoded for %zu mixed\n", mp3->size(),
              decoded->frames(), mixed->mix.frames());
  auto loudness = MeasureLoudness(*decoded);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 0.5);
  std::printf("decoded mp3: %.2f LUFS, %.2f dBTP\n", loudness->integrated_lufs,
              loudness->true_peak_dbtp);
}

}  // namespace
}  // namespace vmsg::audio
