// Onset strength + autocorrelation tempo estimation (see tempo.h).
#include "music/tempo.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace vmsg::music {
namespace {

// The envelope's frame rate: 5 ms resolution keeps the period error of a 140 bpm beat
// (86 frames) well under 1 % before interpolation.
constexpr double kEnvelopeRate = 200.0;
// Analysis runs at no more than this rate (onsets need no more bandwidth).
constexpr int kMaxAnalysisRate = 24000;
// The STFT window: about 40 ms.
constexpr double kWindowSeconds = 0.04;
// Log compression of magnitudes (after the signal is brought to kReferenceRms), so that
// quiet instruments' onsets count too.
constexpr double kLogCompression = 100.0;
constexpr double kReferenceRms = 0.1;
// The envelope minus its moving average over this span keeps onsets, drops swells.
constexpr double kDetrendSeconds = 1.0;
// Multiples of the beat period whose autocorrelation peaks refine it.
constexpr int kRefineMultiples = 4;

void Fft(std::vector<std::complex<double>>& a) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> wlen(std::cos(angle), std::sin(angle));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1);
      for (size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> u = a[i + k];
        const std::complex<double> v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

// Mono, decimated by an integer factor (box filter: the envelope needs no better).
std::vector<double> MonoForAnalysis(const audio::Sound& sound, int& rate) {
  const int factor = std::max(1, (sound.sample_rate + kMaxAnalysisRate - 1) / kMaxAnalysisRate);
  rate = sound.sample_rate / factor;
  const size_t frames = sound.frames();
  const size_t channels = static_cast<size_t>(sound.channels);
  std::vector<double> mono(frames / static_cast<size_t>(factor));
  for (size_t i = 0; i < mono.size(); ++i) {
    double sum = 0;
    for (size_t f = i * factor; f < (i + 1) * factor; ++f) {
      for (size_t c = 0; c < channels; ++c) sum += sound.samples[f * channels + c];
    }
    mono[i] = sum / static_cast<double>(factor * channels);
  }
  return mono;
}

std::vector<double> OnsetStrength(std::vector<double> mono, int rate, double& frame_rate) {
  double energy = 0;
  for (double s : mono) energy += s * s;
  const double rms = std::sqrt(energy / static_cast<double>(std::max<size_t>(1, mono.size())));
  if (rms > 0) {
    for (double& s : mono) s *= kReferenceRms / rms;
  }
  size_t window = 1;
  while (static_cast<double>(window) < kWindowSeconds * rate) window <<= 1;
  const size_t hop = std::max<size_t>(1, static_cast<size_t>(std::lround(rate / kEnvelopeRate)));
  frame_rate = static_cast<double>(rate) / static_cast<double>(hop);
  std::vector<double> hann(window);
  for (size_t i = 0; i < window; ++i) {
    hann[i] = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) /
                                   static_cast<double>(window));
  }
  std::vector<double> flux;
  std::vector<double> previous(window / 2 + 1, 0.0);
  std::vector<double> current(window / 2 + 1);
  std::vector<std::complex<double>> buffer(window);
  for (size_t start = 0; start + window <= mono.size(); start += hop) {
    for (size_t i = 0; i < window; ++i) buffer[i] = mono[start + i] * hann[i];
    Fft(buffer);
    double sum = 0;
    for (size_t k = 1; k <= window / 2; ++k) {
      current[k] = std::log1p(kLogCompression * std::abs(buffer[k]));
      sum += std::max(0.0, current[k] - previous[k]);
    }
    // The first frame has no predecessor: its "onset" is the signal's start, not a beat.
    flux.push_back(start == 0 ? 0.0 : sum);
    std::swap(previous, current);
  }
  // Onsets stand out from a moving average; what remains is made zero-mean so that the
  // autocorrelation swings between beats and off-beats.
  const size_t half = static_cast<size_t>(kDetrendSeconds * frame_rate / 2);
  std::vector<double> prefix(flux.size() + 1, 0.0);
  for (size_t i = 0; i < flux.size(); ++i) prefix[i + 1] = prefix[i] + flux[i];
  std::vector<double> onset(flux.size());
  double mean = 0;
  for (size_t i = 0; i < flux.size(); ++i) {
    const size_t lo = i > half ? i - half : 0;
    const size_t hi = std::min(flux.size(), i + half + 1);
    const double local = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    onset[i] = std::max(0.0, flux[i] - local);
    mean += onset[i];
  }
  mean /= static_cast<double>(std::max<size_t>(1, onset.size()));
  for (double& o : onset) o -= mean;
  return onset;
}

