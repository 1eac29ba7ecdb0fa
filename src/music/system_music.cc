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
  if (frames < 4) return seam;
  const size_t window = std::max<size_t>(
      3, std::min(frames / 2, static_cast<size_t>(window_seconds * loop.sample_rate)));
  std::vector<double> steps;
  std::vector<double> bends;
  for (size_t c = 0; c < channels; ++c) {
    // Frame i of the loop played twice, i in [-frames, frames).
    auto at = [&](int64_t i) {
      const int64_t n = static_cast<int64_t>(frames);
      return static_cast<double>(loop.samples[static_cast<size_t>((i + n) % n) * channels + c]);
    };
    seam.jump = std::max(seam.jump, std::abs(at(0) - at(-1)));
    seam.bend = std::max(
        {seam.bend, std::abs(at(-2) - 2 * at(-1) + at(0)), std::abs(at(-1) - 2 * at(0) + at(1))});
    const int64_t w = static_cast<int64_t>(window);
    for (int64_t i = -w; i < w; ++i) {
      if (i != 0) steps.push_back(std::abs(at(i) - at(i - 1)));
      if (i != 0 && i != -1) bends.push_back(std::abs(at(i - 1) - 2 * at(i) + at(i + 1)));
    }
  }
  std::sort(steps.begin(), steps.end());
  std::sort(bends.begin(), bends.end());
  seam.typical = steps[steps.size() * 99 / 100];
  seam.local_max = steps.back();
  seam.bend_typical = bends[bends.size() * 99 / 100];
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
