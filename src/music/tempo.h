// Tempo estimation for uploaded music (and a check on our own renders): an onset-strength
// envelope (log-magnitude spectral flux, 200 frames a second) whose autocorrelation,
// weighted towards moderate tempi, peaks at the beat period. docs/audio.md has the details.
#pragma once

#include "audio/sound.h"
#include "base/result.h"

namespace vmsg::music {

struct TempoOptions {
  double min_bpm = 40;
  double max_bpm = 240;
  // The centre of the log-normal preference that settles octave ambiguity (a pulse at 60
  // is also a pulse at 120); sigma in octaves.
  double prior_bpm = 120;
  double prior_octaves = 1.0;
};

struct TempoEstimate {
  double bpm = 0;
  // The autocorrelation at the beat period over that at lag 0 (0..1): near 0 for music
  // without a steady pulse.
  double confidence = 0;
};

// The shortest audio worth estimating: a few beats at the slowest tempo.
inline constexpr double kMinTempoSeconds = 6.0;

// The tempo of `sound` (any rate, mono or stereo). Errors: InvalidArgument "audio_too_short"
// under kMinTempoSeconds; InvalidArgument "no_pulse" when the audio has no onsets at all
// (silence, a steady tone). Thread-safe.
Result<TempoEstimate> EstimateTempo(const audio::Sound& sound, const TempoOptions& options = {});

}  // namespace vmsg::music
