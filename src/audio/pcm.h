// Audio: mono float PCM with its sample rate, and the small utilities speech needs on it:
// 16-bit WAV encoding and decoding, gain, RMS and resampling.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vmsg::speech {

// Mono samples in [-1, 1] (values outside are clipped when encoded).
struct Audio {
  int sample_rate = 0;
  std::vector<float> samples;

  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0;
  }
};

// A RIFF/WAVE file, 16-bit PCM, mono: what /api/voice/synthesize returns and what the
// pipeline stores as base_voice.wav and prosody_adjusted.wav.
std::string EncodeWav(const Audio& audio);

// Reads a RIFF/WAVE with 16-bit integer or 32-bit float PCM, any channel count (mixed down
// to mono). Anything else, or a truncated or inconsistent file, is InvalidArgument with
// reason "invalid_wav".
Result<Audio> DecodeWav(std::string_view bytes);

Status WriteWavFile(const std::filesystem::path& path, const Audio& audio);
Result<Audio> ReadWavFile(const std::filesystem::path& path);

// Multiplies every sample by 10^(gain_db / 20).
void ApplyGainDb(Audio& audio, double gain_db);

// Root mean square of samples [begin, end) (clamped); 0 for an empty span.
double Rms(const Audio& audio, size_t begin, size_t end);

// Band-limited resampling (windowed sinc); returns a copy when the rate already matches.
// `target_rate` must be positive.
Audio Resample(const Audio& audio, int target_rate);

}  // namespace vmsg::speech
