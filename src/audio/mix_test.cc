// The mix on generated inputs only: the loop seam, activity from the envelope of a
// synthetic speech-like signal (and the mix over it), and the refusals.
#include "audio/mix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "audio/codec.h"
#include "testing/test_signals.h"

namespace vmsg::audio {
namespace {

using test::ChordMusic;
using test::Db;
using test::Rms;

constexpr int kRate = 48000;
constexpr double kDurationToleranceSeconds = 0.010;
constexpr size_t kMp3FrameSamples = 1152;

// The largest sample-to-sample step in frames [begin, end) of either channel.
double MaxStep(const Sound& sound, size_t begin, size_t end) {
  const auto channels = static_cast<size_t>(sound.channels);
  double worst = 0;
  for (size_t n = std::max<size_t>(begin, 1); n < std::min(end, sound.frames()); ++n) {
    for (size_t c = 0; c < channels; ++c) {
      worst = std::max(worst, std::abs(static_cast<double>(sound.samples[n * channels + c]) -
                                       sound.samples[(n - 1) * channels + c]));
    }
  }
  return worst;
}

TEST(LoopMusicTest, SeamHasNoClick) {
  const Sound music = ChordMusic(kRate, 3.3, /*wobble=*/true);
  const double inside = MaxStep(music, 0, music.frames());
  // Sanity: this music does not loop by itself; a plain repeat clicks.
  Sound plain = music;
  plain.samples.insert(plain.samples.end(), music.samples.begin(), music.samples.end());
  const double plain_seam = MaxStep(plain, music.frames() - 2, music.frames() + 2);
  ASSERT_GT(plain_seam, 3 * inside);

  const Sound looped = LoopMusic(music, music.frames() * 4, 0.5);
  ASSERT_EQ(looped.frames(), music.frames() * 4);
  // At each seam the step is one the music itself takes; inside the crossfade two
  // uncorrelated stretches add at equal power, so steps may grow by up to sqrt(2).
  const size_t period_frames = music.frames() - 24000;
  for (size_t seam = period_frames; seam < looped.frames(); seam += period_frames) {
    EXPECT_LE(MaxStep(looped, seam - 2, seam + 2), 1.05 * inside) << seam;
  }
  EXPECT_LE(MaxStep(looped, 0, looped.frames()), 1.45 * inside);
  // Repeats are the music's start again: frame for frame after the crossfade.
  const size_t period = music.frames() - 24000;
  const size_t after_fade = period + 24000 + 100;
  EXPECT_EQ(looped.samples[after_fade * 2], music.samples[(after_fade - period) * 2]);
}

TEST(MixTimingTest, SpeechWithoutTimingsUsesItsEnvelope) {
  // Two bursts of a vowel-like buzz with a second of silence between: two activity spans.
  speech::Speech speech;
  speech.audio.sample_rate = 16000;
  for (int n = 0; n < 16000 * 3; ++n) {
    const double t = n / 16000.0;
    const bool on = t < 1.0 || t >= 2.0;
    speech.audio.samples.push_back(
        on ? static_cast<float>(0.3 * std::sin(2 * 3.14159265 * 150 * t) +
                                0.1 * std::sin(2 * 3.14159265 * 700 * t))
           : 0.0f);
  }
  const auto spans = SpeechActivity(speech, 0.5);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_NEAR(spans[0].start, 0.0, 0.011);
  EXPECT_NEAR(spans[0].end, 1.0, 0.011);
  EXPECT_NEAR(spans[1].start, 2.0, 0.011);
  EXPECT_NEAR(spans[1].end, 3.0, 0.011);
  // A gap shorter than the merge gap is closed.
  EXPECT_EQ(SpeechActivity(speech, 1.5).size(), 1u);

  const Sound music = ChordMusic(kRate, 4.0, /*wobble=*/false);
  auto mixed = Mix(speech, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_NEAR(mixed->mix.duration_seconds(), 5.5, kDurationToleranceSeconds);
  EXPECT_GE(mixed->min_speech_over_music_db, 12.0);
  // The music comes back up in the pause (1 s long, release 0.4 s).
  const double pause = Rms(mixed->music_bus, 1.0 + 1.6, 1.0 + 1.8);
  const double under = Rms(mixed->music_bus, 1.0 + 0.5, 1.0 + 0.7);
  EXPECT_GT(Db(pause / under), 8.0);
}

TEST(MixTimingTest, PeakySpeechIsLimitedAndKeepsItsLeadOverTheMusic) {
  // A quiet buzz with sharp plosive-like bursts: reaching -14 LUFS by gain alone would put
  // the bursts several dB over the ceiling, so the limiter must work inside the mix.
  speech::Speech speech;
  speech.audio.sample_rate = 24000;
  for (int n = 0; n < 24000 * 4; ++n) {
    const double t = n / 24000.0;
    double v = 0.05 * std::sin(2 * 3.14159265 * 180 * t);
    if (n % 12000 < 24) v += 0.95 * std::sin(3.14159265 * (n % 12000) / 24.0);
    speech.audio.samples.push_back(static_cast<float>(v));
  }
  const Sound music = ChordMusic(kRate, 3.0, /*wobble=*/true);
  auto mixed = Mix(speech, &music);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  auto loudness = MeasureLoudness(mixed->mix);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 0.5);
  EXPECT_LE(loudness->true_peak_dbtp, -1.0);
  EXPECT_GE(mixed->min_speech_over_music_db, 12.0);
  // The limiter really worked: the speech's bursts are not in proportion any more.
  Sound speech_only = FromMono(audio::Resample(speech.audio, kRate), 2);
  auto plain = MeasureLoudness(speech_only);
  ASSERT_TRUE(plain.ok());
  EXPECT_GT(plain->true_peak_dbtp - plain->integrated_lufs,
            loudness->true_peak_dbtp - loudness->integrated_lufs + 3.0);
}

TEST(MixRefusalTest, RefusesEmptySilentOrBadInputs) {
  speech::Speech empty;
  empty.audio.sample_rate = kRate;
  EXPECT_EQ(Mix(empty, nullptr).status().reason(), "speech_empty");

  speech::Speech silent;
  silent.audio = audio::Sound{kRate, 1, std::vector<float>(kRate, 0.0f)};
  EXPECT_EQ(Mix(silent, nullptr).status().reason(), "speech_empty");

  speech::Speech tone;
  tone.audio.sample_rate = kRate;
  for (int n = 0; n < kRate; ++n) {
    tone.audio.samples.push_back(static_cast<float>(0.3 * std::sin(n * 0.05)));
  }
  const Sound short_music = ChordMusic(kRate, 1.0, false);
  EXPECT_EQ(Mix(tone, &short_music).status().reason(), "music_too_short");

  MixOptions options;
  options.duck_db = -3;
  auto refused = Mix(tone, nullptr, options);
  EXPECT_EQ(refused.status().reason(), "invalid_mix_options");
  EXPECT_NE(refused.status().message().find("duck_db"), std::string::npos);
}

}  // namespace
}  // namespace vmsg::audio
