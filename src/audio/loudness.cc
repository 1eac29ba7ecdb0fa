// EBU R128 measurement through libebur128, and normalisation by iteration: gain to the
// target, limit the peaks the gain pushed over the ceiling, measure again (limiting lowers
// the loudness, and the true peak may sit between samples), adjust, repeat.
#include "audio/loudness.h"

#include <ebur128.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>

namespace vmsg::audio {
namespace {

// Passes of gain-limit-measure before the ceiling is enforced by gain alone.
constexpr int kMaxPasses = 8;
// The limiter works on sample peaks; it aims this far below the true-peak ceiling so that
// inter-sample peaks rarely need a second pass.
constexpr double kInitialCeilingMarginDb = 0.3;
// Extra headroom taken each time a pass still overshoots the true-peak ceiling.
constexpr double kCeilingStepDb = 0.05;
// Bounds on the search: the limiter's sample-peak ceiling never drops more than this under
// the true-peak ceiling, and gain never rises more than this over what the unlimited signal
// needs (beyond that the limiter would be flattening the whole signal).
constexpr double kMaxCeilingMarginDb = 3.0;
constexpr double kMaxMakeupGainDb = 6.0;

struct StateDeleter {
  void operator()(ebur128_state* s) const { ebur128_destroy(&s); }
};

double DbToLinear(double db) { return std::pow(10.0, db / 20.0); }
double LinearToDb(double v) {
  return v > 0 ? 20.0 * std::log10(v) : -std::numeric_limits<double>::infinity();
}

// Per-frame limiter gain (<= 1) that keeps |gain * x| under `ceiling` with a look-ahead
// attack (the gain is already down when the peak arrives) and an exponential release.
std::vector<float> LimiterCurve(const Sound& sound, double gain, double ceiling,
                                const NormalizeOptions& options) {
  const size_t frames = sound.frames();
  const auto channels = static_cast<size_t>(sound.channels);
  std::vector<double> required(frames, 1.0);
  bool any = false;
  for (size_t n = 0; n < frames; ++n) {
    double peak = 0;
    for (size_t c = 0; c < channels; ++c) {
      peak = std::max(peak, std::abs(static_cast<double>(sound.samples[n * channels + c])));
    }
    peak *= gain;
    if (peak > ceiling) {
      required[n] = ceiling / peak;
      any = true;
    }
  }
  if (!any) return {};
  const auto lookahead = std::max<size_t>(
      1, static_cast<size_t>(options.limiter_lookahead_seconds * sound.sample_rate));
  // Minimum over [n, n + lookahead] (monotonic deque, walking backwards).
  std::vector<double> window_min(frames);
  std::deque<size_t> candidates;
  for (size_t i = frames; i-- > 0;) {
    while (!candidates.empty() && required[candidates.back()] >= required[i]) {
      candidates.pop_back();
    }
    candidates.push_back(i);
    while (candidates.front() > i + lookahead) candidates.pop_front();
    window_min[i] = required[candidates.front()];
  }
  // Average over [n - lookahead, n]: a ramp that reaches each minimum by its peak, because
  // every value averaged at a peak's frame already includes that peak.
  std::vector<float> curve(frames);
  double sum = 0;
  const double release_coef =
      1.0 - std::exp(-1.0 / (options.limiter_release_seconds * sound.sample_rate));
  double released = 1.0;
  for (size_t n = 0; n < frames; ++n) {
    sum += window_min[n];
    if (n > lookahead) sum -= window_min[n - lookahead - 1];
    const double count = static_cast<double>(std::min(n, lookahead) + 1);
    // Before the first full window the missing values repeat the first: a peak in the first
    // frames has no room for an attack, so the signal starts already limited.
    const double average = (sum + (static_cast<double>(lookahead + 1) - count) * window_min[0]) /
                           static_cast<double>(lookahead + 1);
    released = std::min(average, released + (1.0 - released) * release_coef);
    curve[n] = static_cast<float>(released);
  }
  return curve;
}

Sound Applied(const Sound& sound, double gain_db, const std::vector<float>& limiter) {
  Sound out = sound;
  ApplyNormalization(Normalization{gain_db, limiter, {}}, out);
  return out;
}

}  // namespace

Result<Loudness> MeasureLoudness(const Sound& sound) {
  if ((sound.channels != 1 && sound.channels != 2) || sound.sample_rate <= 0) {
    return Status::InvalidArgument("loudness: need mono or stereo at a positive rate",
                                   "invalid_audio_format");
  }
  std::unique_ptr<ebur128_state, StateDeleter> state(ebur128_init(
      static_cast<unsigned>(sound.channels), static_cast<unsigned long>(sound.sample_rate),
      EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK));
  if (!state) return Status::Internal("loudness: libebur128 could not start");
  if (sound.channels == 1) {
    // A mono file is played on both speakers: BS.1770 counts it as a centre channel.
    ebur128_set_channel(state.get(), 0, EBUR128_DUAL_MONO);
  }
  if (sound.frames() > 0 && ebur128_add_frames_float(state.get(), sound.samples.data(),
                                                     sound.frames()) != EBUR128_SUCCESS) {
    return Status::Internal("loudness: libebur128 rejected the samples");
  }
  Loudness loudness;
  if (ebur128_loudness_global(state.get(), &loudness.integrated_lufs) != EBUR128_SUCCESS) {
    return Status::Internal("loudness: no integrated loudness");
  }
  double peak = 0;
  for (unsigned c = 0; c < static_cast<unsigned>(sound.channels); ++c) {
    double channel_peak = 0;
    if (ebur128_true_peak(state.get(), c, &channel_peak) != EBUR128_SUCCESS) {
      return Status::Internal("loudness: no true peak");
    }
    peak = std::max(peak, channel_peak);
  }
  loudness.true_peak_dbtp = LinearToDb(peak);
  return loudness;
}

Result<Normalization> PlanNormalization(const Sound& sound, const NormalizeOptions& options) {
  VMSG_ASSIGN_OR_RETURN(const Loudness before, MeasureLoudness(sound));
  if (!std::isfinite(before.integrated_lufs)) return Normalization{0, {}, before};

  const double plain_gain_db = options.target_lufs - before.integrated_lufs;
  double gain_db = plain_gain_db;
  double ceiling_db = options.max_true_peak_dbtp - kInitialCeilingMarginDb;
  Normalization plan;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    plan.gain_db = gain_db;
    plan.limiter = LimiterCurve(sound, DbToLinear(gain_db), DbToLinear(ceiling_db), options);
    VMSG_ASSIGN_OR_RETURN(plan.result, MeasureLoudness(Applied(sound, gain_db, plan.limiter)));
    const bool peak_ok = plan.result.true_peak_dbtp <= options.max_true_peak_dbtp;
    const bool loudness_ok =
        std::abs(plan.result.integrated_lufs - options.target_lufs) <= options.tolerance_lu;
    if (peak_ok && loudness_ok) return plan;
    if (!peak_ok) {
      ceiling_db = std::max(
          ceiling_db - (plan.result.true_peak_dbtp - options.max_true_peak_dbtp + kCeilingStepDb),
          options.max_true_peak_dbtp - kMaxCeilingMarginDb);
    }
    if (!loudness_ok) {
      gain_db = std::min(gain_db + options.target_lufs - plan.result.integrated_lufs,
                         plain_gain_db + kMaxMakeupGainDb);
    }
  }
  // Did not settle: the ceiling is the hard limit, so pull the whole signal under it.
  if (plan.result.true_peak_dbtp > options.max_true_peak_dbtp) {
    plan.gain_db -= plan.result.true_peak_dbtp - options.max_true_peak_dbtp + kCeilingStepDb;
    VMSG_ASSIGN_OR_RETURN(plan.result, MeasureLoudness(Applied(sound, plan.gain_db, plan.limiter)));
  }
  return plan;
}

void ApplyNormalization(const Normalization& plan, Sound& sound) {
  const double gain = DbToLinear(plan.gain_db);
  const auto channels = static_cast<size_t>(sound.channels);
  const size_t frames = sound.frames();
  for (size_t n = 0; n < frames; ++n) {
    const double g =
        plan.limiter.empty() ? gain : gain * plan.limiter[std::min(n, plan.limiter.size() - 1)];
    for (size_t c = 0; c < channels; ++c) {
      float& s = sound.samples[n * channels + c];
      s = static_cast<float>(s * g);
    }
  }
}

Result<Loudness> Normalize(Sound& sound, const NormalizeOptions& options) {
  VMSG_ASSIGN_OR_RETURN(Normalization plan, PlanNormalization(sound, options));
  ApplyNormalization(plan, sound);
  return plan.result;
}

}  // namespace vmsg::audio
