// WAV round trips, refusal of bad WAV bytes, resampling and the YIN pitch estimator on
// generated tones.
#include "audio/pcm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "speech/pitch.h"

namespace vmsg::speech {
namespace {

Audio Tone(double hz, double seconds, int rate, double amplitude = 0.5) {
  Audio a;
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

TEST(WavTest, RoundTripKeepsRateLengthAndSamples) {
  const Audio tone = Tone(220, 0.25, 22050);
  const std::string bytes = EncodeWav(tone);
  ASSERT_EQ(bytes.size(), 44 + tone.samples.size() * 2);
  auto decoded = DecodeWav(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->sample_rate, 22050);
  ASSERT_EQ(decoded->samples.size(), tone.samples.size());
  for (size_t i = 0; i < tone.samples.size(); ++i) {
    ASSERT_NEAR(decoded->samples[i], tone.samples[i], 1.0 / 32000) << i;
  }
}

TEST(WavTest, ClipsOutOfRangeSamples) {
  Audio a{8000, {2.0f, -2.0f}};
  auto decoded = DecodeWav(EncodeWav(a));
  ASSERT_TRUE(decoded.ok());
  EXPECT_NEAR(decoded->samples[0], 1.0, 1e-3);
  EXPECT_NEAR(decoded->samples[1], -1.0, 1e-3);
}

TEST(WavTest, RefusesBadBytes) {
  const std::string good = EncodeWav(Tone(220, 0.05, 8000));
  for (const std::string& bad : {std::string(), std::string("RIFF"), std::string(good, 0, 30),
                                 std::string("\xFF\xD8\xFF\xE0JFIF", 8) + std::string(40, 'x')}) {
    auto decoded = DecodeWav(bad);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().reason(), "invalid_wav");
  }
  std::string eight_bit = good;
  eight_bit[34] = 8;  // bits per sample
  EXPECT_FALSE(DecodeWav(eight_bit).ok());
}

TEST(AudioTest, GainAndRms) {
  Audio a = Tone(440, 0.5, 16000, 0.5);
  const double before = Rms(a, 0, a.samples.size());
  ApplyGainDb(a, 6.0206);
  EXPECT_NEAR(Rms(a, 0, a.samples.size()) / before, 2.0, 1e-3);
  EXPECT_EQ(Rms(a, 10, 10), 0);
}

TEST(AudioTest, ResampleKeepsDurationAndPitch) {
  const Audio tone = Tone(200, 1.0, 48000);
  const Audio down = Resample(tone, 16000);
  EXPECT_EQ(down.sample_rate, 16000);
  EXPECT_EQ(down.samples.size(), 16000u);
  auto pitch = EstimatePitch(down);
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
  Audio silence{16000, std::vector<float>(16000, 0.0f)};
  EXPECT_EQ(EstimatePitch(silence).status().reason(), "no_voiced_audio");
  Audio noise{16000, std::vector<float>(16000)};
  uint32_t state = 12345;
  for (float& s : noise.samples) {
    state = state * 1664525u + 1013904223u;
    s = static_cast<float>(static_cast<int32_t>(state) / 4294967296.0);
  }
  EXPECT_EQ(EstimatePitch(noise).status().reason(), "no_voiced_audio");
}

}  // namespace
}  // namespace vmsg::speech
