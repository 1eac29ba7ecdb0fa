// Decoding real files of every accepted kind (made here with libav's encoders) and every
// refusal code from a real bad file: empty, silent, 90 s long, a truncated header, a JPEG
// named .wav, a clipped square wave; then the cleaning (trim, resample, join) and the
// measurements voice matching relies on.
#include "library/recording.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <set>

#include "library/voice_matching.h"
#include "speech/pitch.h"
#include "testing/encode_for_test.h"

namespace vmsg::library {
namespace {

// A voiced, speech-like signal: a 150 Hz harmonic tone (falling 1/n) whose loudness rises
// and falls four times a second like syllables, between `lead` seconds of silence.
audio::Sound Syllables(double seconds, double lead = 0.5, int rate = 24000, double f0 = 150) {
  audio::Sound a{.sample_rate = rate, .samples = {}};
  const auto total = static_cast<size_t>((seconds + 2 * lead) * rate);
  for (size_t i = 0; i < total; ++i) {
    const double t = static_cast<double>(i) / rate - lead;
    double v = 0;
    if (t >= 0 && t < seconds) {
      for (int h = 1; h <= 8; ++h) v += std::sin(2 * std::numbers::pi * f0 * h * t) / h;
      v *= 0.25 * (0.55 - 0.45 * std::cos(2 * std::numbers::pi * 4 * t));
    }
    a.samples.push_back(static_cast<float>(v));
  }
  return a;
}

std::string Reason(const Result<audio::Sound>& r) { return r.ok() ? "ok" : r.status().reason(); }

Result<audio::Sound> DecodeAndClean(const std::string& bytes) {
  RecordingLimits limits;
  VMSG_ASSIGN_OR_RETURN(audio::Sound a, DecodeRecording(bytes, limits));
  return CleanRecordings({a}, limits);
}

struct Kind {
  const char* muxer;
  const char* encoder;
  int rate;
  int channels;
};

TEST(RecordingTest, DecodesEveryAcceptedKind) {
  const audio::Sound source = Syllables(3, 0);
  for (const Kind& k : {Kind{"wav", "pcm_s16le", 44100, 2}, Kind{"flac", "flac", 48000, 1},
                        Kind{"mp3", "libmp3lame", 44100, 2}, Kind{"ogg", "libvorbis", 48000, 2},
                        Kind{"ipod", "aac", 44100, 1}, Kind{"webm", "libopus", 48000, 2},
                        Kind{"ogg", "libopus", 48000, 1}}) {
    SCOPED_TRACE(std::string(k.muxer) + "/" + k.encoder);
    Result<std::string> file =
        test::EncodeAudioFile(source, k.muxer, k.encoder, k.rate, k.channels);
    if (!file.ok() && file.status().code() == StatusCode::kUnavailable) {
      ADD_FAILURE() << "this libav lacks " << file.status().message();
      continue;
    }
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    Result<audio::Sound> a = DecodeRecording(*file, {});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->sample_rate, k.rate);
    // Codec delay and padding add a little; nothing is lost.
    EXPECT_NEAR(a->duration_seconds(), 3.0, 0.1);
    const double median = speech::EstimatePitch(*a).value().median_hz;
    EXPECT_NEAR(speech::SemitonesBetween(150, median), 0, 0.3) << median;
  }
}

TEST(RecordingTest, EmptyFileIsTooShort) {
  EXPECT_EQ(Reason(DecodeRecording("", {})), kAudioTooShort);
}

TEST(RecordingTest, SilentFileIsSilent) {
  audio::Sound silence{.sample_rate = 16000, .samples = std::vector<float>(16000 * 8, 0.0f)};
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(silence))), kAudioSilent);
  // Faint hiss (-70 dBFS) is silence too.
  for (size_t i = 0; i < silence.samples.size(); ++i) {
    silence.samples[i] = (i * 7919 % 13 < 6 ? 1 : -1) * 3e-4f;
  }
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(silence))), kAudioSilent);
}

TEST(RecordingTest, NinetySecondsOfSpeechIsTooLong) {
  const std::string flac = test::EncodeAudioFile(Syllables(90), "flac", "flac", 24000, 1).value();
  EXPECT_EQ(Reason(DecodeAndClean(flac)), kAudioTooLong);
  // Three files of 25 s are 75 s together.
  RecordingLimits limits;
  const audio::Sound part = Syllables(25);
  EXPECT_EQ(Reason(CleanRecordings({part, part, part}, limits)), kAudioTooLong);
  // Past max_decoded_seconds decoding stops at once.
  limits.max_decoded_seconds = 30;
  EXPECT_EQ(Reason(DecodeRecording(flac, limits)), kAudioTooLong);
}

TEST(RecordingTest, TwoSecondsOfSpeechIsTooShort) {
  // Long silences do not count: 2 s of sound inside 10 s of file.
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(Syllables(2, 4)))), kAudioTooShort);
}

TEST(RecordingTest, TruncatedHeaderIsCorrupt) {
  const std::string wav = audio::EncodeWav(Syllables(6));
  for (size_t cut : {20u, 30u, 40u}) {
    SCOPED_TRACE(cut);
    EXPECT_EQ(Reason(DecodeRecording(wav.substr(0, cut), {})), kAudioCorrupt);
  }
  const std::string flac = test::EncodeAudioFile(Syllables(6), "flac", "flac", 24000, 1).value();
  EXPECT_EQ(Reason(DecodeRecording(flac.substr(0, 30), {})), kAudioCorrupt);
}

