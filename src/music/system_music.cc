// Rendering a system track: loop, loudness, preview (see system_music.h).
#include "music/system_music.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace vmsg::music {

audio::Sound MakePreview(const audio::Sound& loop, double seconds, double fade_in,
                         double fade_out) {
  audio::Sound preview{.sample_rate = loop.sample_rate, .channels = loop.channels};
  const size_t frames = static_cast<size_t>(std::llround(seconds * loop.sample_rate));
  const size_t channels = static_cast<size_t>(loop.channels);
  const size_t loop_frames = loop.frames();
  if (loop_frames == 0 || channels == 0) return preview;
  preview.samples.resize(frames * channels);
  const size_t in = static_cast<size_t>(fade_in * loop.sample_rate);
  const size_t out = std::min(frames, static_cast<size_t>(fade_out * loop.sample_rate));
  for (size_t f = 0; f < frames; ++f) {
    double gain = 1.0;
    if (f < in) {
      gain = 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(f) / in);
    }
    if (f + out >= frames && out > 0) {
      const double t = static_cast<double>(frames - 1 - f) / static_cast<double>(out);
      gain *= 0.5 - 0.5 * std::cos(std::numbers::pi * t);
    }
    const size_t src = f % loop_frames;
    for (size_t c = 0; c < channels; ++c) {
      preview.samples[f * channels + c] =
          static_cast<float>(loop.samples[src * channels + c] * gain);
    }
  }
  return preview;
}

LoopSeam MeasureLoopSeam(const audio::Sound& loop, double window_seconds) {
  LoopSeam seam;
  const size_t frames = loop.frames();
  const size_t channels = static_cast<size_t>(loop.channels);
  if (frames < 2) return seam;
  const size_t window =
      std::min(frames / 2, static_cast<size_t>(window_seconds * loop.sample_rate));
  std::vector<double> steps;
  for (size_t c = 0; c < channels; ++c) {
    auto at = [&](size_t f) { return static_cast<double>(loop.samples[f * channels + c]); };
    seam.jump = std::max(seam.jump, std::abs(at(0) - at(frames - 1)));
    for (size_t f = 1; f < window; ++f) steps.push_back(std::abs(at(f) - at(f - 1)));
    for (size_t f = frames - window + 1; f < frames; ++f) {
      steps.push_back(std::abs(at(f) - at(f - 1)));
    }
  }
  if (steps.empty()) return seam;
  std::sort(steps.begin(), steps.end());
  seam.typical = steps[steps.size() * 99 / 100];
  seam.local_max = steps.back();
  return seam;
}

Result<RenderedTrack> RenderTrack(const Score& score, const TrackOptions& options) {
  RenderedTrack track;
  VMSG_ASSIGN_OR_RETURN(track.loop, RenderLoop(score, options.render));
  VMSG_ASSIGN_OR_RETURN(track.loudness, audio::Normalize(track.loop, options.loudness));
  track.preview = MakePreview(track.loop, options.preview_seconds, options.preview_fade_in_seconds,
                              options.preview_fade_out_seconds);
  return track;
}

}  // namespace vmsg::music
