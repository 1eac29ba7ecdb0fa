// Sound: interleaved float PCM with any channel count, the shape music and the final mix
// travel in (speech stays mono speech::Audio until it is mixed).
#pragma once

#include <cstddef>
#include <vector>

#include "audio/pcm.h"

namespace vmsg::audio {

// Interleaved samples, nominally in [-1, 1]; `channels` is 1 or 2 everywhere in vmsg.
struct Sound {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;  // frames() * channels values, frame by frame

  size_t frames() const {
    return channels > 0 ? samples.size() / static_cast<size_t>(channels) : 0;
  }
  double duration_seconds() const {
    return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0;
  }
};

// Mono audio as a Sound of `channels` (1 or 2) channels, copied to each.
Sound FromMono(const speech::Audio& audio, int channels);

}  // namespace vmsg::audio
