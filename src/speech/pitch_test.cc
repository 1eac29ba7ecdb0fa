// YIN pitch on generated tones (speech/pitch.h).
#include "speech/pitch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace vmsg::speech {
namespace {

audio::Sound Tone(double hz, double seconds, int rate, double amplitude = 0.5) {
  audio::Sound a;
  a.sample_rate = rate;
  a.samples.resize(static_cast<size_t>(seconds * rate));
  for (size_t i = 0; i < a.samples.size(); ++i) {
    // A few harmonics, like a voice, so the fundamental is not the only peak.
    const double t = static_cast<double>(i) / rate;
    double v = 0;
    for (int h = 1; h <= 4; ++h) v += std::sin(2 * std::numbers::pi * hz * h * t) / h;
    a.samples[i] = static_cast<float>(amplitude * v / 2.1);
  }
  return a;
}

TEST(PitchTest, ResampledToneKeepsItsPitch) {
  auto pitch = EstimatePitch(audio::Resample(Tone(200, 1.0, 48000), 16000));
  ASSERT_TRUE(pitch.ok()) << pitch.status();
  EXPECT_NEAR(pitch->median_hz, 200, 2);
}

TEST(PitchTest, MeasuresTonesAcrossTheVoiceRange) {
  for (double hz : {80.0, 110.0, 196.0, 261.6, 440.0}) {
    auto pitch = EstimatePitch(Tone(hz, 0.5, 48000));
    ASSERT_TRUE(pitch.ok()) << hz << ": " << pitch.status();
    EXPECT_NEAR(SemitonesBetween(hz, pitch->median_hz), 0, 0.1) << hz;
  }
}

TEST(PitchTest, SilenceAndNoiseHaveNoPitch) {
  audio::Sound silence{16000, 1, std::vector<float>(16000, 0.0f)};
  EXPECT_EQ(EstimatePitch(silence).status().reason(), "no_voiced_audio");
  audio::Sound noise{16000, 1, std::vector<float>(16000)};
  uint32_t state = 12345;
  for (float& s : noise.samples) {
    state = state * 1664525u + 1013904223u;
    s = static_cast<float>(static_cast<int32_t>(state) / 4294967296.0);
  }
  EXPECT_EQ(EstimatePitch(noise).status().reason(), "no_voiced_audio");
}

}  // namespace
}  // namespace vmsg::speech
