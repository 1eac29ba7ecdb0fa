// EBU R128 figures on signals whose loudness is known, and normalisation that has to reach
// the target with gain alone, with the limiter, and not at all (silence).
#include "audio/loudness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/test_signals.h"

namespace vmsg::audio {
namespace {

using test::Tone;

TEST(LoudnessTest, SineHasItsKnownLoudness) {
  // BS.1770: a 1 kHz sine at full scale in both channels reads 0 LUFS (K-weighting is
  // about +0.7 dB at 1 kHz, offset by the -0.691 constant); at amplitude 0.1, -20 LUFS.
  auto stereo = MeasureLoudness(Tone(48000, 2, 5.0, 1000, 0.1));
  ASSERT_TRUE(stereo.ok()) << stereo.status();
  EXPECT_NEAR(stereo->integrated_lufs, -20.0, 0.2);
  EXPECT_NEAR(stereo->true_peak_dbtp, -20.0, 0.1);
  // Mono counts as played on both speakers: the same figure.
  auto mono = MeasureLoudness(Tone(48000, 1, 5.0, 1000, 0.1));
  ASSERT_TRUE(mono.ok());
  EXPECT_NEAR(mono->integrated_lufs, stereo->integrated_lufs, 0.01);
}

TEST(LoudnessTest, SilenceHasNoLoudness) {
  Sound silence{48000, 2, std::vector<float>(48000 * 2 * 2, 0.0f)};
  auto loudness = MeasureLoudness(silence);
  ASSERT_TRUE(loudness.ok());
  EXPECT_TRUE(std::isinf(loudness->integrated_lufs));
  auto plan = PlanNormalization(silence);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->gain_db, 0);
  EXPECT_TRUE(plan->limiter.empty());
}

TEST(LoudnessTest, GainAloneReachesTheTarget) {
  Sound tone = Tone(48000, 2, 5.0, 1000, 0.05);
  auto plan = PlanNormalization(tone);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->limiter.empty());  // a sine at -14 LUFS peaks near -14 dBTP
  ApplyNormalization(*plan, tone);
  auto after = MeasureLoudness(tone);
  ASSERT_TRUE(after.ok());
  EXPECT_NEAR(after->integrated_lufs, -14.0, 0.1);
  EXPECT_NEAR(after->integrated_lufs, plan->result.integrated_lufs, 1e-6);
}

// Quiet tone with sharp clicks every half second: reaching -14 LUFS by gain puts the clicks
// far above full scale, so only the limiter can satisfy both figures.
Sound Clicky() {
  Sound sound = Tone(48000, 2, 8.0, 300, 0.05);
  for (size_t n = 0; n < sound.frames(); n += 24000) {
    for (size_t k = 0; k < 48 && n + k < sound.frames(); ++k) {
      const auto v = static_cast<float>(0.9 * std::sin(3.14159 * k / 48.0));
      sound.samples[2 * (n + k)] += v;
      sound.samples[2 * (n + k) + 1] -= v;
    }
  }
  return sound;
}

TEST(LoudnessTest, LimiterHoldsTheTruePeakCeiling) {
  Sound sound = Clicky();
  auto before = MeasureLoudness(sound);
  ASSERT_TRUE(before.ok());
  // Gain alone would put the peaks several dB over the ceiling.
  ASSERT_GT(before->true_peak_dbtp + (-14.0 - before->integrated_lufs), 3.0);
  auto reached = Normalize(sound);
  ASSERT_TRUE(reached.ok()) << reached.status();
  auto after = MeasureLoudness(sound);
  ASSERT_TRUE(after.ok());
  EXPECT_NEAR(after->integrated_lufs, -14.0, 0.1);
  EXPECT_LE(after->true_peak_dbtp, -1.0);
  EXPECT_NEAR(after->true_peak_dbtp, reached->true_peak_dbtp, 1e-6);
}

TEST(LoudnessTest, LimiterLeavesTheQuietPartsAlone) {
  Sound sound = Clicky();
  auto plan = PlanNormalization(sound);
  ASSERT_TRUE(plan.ok());
  ASSERT_FALSE(plan->limiter.empty());
  // Away from the clicks (a quarter second after each) the limiter has released.
  for (size_t n = 12000; n < plan->limiter.size(); n += 24000) {
    EXPECT_GT(plan->limiter[n], 0.99) << n;
  }
  // At a click it takes the peak down.
  EXPECT_LT(plan->limiter[24000 + 24], 0.5);
}

TEST(LoudnessTest, RefusesOtherChannelCounts) {
  Sound six{48000, 6, std::vector<float>(600, 0.0f)};
  EXPECT_EQ(MeasureLoudness(six).status().reason(), "invalid_audio_format");
}

}  // namespace
}  // namespace vmsg::audio
