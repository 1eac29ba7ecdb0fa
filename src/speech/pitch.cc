// YIN: difference function, cumulative mean normalisation, absolute threshold, local
// minimum search and parabolic interpolation, per frame; the median over voiced frames.
#include "speech/pitch.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vmsg::speech {
namespace {

constexpr int kAnalysisRate = 16000;
// The integration window is this many periods of the lowest frequency searched.
constexpr double kWindowPeriods = 1.5;

double Percentile(std::vector<double> sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

double SemitonesBetween(double a_hz, double b_hz) { return 12.0 * std::log2(b_hz / a_hz); }

Result<PitchStats> EstimatePitch(const audio::Sound& input, const PitchOptions& o) {
  if (!(o.min_hz > 0 && o.max_hz > o.min_hz && o.hop_seconds > 0 && o.threshold > 0)) {
    return Status::InvalidArgument("pitch options out of range");
  }
  const audio::Sound audio =
      input.sample_rate > kAnalysisRate ? Resample(input, kAnalysisRate) : input;
  const double rate = audio.sample_rate;
  const auto tau_min = static_cast<size_t>(std::floor(rate / o.max_hz));
  const auto tau_max = static_cast<size_t>(std::ceil(rate / o.min_hz));
  const auto window = static_cast<size_t>(std::ceil(kWindowPeriods * rate / o.min_hz));
  const auto hop = std::max<size_t>(1, static_cast<size_t>(o.hop_seconds * rate));
  const auto& x = audio.samples;
  if (tau_min < 2 || x.size() < window + tau_max + 1) {
    return Status::NotFound("audio too short for pitch analysis", "no_voiced_audio");
  }

  std::vector<size_t> starts;
  std::vector<double> energies;
  double loudest = 0;
  for (size_t s = 0; s + window + tau_max < x.size(); s += hop) {
    starts.push_back(s);
    energies.push_back(Rms(audio, s, s + window));
    loudest = std::max(loudest, energies.back());
  }
  const double floor_rms = loudest * std::pow(10.0, o.silence_db / 20.0);

  std::vector<double> f0s;
  std::vector<double> d(tau_max + 1);
  for (size_t f = 0; f < starts.size(); ++f) {
    if (energies[f] <= floor_rms || energies[f] == 0) continue;
    const float* frame = x.data() + starts[f];
    d[0] = 0;
    for (size_t tau = 1; tau <= tau_max; ++tau) {
      double sum = 0;
      for (size_t j = 0; j < window; ++j) {
        const double diff = static_cast<double>(frame[j]) - frame[j + tau];
        sum += diff * diff;
      }
      d[tau] = sum;
    }
    // Cumulative mean normalised difference, in place.
    double running = 0;
    for (size_t tau = 1; tau <= tau_max; ++tau) {
      running += d[tau];
      d[tau] = running > 0 ? d[tau] * static_cast<double>(tau) / running : 1.0;
    }
    size_t best = 0;
    for (size_t tau = tau_min; tau <= tau_max; ++tau) {
      if (d[tau] < o.threshold) {
        while (tau + 1 <= tau_max && d[tau + 1] < d[tau]) ++tau;
        best = tau;
        break;
      }
    }
    if (best == 0) continue;
    double refined = static_cast<double>(best);
    if (best > 1 && best < tau_max) {
      const double a = d[best - 1], b = d[best], c = d[best + 1];
      const double denom = a - 2 * b + c;
      if (denom > 0) refined += 0.5 * (a - c) / denom;
    }
    f0s.push_back(rate / refined);
  }
  if (f0s.empty()) return Status::NotFound("no voiced frames", "no_voiced_audio");
  std::sort(f0s.begin(), f0s.end());
  PitchStats stats;
  stats.median_hz = Percentile(f0s, 0.5);
  stats.p10_hz = Percentile(f0s, 0.1);
  stats.p90_hz = Percentile(f0s, 0.9);
  stats.voiced_frames = f0s.size();
  return stats;
}

}  // namespace vmsg::speech
