// See sound.h.
#include "audio/sound.h"

namespace vmsg::audio {

Sound FromMono(const Sound& mono, int channels) {
  Sound sound{mono.sample_rate, channels, {}};
  sound.samples.reserve(mono.samples.size() * static_cast<size_t>(channels));
  for (float s : mono.samples) {
    for (int c = 0; c < channels; ++c) sound.samples.push_back(s);
  }
  return sound;
}

}  // namespace vmsg::audio
