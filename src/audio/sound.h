// Channel layouts of a Sound (audio/pcm.h).
#pragma once

#include <cstddef>
#include <vector>

#include "audio/pcm.h"

namespace vmsg::audio {

// A mono sound with `channels` (1 or 2) channels, the one channel copied to each.
Sound FromMono(const Sound& mono, int channels);

}  // namespace vmsg::audio
