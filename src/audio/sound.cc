// Channel copying between speech::Audio and Sound.
#include "audio/sound.h"

namespace vmsg::audio {

Sound FromMono(const speech::Audio& audio, int channels) {
  Sound sound{audio.sample_rate, channels, {}};
  sound.samples.reserve(audio.samples.size() * static_cast<size_t>(channels));
  for (float s : audio.samples) {
    for (int c = 0; c < channels; ++c) sound.samples.push_back(s);
  }
  return sound;
}

}  // namespace vmsg::audio
