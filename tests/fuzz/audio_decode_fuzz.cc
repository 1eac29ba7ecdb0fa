// libFuzzer harness for the audio decoder (DecodeAudio: libavformat probing and demuxing,
// libavcodec decoding, libswresample), which reads every recorded voice and uploaded piece of
// music. Traps unless decoded sound has the rate and channels asked for, is no longer than
// the limit, holds only finite samples, and every refusal carries its stable code.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "audio/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr int kRate = 16000;
  constexpr double kMaxSeconds = 30;
  vmsg::Result<vmsg::audio::Sound> sound = vmsg::audio::DecodeAudio(
      bytes, {.sample_rate = kRate, .channels = 1, .max_seconds = kMaxSeconds});
  if (!sound.ok()) {
    if (sound.status().reason().empty()) __builtin_trap();
    return 0;
  }
  if (sound->sample_rate != kRate || sound->channels != 1 || sound->samples.empty()) {
    __builtin_trap();
  }
  // The limit is checked while decoding; resampling may round up by a frame.
  if (double(sound->samples.size()) > (kMaxSeconds + 1) * kRate) __builtin_trap();
  for (float s : sound->samples) {
    if (!std::isfinite(s)) __builtin_trap();
  }
  return 0;
}
