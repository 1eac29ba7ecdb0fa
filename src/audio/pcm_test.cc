// WAV round trips, refusal of bad WAV bytes, gain, RMS and resampling on generated
// tones.
#include "audio/pcm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "testing/test_signals.h"

namespace vmsg::audio {
namespace {

using test::HarmonicTone;

TEST(WavTest, RoundTripKeepsRateLengthAndSamples) {
  const Sound tone = HarmonicTone(220, 0.25, 22050);
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
  Sound a{8000, 1, {2.0f, -2.0f}};
  auto decoded = DecodeWav(EncodeWav(a));
  ASSERT_TRUE(decoded.ok());
  EXPECT_NEAR(decoded->samples[0], 1.0, 1e-3);
  EXPECT_NEAR(decoded->samples[1], -1.0, 1e-3);
}

TEST(WavTest, RefusesBadBytes) {
  const std::string good = EncodeWav(HarmonicTone(220, 0.05, 8000));
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
  Sound a = HarmonicTone(440, 0.5, 16000, 0.5);
  const double before = Rms(a, 0, a.samples.size());
  ApplyGainDb(a, 6.0206);
  EXPECT_NEAR(Rms(a, 0, a.samples.size()) / before, 2.0, 1e-3);
  EXPECT_EQ(Rms(a, 10, 10), 0);
}

// Sign changes of channel `c` of `sound`: a tone of f Hz crosses zero 2f times a second.
size_t ZeroCrossings(const Sound& sound, int c) {
  size_t n = 0;
  const size_t step = static_cast<size_t>(sound.channels);
  for (size_t i = step + static_cast<size_t>(c); i < sound.samples.size(); i += step) {
    n += (sound.samples[i - step] < 0) != (sound.samples[i] < 0);
  }
  return n;
}

TEST(AudioTest, ResampleKeepsDurationAndPitch) {
  const Sound tone = HarmonicTone(200, 1.0, 48000);
  const Sound down = Resample(tone, 16000);
  EXPECT_EQ(down.sample_rate, 16000);
  EXPECT_EQ(down.channels, 1);
  EXPECT_EQ(down.samples.size(), 16000u);
  EXPECT_NEAR(static_cast<double>(ZeroCrossings(down, 0)), ZeroCrossings(tone, 0), 2);
}

TEST(AudioTest, ResampleKeepsEachChannelApart) {
  // Left 300 Hz, right 500 Hz, at 44.1 kHz to 48 kHz.
  const Sound left = HarmonicTone(300, 0.5, 44100), right = HarmonicTone(500, 0.5, 44100);
  Sound stereo{44100, 2, {}};
  for (size_t i = 0; i < left.samples.size(); ++i) {
    stereo.samples.push_back(left.samples[i]);
    stereo.samples.push_back(right.samples[i]);
  }
  const Sound up = Resample(stereo, 48000);
  EXPECT_EQ(up.channels, 2);
  EXPECT_EQ(up.frames(), 24000u);
  EXPECT_NEAR(up.duration_seconds(), 0.5, 1e-3);
  EXPECT_NEAR(static_cast<double>(ZeroCrossings(up, 0)), ZeroCrossings(left, 0), 2);
  EXPECT_NEAR(static_cast<double>(ZeroCrossings(up, 1)), ZeroCrossings(right, 0), 2);
}

TEST(WavTest, StereoKeepsItsChannelsInTheHeader) {
  const std::string wav = EncodeWav(Sound{8000, 2, std::vector<float>(16, 0.25f)});
  ASSERT_EQ(wav.size(), 44u + 32u);
  EXPECT_EQ(static_cast<int>(wav[22]), 2);      // channels
  EXPECT_EQ(static_cast<uint8_t>(wav[32]), 4);  // block align
  const auto decoded = DecodeWav(wav);          // mixed down to mono
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->channels, 1);
  EXPECT_EQ(decoded->samples.size(), 8u);
}

}  // namespace
}  // namespace vmsg::audio