// Parabolic interpolation of a peak at `i`.
double Interpolate(const std::vector<double>& ac, size_t i) {
  if (i == 0 || i + 1 >= ac.size()) return static_cast<double>(i);
  const double a = ac[i - 1], b = ac[i], c = ac[i + 1];
  const double denom = a - 2 * b + c;
  if (denom >= 0) return static_cast<double>(i);
  return static_cast<double>(i) + 0.5 * (a - c) / denom;
}

}  // namespace

Result<TempoEstimate> EstimateTempo(const audio::Sound& sound, const TempoOptions& options) {
  if (sound.duration_seconds() < kMinTempoSeconds) {
    return Status::InvalidArgument("at least " + std::to_string(kMinTempoSeconds) +
                                       " s of audio are needed to estimate a tempo",
                                   "audio_too_short");
  }
  int rate = 0;
  std::vector<double> mono = MonoForAnalysis(sound, rate);
  double frame_rate = 0;
  const std::vector<double> onset = OnsetStrength(std::move(mono), rate, frame_rate);

  const size_t min_lag = static_cast<size_t>(std::floor(60.0 * frame_rate / options.max_bpm));
  const size_t max_lag = static_cast<size_t>(std::ceil(60.0 * frame_rate / options.min_bpm));
  const size_t last_lag = std::min(onset.size() / 2, (max_lag + 1) * kRefineMultiples + 2);
  std::vector<double> ac(last_lag + 1, 0.0);
  for (size_t lag = 0; lag <= last_lag; ++lag) {
    double sum = 0;
    for (size_t i = 0; i + lag < onset.size(); ++i) sum += onset[i] * onset[i + lag];
    ac[lag] = sum / static_cast<double>(onset.size() - lag);
  }
  if (!(ac[0] > 0)) {
    return Status::InvalidArgument("the audio has no onsets to find a beat in", "no_pulse");
  }
  size_t best = 0;
  double best_score = 0;
  for (size_t lag = std::max<size_t>(min_lag, 1); lag <= std::min(max_lag, last_lag - 1); ++lag) {
    if (ac[lag] <= 0 || ac[lag] < ac[lag - 1] || ac[lag] < ac[lag + 1]) continue;
    const double bpm = 60.0 * frame_rate / static_cast<double>(lag);
    const double octaves = std::log2(bpm / options.prior_bpm) / options.prior_octaves;
    const double score = ac[lag] * std::exp(-0.5 * octaves * octaves);
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  if (best == 0) {
    return Status::InvalidArgument("the audio has no steady pulse", "no_pulse");
  }
  // The peaks at 2, 3, 4 periods measure the period more finely (their error is divided by
  // the multiple); each is looked for near its expected lag.
  double period_sum = Interpolate(ac, best);
  double weight_sum = 1;
  for (int k = 2; k <= kRefineMultiples; ++k) {
    const double expected = period_sum / weight_sum * k;
    const size_t lo = static_cast<size_t>(std::max(1.0, std::floor(expected - k)));
    const size_t hi = static_cast<size_t>(std::ceil(expected + k));
    if (hi + 1 >= ac.size()) break;
    size_t peak = lo;
    for (size_t lag = lo; lag <= hi; ++lag) {
      if (ac[lag] > ac[peak]) peak = lag;
    }
    if (peak == lo || peak == hi || ac[peak] <= 0) continue;  // no clear peak there
    period_sum += Interpolate(ac, peak);                      // weight k: contributes k periods
    weight_sum += k;
  }
  const double period = period_sum / weight_sum;
  return TempoEstimate{.bpm = 60.0 * frame_rate / period,
                       .confidence = std::clamp(ac[best] / ac[0], 0.0, 1.0)};
}

}  // namespace vmsg::music
