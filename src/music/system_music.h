// The five system tracks: their scores (assets/music/*.json, compiled in) and how one is
// turned into what the catalog serves: a seamless loop rendered by FluidSynth, normalised
// to -14 LUFS, and a 20-second preview that fades out.
#pragma once

#include <string_view>
#include <vector>

#include "audio/loudness.h"
#include "audio/sound.h"
#include "music/render.h"
#include "music/score.h"

namespace vmsg::music {

struct EmbeddedScore {
  std::string_view id;
  std::string_view json;
};

// The spec's five system tracks, in catalog order (generated from assets/music).
const std::vector<EmbeddedScore>& SystemScores();

struct TrackOptions {
  RenderOptions render;
  audio::NormalizeOptions loudness;  // -14 LUFS integrated, <= -1 dBTP
  double preview_seconds = 20.0;
  double preview_fade_out_seconds = 3.0;
  // The preview starts on a bar line with the loop's tails already sounding; a few
  // milliseconds of fade-in keep its first sample from clicking.
  double preview_fade_in_seconds = 0.01;
};

struct RenderedTrack {
  audio::Sound loop;         // stereo, normalised, seamless
  audio::Sound preview;      // stereo, preview_seconds long
  audio::Loudness loudness;  // of `loop`
};

// Renders, normalises and cuts the preview. Errors: RenderLoop's, MeasureLoudness's.
Result<RenderedTrack> RenderTrack(const Score& score, const TrackOptions& options = {});

// How a loop joins itself: the step from its last frame to its first against the steps
// between neighbouring frames near the seam (both sides, `window_seconds` each), and the
// same for second differences (s[i-1] - 2 s[i] + s[i+1]), which expose a break in the
// waveform's slope that a small step can hide: a click shows in either.
struct LoopSeam {
  double jump = 0;          // max over channels of |first - last|
  double typical = 0;       // the 99th percentile of the local steps
  double local_max = 0;     // the largest local step
  double bend = 0;          // max over channels of the two second differences across the seam
  double bend_typical = 0;  // the 99th percentile of the local second differences
};
LoopSeam MeasureLoopSeam(const audio::Sound& loop, double window_seconds = 0.05);

// The first `seconds` of `loop` (repeated when shorter), faded in over fade_in and out over
// fade_out (raised cosine).
audio::Sound MakePreview(const audio::Sound& loop, double seconds, double fade_in, double fade_out);

}  // namespace vmsg::music
