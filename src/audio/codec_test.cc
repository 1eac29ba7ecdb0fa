// Decoding and encoding through libav* on generated audio: WAV and MP3 round trips keep
// the duration and the signal, and damaged or foreign bytes get their specific refusal.
#include "audio/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "testing/test_signals.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace vmsg::audio {
namespace {

using test::Tone;

// One MP3 frame at 48 kHz.
constexpr size_t kMp3FrameSamples = 1152;

double MaxDifference(const Sound& a, const Sound& b) {
  double worst = 0;
  for (size_t i = 0; i < std::min(a.samples.size(), b.samples.size()); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a.samples[i]) - b.samples[i]));
  }
  return worst;
}

TEST(CodecTest, StereoWavRoundTripKeepsSamples) {
  const Sound tone = Tone(48000, 2, 1.0, 440, 0.5);
  auto decoded = DecodeAudio(EncodeWav(tone), 48000, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->frames(), tone.frames());
  EXPECT_EQ(decoded->channels, 2);
  EXPECT_LT(MaxDifference(*decoded, tone), 1.0 / 16000);
}

TEST(CodecTest, MonoWavIsResampledAndUpmixed) {
  const Sound tone = Tone(22050, 1, 2.0, 440, 0.5);
  auto decoded = DecodeAudio(EncodeWav(tone), 48000, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_NEAR(decoded->duration_seconds(), 2.0, 0.002);
  // Both sides carry the tone at its level (RMS of a 0.5 sine: 0.354).
  double left = 0, right = 0;
  for (size_t n = 0; n < decoded->frames(); ++n) {
    left += decoded->samples[2 * n] * decoded->samples[2 * n];
    right += decoded->samples[2 * n + 1] * decoded->samples[2 * n + 1];
  }
  EXPECT_NEAR(std::sqrt(left / decoded->frames()), 0.354, 0.01);
  EXPECT_NEAR(std::sqrt(right / decoded->frames()), 0.354, 0.01);
}

TEST(CodecTest, ConvertChangesRateAndChannels) {
  const Sound tone = Tone(44100, 2, 1.5, 1000, 0.25);
  auto converted = Convert(tone, 48000, 1);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(converted->channels, 1);
  EXPECT_NEAR(converted->duration_seconds(), 1.5, 0.002);
  EXPECT_FALSE(Convert(tone, 48000, 3).ok());
}

TEST(CodecTest, LameEncoderIsAvailable) {
  EXPECT_NE(avcodec_find_encoder_by_name("libmp3lame"), nullptr);
}

TEST(CodecTest, Mp3RoundTripKeepsDurationWithinAFrame) {
  const Sound tone = Tone(48000, 2, 3.3, 440, 0.5);
  auto mp3 = EncodeMp3(tone);
  ASSERT_TRUE(mp3.ok()) << mp3.status();
  // 192 kbit/s for 3.3 s, give or take the header frame.
  EXPECT_NEAR(static_cast<double>(mp3->size()), 192000 / 8 * 3.3, 2000);
  auto decoded = DecodeAudio(*mp3, 48000, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  // The Xing/LAME header's delay and padding make this exact; one frame is the contract.
  const auto difference = static_cast<long>(decoded->frames()) - static_cast<long>(tone.frames());
  EXPECT_LE(std::labs(difference), static_cast<long>(kMp3FrameSamples)) << difference;
  // The signal survives: the decoded tone has the original's RMS within 0.5 dB (LAME
  // loses about 0.3 dB on this pure tone).
  double energy = 0;
  for (float s : decoded->samples) energy += s * s;
  EXPECT_NEAR(std::sqrt(energy / decoded->samples.size()), 0.354, 0.02);
  // Bit-exact mode: the same input gives the same bytes (reruns are idempotent).
  auto again = EncodeMp3(tone);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *mp3);
}

// Two MP3s back to back, mono at 24 kHz then stereo at 44.1 kHz: the decoder hands over
// frames whose layout and rate change mid-stream (the fuzzer found such a file; the old
// resampler read a second channel that was not there and crashed).
TEST(CodecTest, Mp3WhoseLayoutAndRateChangeMidStreamDecodesWhole) {
  auto mono = EncodeMp3(Tone(24000, 1, 1.0, 440, 0.5));
  auto stereo = EncodeMp3(Tone(44100, 2, 1.0, 880, 0.25));
  ASSERT_TRUE(mono.ok() && stereo.ok());
  auto decoded = DecodeAudio(*mono + *stereo, 16000, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->sample_rate, 16000);
  EXPECT_NEAR(decoded->duration_seconds(), 2.0, 0.15);
  // Each half keeps its own level (RMS 0.354 and 0.177), so neither was dropped or mixed
  // at the wrong layout.
  EXPECT_NEAR(test::Rms(*decoded, 0.2, 0.8), 0.354, 0.03);
  EXPECT_NEAR(test::Rms(*decoded, 1.3, 1.8), 0.177, 0.03);
}

struct FormatCase {
  AudioFormat format;
  const char* name;
  int bit_rate;
  // Decoded length may differ by up to this many frames (codecs without gapless metadata
  // in this muxer pad to whole frames).
  size_t length_tolerance;
  double max_rms_error;  // of the decoded tone's RMS (0.354)
  bool truncated_plays;
};

class CodecFormatTest : public ::testing::TestWithParam<FormatCase> {};

TEST_P(CodecFormatTest, RoundTripThroughAFileOfEachKind) {
  const FormatCase& c = GetParam();
  const Sound tone = Tone(44100, 2, 2.0, 440, 0.5);
  auto file = EncodeAudio(tone, c.format, c.bit_rate);
  ASSERT_TRUE(file.ok()) << file.status();
  auto decoded = DecodeAudio(*file, 48000, 2);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const double expected_frames = 2.0 * 48000;
  EXPECT_NEAR(static_cast<double>(decoded->frames()), expected_frames,
              static_cast<double>(c.length_tolerance))
      << c.name;
  double energy = 0;
  for (float s : decoded->samples) energy += s * s;
  EXPECT_NEAR(std::sqrt(energy / decoded->samples.size()), 0.354, c.max_rms_error) << c.name;
  // Cut in half: MP3 and FLAC still play what is there; libavformat cannot open a
  // truncated Ogg or MPEG-4 file (their index or last page is missing), which is corrupt.
  auto half = DecodeAudio(std::string_view(*file).substr(0, file->size() / 2), 48000, 2);
  if (c.truncated_plays) {
    ASSERT_TRUE(half.ok()) << c.name << ": " << half.status();
    EXPECT_GT(half->duration_seconds(), 0.5) << c.name;
  } else {
    ASSERT_FALSE(half.ok()) << c.name;
    EXPECT_EQ(half.status().reason(), "audio_corrupt") << half.status();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, CodecFormatTest,
    // AAC in this muxer keeps its priming samples: up to two AAC frames more at 48 kHz.
    ::testing::Values(FormatCase{AudioFormat::kMp3, "mp3", 192000, 0, 0.02, true},
                      FormatCase{AudioFormat::kFlac, "flac", 0, 0, 0.002, true},
                      FormatCase{AudioFormat::kOggVorbis, "ogg", 160000, 0, 0.02, false},
                      FormatCase{AudioFormat::kM4aAac, "m4a", 160000, 2230, 0.02, false}),
    [](const ::testing::TestParamInfo<FormatCase>& p) { return p.param.name; });

TEST(CodecTest, Mp3RefusesARateMpegCannotCarry) {
  auto mp3 = EncodeMp3(Tone(96000, 1, 0.5, 440, 0.5));
  ASSERT_FALSE(mp3.ok());
  EXPECT_EQ(mp3.status().reason(), "unsupported_audio");
}

void ExpectRefused(std::string_view bytes, const std::string& reason) {
  auto decoded = DecodeAudio(bytes, 48000, 2);
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(decoded.status().IsInvalidArgument()) << decoded.status();
  EXPECT_EQ(decoded.status().reason(), reason) << decoded.status();
}

TEST(CodecTest, RefusesEmptyInput) { ExpectRefused("", "unsupported_audio"); }

TEST(CodecTest, RefusesAJpeg) {
  // The start of a baseline JFIF file: SOI, APP0, a quantisation table, then nothing.
  std::string jpeg = {'\xFF', '\xD8', '\xFF', '\xE0', '\x00', '\x10', 'J',    'F',    'I',
                      'F',    '\x00', '\x01', '\x01', '\x00', '\x00', '\x01', '\x00', '\x01',
                      '\x00', '\x00', '\xFF', '\xDB', '\x00', '\x43', '\x00'};
  jpeg.append(64, '\x10');
  jpeg += std::string{'\xFF', '\xD9'};
  ExpectRefused(jpeg, "unsupported_audio");
}

TEST(CodecTest, RefusesRandomBytes) {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1664525u + 1013904223u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  ExpectRefused(noise, "unsupported_audio");
}

TEST(CodecTest, RefusesATruncatedMp3Header) {
  auto mp3 = EncodeMp3(Tone(48000, 2, 1.0, 440, 0.5));
  ASSERT_TRUE(mp3.ok()) << mp3.status();
  // The ID3 tag is bitexact-empty; cut inside the first frame header.
  const size_t first_frame = mp3->find("\xFF\xFB");
  ASSERT_NE(first_frame, std::string::npos);
  ExpectRefused(std::string_view(*mp3).substr(0, first_frame + 2), "audio_corrupt");
}

TEST(CodecTest, RefusesAWavWhoseDataIsMissing) {
  std::string wav = EncodeWav(Tone(48000, 1, 0.1, 440, 0.5));
  ExpectRefused(std::string_view(wav).substr(0, 44), "audio_corrupt");
}

// A RIFF/WAVE file of 32-bit IEEE floats (format tag 3), mono, at `rate`.
std::string FloatWav(const std::vector<float>& samples, int rate) {
  std::string out;
  const auto u32 = [&out](uint32_t v) {
    for (int shift : {0, 8, 16, 24}) out += char((v >> shift) & 0xFF);
  };
  const auto u16 = [&out](uint16_t v) {
    out += char(v & 0xFF);
    out += char(v >> 8);
  };
  const auto data_bytes = uint32_t(samples.size() * sizeof(float));
  out += "RIFF";
  u32(36 + data_bytes);
  out += "WAVEfmt ";
  u32(16);
  u16(3);  // IEEE float
  u16(1);
  u32(uint32_t(rate));
  u32(uint32_t(rate) * 4);
  u16(4);
  u16(32);
  out += "data";
  u32(data_bytes);
  out.append(reinterpret_cast<const char*>(samples.data()), data_bytes);
  return out;
}

// NaN and infinity in a float WAV came out as samples (seen while writing audio_decode_fuzz).
TEST(CodecTest, RefusesSamplesThatAreNotNumbers) {
  std::vector<float> samples(4800, 0.25f);
  ASSERT_TRUE(DecodeAudio(FloatWav(samples, 48000), 48000, 2).ok());
  for (float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    samples[100] = bad;
    ExpectRefused(FloatWav(samples, 48000), "audio_corrupt");
  }
}

// Found by audio_decode_fuzz: a WAV claiming 5 Hz was resampled to 16 kHz, 3200 times its
// size, before the length limit could see it.
TEST(CodecTest, RefusesAnAbsurdSampleRateWhateverTheOutputRate) {
  Sound five_hertz{.sample_rate = 5, .channels = 1, .samples = std::vector<float>(1600, 0.1f)};
  const std::string wav = EncodeWav(five_hertz);
  for (int rate : {0, 16000, 48000}) {
    auto decoded = DecodeAudio(wav, {.sample_rate = rate, .channels = 1});
    EXPECT_EQ(decoded.status().reason(), "unsupported_audio") << rate;
  }
}

// Found by audio_decode_fuzz: "RIFF" and two more bytes threw std::out_of_range.
TEST(CodecTest, RefusesTheFirstBytesOfAWav) {
  const std::string wav = EncodeWav(Tone(48000, 1, 0.1, 440, 0.5));
  for (size_t size = 1; size <= 12; ++size) {
    auto decoded = DecodeAudio(std::string_view(wav).substr(0, size), 48000, 1);
    EXPECT_FALSE(decoded.ok()) << size;
    EXPECT_FALSE(decoded.status().reason().empty()) << size;
  }
}

TEST(CodecTest, RefusesBadChannelCounts) {
  auto decoded = DecodeAudio(EncodeWav(Tone(48000, 1, 0.1, 440, 0.5)), 48000, 6);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().reason(), "invalid_audio_format");
}

}  // namespace
}  // namespace vmsg::audio
