// Sound: the one PCM type of vmsg (interleaved float samples with their rate and channel
// count: mono speech, stereo music and mixes), and what every part needs on it: 16-bit WAV
// encoding and decoding, gain, RMS and the one resampler.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vmsg::audio {

// Interleaved samples, nominally in [-1, 1] (values outside are clipped when encoded);
// `channels` is 1 (speech) or 2 (music, the mix) everywhere in vmsg.
struct Sound {
  int sample_rate = 0;
  int channels = 1;
  std::vector<float> samples;  // frames() * channels values, frame by frame

  size_t frames() const {
    return channels > 0 ? samples.size() / static_cast<size_t>(channels) : 0;
  }
  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0;
  }
};

// A RIFF/WAVE file, 16-bit PCM with the sound's channels: what /api/voice/synthesize
// returns and what the pipeline stores as base_voice.wav and prosody_adjusted.wav.
std::string EncodeWav(const Sound& audio);

// Reads a RIFF/WAVE with 16-bit integer or 32-bit float PCM, any channel count (mixed down
// to mono). Anything else, or a truncated or inconsistent file, is InvalidArgument with
// reason "invalid_wav".
Result<Sound> DecodeWav(std::string_view bytes);

Status WriteWavFile(const std::filesystem::path& path, const Sound& audio);
Result<Sound> ReadWavFile(const std::filesystem::path& path);

// Multiplies every sample by 10^(gain_db / 20).
void ApplyGainDb(Sound& audio, double gain_db);

// Root mean square of sample values [begin, end) (clamped); 0 for an empty span.
double Rms(const Sound& audio, size_t begin, size_t end);

// The one resampler (libswresample, as the decoder's; each channel on its own): exactly
// round(frames * target / rate) frames, the filter's delay flushed; a copy when the rate
// already matches. `target_rate` must be positive; std::bad_alloc when memory runs out.
Sound Resample(const Sound& audio, int target_rate);

}  // namespace vmsg::audio