TEST(RecordingTest, JpegNamedWavIsUnsupported) {
  const std::string jpeg = test::EncodeJpeg(64, 48).value();
  ASSERT_EQ(jpeg.substr(0, 2), "\xff\xd8");
  EXPECT_EQ(Reason(DecodeRecording(jpeg, {})), kUnsupportedAudio);
  EXPECT_EQ(Reason(DecodeRecording("just some text, not audio at all\n", {})), kUnsupportedAudio);
}

TEST(RecordingTest, ClippedSquareWaveIsClipped) {
  audio::Sound square{.sample_rate = 24000, .samples = {}};
  for (int i = 0; i < 24000 * 8; ++i) square.samples.push_back((i / 60) % 2 ? 1.0f : -1.0f);
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(square))), kAudioClipped);
  // Speech driven into clipping: 4x gain on a loud signal.
  audio::Sound loud = Syllables(8);
  for (float& s : loud.samples) s = std::clamp(s * 4, -1.0f, 1.0f);
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(loud))), kAudioClipped);
  // The same signal normalised to full scale without clipping passes.
  audio::Sound full = Syllables(8);
  float peak = 0;
  for (float s : full.samples) peak = std::max(peak, std::abs(s));
  for (float& s : full.samples) s /= peak;
  EXPECT_EQ(Reason(DecodeAndClean(audio::EncodeWav(full))), "ok");
}

TEST(RecordingTest, DamagedFilesNeverCrashAndAnswerACode) {
  // Deterministic byte damage to real files of each kind: every outcome is a decoded
  // recording or one of the refusal codes, never a crash or another error.
  const audio::Sound source = Syllables(2, 0);
  std::vector<std::string> files = {audio::EncodeWav(source)};
  for (const Kind& k : {Kind{"flac", "flac", 24000, 1}, Kind{"mp3", "libmp3lame", 24000, 1},
                        Kind{"ogg", "libvorbis", 24000, 1}, Kind{"ipod", "aac", 24000, 1},
                        Kind{"webm", "libopus", 48000, 1}}) {
    if (auto f = test::EncodeAudioFile(source, k.muxer, k.encoder, k.rate, k.channels); f.ok()) {
      files.push_back(*f);
    }
  }
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  const std::set<std::string> allowed = {"ok", std::string(kUnsupportedAudio),
                                         std::string(kAudioCorrupt), std::string(kAudioTooShort),
                                         std::string(kAudioTooLong)};
  for (const std::string& file : files) {
    for (int round = 0; round < 60; ++round) {
      std::string damaged = file;
      const size_t hits = 1 + next() % 8;
      for (size_t h = 0; h < hits; ++h) {
        // Mostly in the first kilobyte, where the headers are.
        const size_t at =
            next() % std::min<size_t>(damaged.size(), round % 2 ? 1024 : damaged.size());
        damaged[at] = static_cast<char>(next());
      }
      if (round % 5 == 0) damaged.resize(next() % damaged.size());
      const std::string reason = Reason(DecodeRecording(damaged, {}));
      EXPECT_TRUE(allowed.contains(reason)) << reason;
    }
  }
}

TEST(RecordingTest, TooManyFiles) {
  const audio::Sound part = Syllables(3);
  EXPECT_EQ(Reason(CleanRecordings({part, part, part, part}, {})), kTooManyFiles);
}

TEST(RecordingTest, CleaningTrimsResamplesAndJoins) {
  RecordingLimits limits;
  const audio::Sound a = Syllables(4, 1.5, 44100);
  const audio::Sound b = Syllables(3, 0.8, 16000);
  const audio::Sound out = CleanRecordings({a, b}, limits).value();
  EXPECT_EQ(out.sample_rate, 24000);
  // 7 s of sound, the trimming margins and the 0.3 s join.
  EXPECT_NEAR(out.duration_seconds(), 7.3, 0.3);
}

TEST(VoiceMeasuresTest, SpeakingRateCountsSyllables) {
  // Four loudness peaks a second.
  EXPECT_NEAR(SpeakingRate(Syllables(10)), 4.0, 0.3);
}

TEST(VoiceMeasuresTest, FormantScaleFindsAStretchedSpectrum) {
  // The same harmonic tone family filtered by one resonance, at 1000 Hz and at 1150 Hz.
  auto resonant = [](double formant_hz) {
    audio::Sound a{.sample_rate = 16000, .samples = {}};
    for (int i = 0; i < 16000 * 3; ++i) {
      const double t = i / 16000.0;
      double v = 0;
      for (int h = 1; h * 110 < 7000; ++h) {
        const double f = 110.0 * h;
        const double gain = 1 / (1 + std::pow((f - formant_hz) / (0.25 * formant_hz), 2)) +
                            0.5 / (1 + std::pow((f - 2.6 * formant_hz) / (0.3 * formant_hz), 2));
        v += gain * std::sin(2 * std::numbers::pi * f * t);
      }
      a.samples.push_back(static_cast<float>(0.05 * v));
    }
    return a;
  };
  const audio::Sound ref = resonant(1000);
  EXPECT_NEAR(FormantScale(ref, ref), 1.0, 0.005);
  EXPECT_NEAR(FormantScale(resonant(1150), ref), 1.15, 0.04);
  EXPECT_NEAR(FormantScale(resonant(900), ref), 0.9, 0.04);
}

TEST(VoiceMeasuresTest, AllPassMapping) {
  EXPECT_NEAR(AllPassForFormantScale(1.0), kOpenJTalkDefaultAllPass, 1e-9);
  EXPECT_LT(AllPassForFormantScale(1.15), 0.51);  // higher formants: smaller constant
  EXPECT_GT(AllPassForFormantScale(0.87), 0.59);
}

}  // namespace
}  // namespace vmsg::library
