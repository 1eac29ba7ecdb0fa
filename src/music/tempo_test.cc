// The tempo estimator on synthetic click tracks (the rendered scores are in
// music_render_test) and its refusals.
#include "music/tempo.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace vmsg::music {
namespace {

constexpr int kRate = 48000;

// A click track: a 5 ms decaying 2 kHz blip on every beat (accented on the bar's first)
// over a quiet pad, stereo.
audio::Sound ClickTrack(double bpm, double seconds, int beats_per_bar = 4) {
  audio::Sound s{.sample_rate = kRate, .channels = 2};
  const size_t frames = static_cast<size_t>(seconds * kRate);
  s.samples.assign(frames * 2, 0.0f);
  const double period = 60.0 / bpm * kRate;
  for (int beat = 0; beat * period < static_cast<double>(frames); ++beat) {
    const size_t start = static_cast<size_t>(std::lround(beat * period));
    const double level = beat % beats_per_bar == 0 ? 0.8 : 0.5;
    for (size_t i = 0; i < static_cast<size_t>(0.03 * kRate) && start + i < frames; ++i) {
      const double t = static_cast<double>(i) / kRate;
      const float v = static_cast<float>(level * std::exp(-t / 0.005) *
                                         std::sin(2 * std::numbers::pi * 2000 * t));
      s.samples[(start + i) * 2] += v;
      s.samples[(start + i) * 2 + 1] += v;
    }
  }
  for (size_t f = 0; f < frames; ++f) {
    const float pad = static_cast<float>(
        0.05 * std::sin(2 * std::numbers::pi * 220 * static_cast<double>(f) / kRate));
    s.samples[f * 2] += pad;
    s.samples[f * 2 + 1] += pad;
  }
  return s;
}

TEST(TempoTest, FindsTheTempoOfClickTracks) {
  for (double bpm : {72.0, 96.0, 120.0, 133.0, 150.0}) {
    Result<TempoEstimate> t = EstimateTempo(ClickTrack(bpm, 30));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_NEAR(t->bpm, bpm, bpm * 0.01) << "click track at " << bpm;
    EXPECT_GT(t->confidence, 0.3);
  }
}

TEST(TempoTest, WorksAtOtherRatesAndInMono) {
  audio::Sound stereo = ClickTrack(110, 20);
  audio::Sound mono{.sample_rate = kRate, .channels = 1};
  for (size_t f = 0; f < stereo.frames(); f += 1) mono.samples.push_back(stereo.samples[f * 2]);
  Result<TempoEstimate> t = EstimateTempo(mono);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NEAR(t->bpm, 110, 1.1);
  // 44.1 kHz by dropping nothing: the same clicks, fewer samples a second.
  audio::Sound at_44k = ClickTrack(110, 20);
  at_44k.sample_rate = 44100;  // now 110 * 44100 / 48000 bpm
  t = EstimateTempo(at_44k);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NEAR(t->bpm, 110.0 * 44100 / 48000, 1.1);
}

TEST(TempoTest, RefusesSilenceAndShortAudio) {
  audio::Sound silence{.sample_rate = kRate, .channels = 2};
  silence.samples.assign(static_cast<size_t>(10 * kRate) * 2, 0.0f);
  Result<TempoEstimate> t = EstimateTempo(silence);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().reason(), "no_pulse");

  t = EstimateTempo(ClickTrack(120, kMinTempoSeconds - 1));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().reason(), "audio_too_short");
}

}  // namespace
}  // namespace vmsg::music
