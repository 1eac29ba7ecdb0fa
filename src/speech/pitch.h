// Pitch measurement: YIN (de Cheveigné and Kawahara, 2002) on short frames, voiced frames
// only. Used by tests to check pitch changes and by voice matching to compare a recording
// with a synthetic voice.
#pragma once

#include <cstddef>

#include "audio/pcm.h"
#include "base/result.h"

namespace vmsg::speech {

struct PitchOptions {
  double min_hz = 60;
  double max_hz = 500;
  double hop_seconds = 0.01;
  // YIN's threshold on the cumulative mean normalised difference; lower is stricter.
  double threshold = 0.15;
  // Frames quieter than this relative to the loudest frame are not analysed.
  double silence_db = -35;
};

struct PitchStats {
  double median_hz = 0;
  double p10_hz = 0;  // 10th and 90th percentiles of voiced frames: the speaker's range
  double p90_hz = 0;
  size_t voiced_frames = 0;
};

// Estimates the pitch of speech or a tone. Audio above 16 kHz is resampled to 16 kHz first.
// Errors: InvalidArgument for bad options; NotFound with reason "no_voiced_audio" when no
// frame is voiced (silence, noise).
Result<PitchStats> EstimatePitch(const audio::Sound& audio, const PitchOptions& options = {});

// 12 * log2(b / a): how many semitones b lies above a.
double SemitonesBetween(double a_hz, double b_hz);

}  // namespace vmsg::speech
