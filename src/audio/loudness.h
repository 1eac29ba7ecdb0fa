// Loudness by EBU R128 (libebur128): integrated loudness and true peak, and normalisation
// to a target loudness under a true-peak ceiling, with a look-ahead limiter for the peaks
// that gain alone would push over it.
#pragma once

#include <vector>

#include "audio/sound.h"
#include "base/result.h"

namespace vmsg::audio {

struct Loudness {
  // Integrated loudness (LUFS, gated per BS.1770); -infinity for silence.
  double integrated_lufs = 0;
  // Maximum true peak over channels (dBTP, 4x oversampled); -infinity for silence.
  double true_peak_dbtp = 0;
};

// Measures `sound` (mono or stereo, any rate libebur128 takes). InvalidArgument
// "invalid_audio_format" for other channel counts or a non-positive rate.
Result<Loudness> MeasureLoudness(const Sound& sound);

struct NormalizeOptions {
  double target_lufs = -14.0;
  double max_true_peak_dbtp = -1.0;
  // How close to the target the integrated loudness must end (LU).
  double tolerance_lu = 0.1;
  double limiter_lookahead_seconds = 0.005;
  double limiter_release_seconds = 0.05;
};

// A plan computed once and applied to one or more signals of the same length: a constant
// gain and, when the peaks need it, a per-frame limiter gain (linear, <= 1).
struct Normalization {
  double gain_db = 0;
  std::vector<float> limiter;  // empty: no limiting; else one value per frame
  Loudness result;             // the loudness of the normalised signal
};

// The gain (and limiter curve) that brings `sound` to options.target_lufs (within the
// tolerance) with a true peak at most options.max_true_peak_dbtp. When limiting would
// have to take more than it can without the loudness collapsing, the peak ceiling wins
// and the loudness ends below the target. Silence gets gain 0 and no limiter.
Result<Normalization> PlanNormalization(const Sound& sound, const NormalizeOptions& options = {});

// Applies a plan made for a signal with the same number of frames as `sound`.
void ApplyNormalization(const Normalization& plan, Sound& sound);

// PlanNormalization then ApplyNormalization; returns the loudness reached.
Result<Loudness> Normalize(Sound& sound, const NormalizeOptions& options = {});

}  // namespace vmsg::audio
