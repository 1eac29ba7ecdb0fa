// YIN pitch on generated tones (speech/pitch.h).
#include "speech/pitch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "testing/test_signals.h"

namespace vmsg::speech {
namespace {

using test::HarmonicTone;

TEST(PitchTest, ResampledToneKeepsItsPitch) {
  auto pitch = EstimatePitch(audio::Resample(HarmonicTone(200, 1.0, 48000), 16000));
  ASSERT_TRUE(pitch.ok()) << pitch.status();
  EXPECT_NEAR(pitch->median_hz, 200, 2);
}

TEST(PitchTest, MeasuresTonesAcrossTheVoiceRange) {
  for (double hz : {80.0, 110.0, 196.0, 261.6, 440.0}) {
    auto pitch = EstimatePitch(HarmonicTone(hz, 0.5, 48000));
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
