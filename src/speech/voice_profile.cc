// Voice profile measurements (see voice_profile.h). Formants: LPC (autocorrelation method,
// Levinson–Durbin) on 25 ms pre-emphasised frames at 12 kHz, the polynomial's roots by the
// Durand–Kerner iteration, F1 and F2 the lowest narrow-band resonances in their ranges.
// Harmonics-to-noise ratio: Boersma's (1993) normalised autocorrelation peak r at the pitch
// period, 10·log10(r / (1 − r)), on 45 ms frames at 16 kHz.
#include "speech/voice_profile.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <complex>
#include <numbers>
#include <optional>

#include "audio/loudness.h"
#include "audio/sound.h"
#include "speech/pitch.h"

namespace vmsg::library {
namespace {

constexpr double kHopSeconds = 0.01;
// Only the middle of a vowel (its first and last quarter are transitions) is measured, and
// only frames within this many dB of the message's loudest.
constexpr double kVowelEdgeShare = 0.25;
constexpr double kQuietBelowLoudestDb = 35;

constexpr int kFormantRate = 12000;  // formants of interest lie below 4 kHz
constexpr double kLpcWindowSeconds = 0.025;
constexpr int kLpcOrder = 14;  // 2 + rate in kHz: five resonances and the source's tilt
constexpr double kPreEmphasis = 0.97;
constexpr double kMaxBandwidthHz = 500;  // wider poles shape the envelope, not a formant
constexpr double kF1MinHz = 200, kF1MaxHz = 1200;
constexpr double kF2MinHz = 600, kF2MaxHz = 3500, kF1F2MinGapHz = 200;
constexpr int kRootIterations = 500;

constexpr int kHnrRate = 16000;
// Every voice is analysed alike: windows of three periods of the lowest pitch searched.
constexpr double kHnrWindowSeconds = 0.045;
constexpr double kHnrMinPitchHz = 70, kHnrMaxPitchHz = 600;
constexpr double kMaxHarmonicity = 0.999;  // caps a frame's HNR at 30 dB

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  return v[mid];
}

bool IsPause(std::string_view symbol) { return symbol == speech::kPauseSymbol || symbol == "sil"; }

// Open JTalk writes a devoiced vowel in capitals; it has no formants to measure.
bool IsVoicedVowel(std::string_view symbol) {
  return speech::IsVowelPhone(symbol) && std::islower(static_cast<unsigned char>(symbol[0]));
}

// The centres (in seconds) of the analysis frames inside each voiced vowel's middle, with
// the vowel's symbol.
std::vector<std::pair<double, const std::string*>> VowelFrames(const speech::Speech& speech) {
  std::vector<std::pair<double, const std::string*>> frames;
  for (const speech::Phoneme& p : speech.phonemes) {
    if (!IsVoicedVowel(p.symbol)) continue;
    const double edge = (p.end - p.start) * kVowelEdgeShare;
    for (double t = std::ceil((p.start + edge) / kHopSeconds) * kHopSeconds; t <= p.end - edge;
         t += kHopSeconds) {
      frames.emplace_back(t, &p.symbol);
    }
  }
  return frames;
}

// The samples of a `window`-long frame centred at `t`, or empty when it runs off the audio.
std::vector<double> FrameAt(const audio::Sound& a, double t, double window) {
  const auto length = static_cast<std::ptrdiff_t>(window * a.sample_rate);
  const auto begin = static_cast<std::ptrdiff_t>(t * a.sample_rate) - length / 2;
  if (begin < 0 || begin + length > static_cast<std::ptrdiff_t>(a.samples.size())) return {};
  return {a.samples.begin() + begin, a.samples.begin() + begin + length};
}

double FrameDb(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return x.empty() || sum <= 0 ? -300 : 10 * std::log10(sum / static_cast<double>(x.size()));
}

std::vector<double> Hann(size_t n) {
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) {
    w[i] = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * (static_cast<double>(i) + 0.5) /
                                static_cast<double>(n));
  }
  return w;
}

// Prediction coefficients a[0] = 1, a[1..order] from the autocorrelation r[0..order];
// empty when the frame is silent or the recursion is unstable.
std::vector<double> LevinsonDurbin(const std::vector<double>& r, int order) {
  if (r[0] <= 0) return {};
  std::vector<double> a(order + 1, 0.0), prev;
  a[0] = 1;
  double error = r[0];
  for (int m = 1; m <= order; ++m) {
    double acc = r[m];
    for (int j = 1; j < m; ++j) acc += a[j] * r[m - j];
    const double k = -acc / error;
    prev = a;
    for (int j = 1; j < m; ++j) a[j] = prev[j] + k * prev[m - j];
    a[m] = k;
    error *= 1 - k * k;
    if (error <= 0) return {};
  }
  return a;
}

// Roots of z^n + a[1] z^(n-1) + ... + a[n] by simultaneous (Durand–Kerner) iteration.
std::vector<std::complex<double>> PolynomialRoots(const std::vector<double>& a) {
  const int n = static_cast<int>(a.size()) - 1;
  std::vector<std::complex<double>> z(n);
  const std::complex<double> seed(0.4, 0.9);
  for (int i = 0; i < n; ++i) z[i] = std::pow(seed, i);
  auto eval = [&](std::complex<double> x) {
    std::complex<double> y = 1;
    for (int j = 1; j <= n; ++j) y = y * x + a[j];
    return y;
  };
  for (int iteration = 0; iteration < kRootIterations; ++iteration) {
    double change = 0;
    for (int i = 0; i < n; ++i) {
      std::complex<double> denominator = 1;
      for (int j = 0; j < n; ++j) {
        if (j != i) denominator *= z[i] - z[j];
      }
      if (std::abs(denominator) == 0) denominator = 1e-12;
      const std::complex<double> step = eval(z[i]) / denominator;
      z[i] -= step;
      change = std::max(change, std::abs(step));
    }
    if (change < 1e-10) break;
  }
  return z;
}

double Autocorrelation(const std::vector<double>& s, size_t lag) {
  double sum = 0;
  for (size_t i = lag; i < s.size(); ++i) sum += s[i] * s[i - lag];
  return sum;
}

// What every frame's analysis reuses: the two analysis windows, and the HNR window's own
// autocorrelation at each lag relative to lag 0 (Boersma divides a frame's by it).
struct FrameWindows {
  FrameWindows()
      : lpc(Hann(static_cast<size_t>(kLpcWindowSeconds * kFormantRate))),
        hnr(Hann(static_cast<size_t>(kHnrWindowSeconds * kHnrRate))) {
    const double energy = Autocorrelation(hnr, 0);
    for (size_t lag = 0; lag < hnr.size(); ++lag) {
      hnr_self.push_back(Autocorrelation(hnr, lag) / energy);
    }
  }
  std::vector<double> lpc;
  std::vector<double> hnr;
  std::vector<double> hnr_self;
};

// F1 and F2 of one frame (at kFormantRate, as long as `window`), or nothing.
std::optional<std::pair<double, double>> Formants(const std::vector<double>& frame,
                                                  const std::vector<double>& window) {
  const size_t n = frame.size();
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = (frame[i] - (i > 0 ? kPreEmphasis * frame[i - 1] : 0)) * window[i];
  }
  std::vector<double> r(kLpcOrder + 1, 0.0);
  for (int lag = 0; lag <= kLpcOrder; ++lag) {
    for (size_t i = lag; i < n; ++i) r[lag] += x[i] * x[i - lag];
  }
  const std::vector<double> a = LevinsonDurbin(r, kLpcOrder);
  if (a.empty()) return std::nullopt;
  std::vector<double> resonances;
  for (const std::complex<double>& z : PolynomialRoots(a)) {
    if (z.imag() <= 0) continue;
    const double hz = std::arg(z) * kFormantRate / (2 * std::numbers::pi);
    const double bandwidth = -std::log(std::abs(z)) * kFormantRate / std::numbers::pi;
    if (bandwidth < kMaxBandwidthHz) resonances.push_back(hz);
  }
  std::sort(resonances.begin(), resonances.end());
  auto f1 = std::find_if(resonances.begin(), resonances.end(),
                         [](double f) { return f >= kF1MinHz && f <= kF1MaxHz; });
  if (f1 == resonances.end()) return std::nullopt;
  auto f2 = std::find_if(f1 + 1, resonances.end(), [&](double f) {
    return f >= std::max(kF2MinHz, *f1 + kF1F2MinGapHz) && f <= kF2MaxHz;
  });
  if (f2 == resonances.end()) return std::nullopt;
  return std::make_pair(*f1, *f2);
}

// Boersma's harmonicity of one frame (at kHnrRate, as long as the HNR window): the highest
// normalised autocorrelation over the pitch periods searched, divided by the window's own.
std::optional<double> Harmonicity(const std::vector<double>& frame, const FrameWindows& windows) {
  const size_t n = frame.size();
  double mean = 0;
  for (double v : frame) mean += v;
  mean /= static_cast<double>(n);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = (frame[i] - mean) * windows.hnr[i];
  const double energy = Autocorrelation(x, 0);
  if (energy <= 0) return std::nullopt;
  const auto min_lag = static_cast<size_t>(kHnrRate / kHnrMaxPitchHz);
  const auto max_lag = std::min(n / 2, static_cast<size_t>(kHnrRate / kHnrMinPitchHz));
  double best = 0;
  for (size_t lag = min_lag; lag <= max_lag; ++lag) {
    best = std::max(best, Autocorrelation(x, lag) / energy / windows.hnr_self[lag]);
  }
  if (best <= 0) return std::nullopt;
  return std::min(best, kMaxHarmonicity);
}

audio::Sound Concatenate(std::span<const speech::Speech> messages) {
  audio::Sound all;
  all.sample_rate = messages.front().audio.sample_rate;
  for (const speech::Speech& s : messages) {
    const audio::Sound a = s.audio.sample_rate == all.sample_rate
                               ? s.audio
                               : audio::Resample(s.audio, all.sample_rate);
    all.samples.insert(all.samples.end(), a.samples.begin(), a.samples.end());
  }
  return all;
}

}  // namespace

Result<FormantShift> FormantShiftOf(const VoiceProfile& voice, const VoiceProfile& reference) {
  FormantShift shift{.f1 = 0, .f2 = 0};
  for (const auto& [symbol, v] : voice.vowels) {
    auto r = reference.vowels.find(symbol);
    if (r == reference.vowels.end() || v.frames < kMinVowelFrames ||
        r->second.frames < kMinVowelFrames) {
      continue;
    }
    shift.f1 += v.f1_hz / r->second.f1_hz;
    shift.f2 += v.f2_hz / r->second.f2_hz;
    ++shift.vowels;
  }
  if (shift.vowels == 0) {
    return Status::FailedPrecondition("the voices share no vowel measured often enough",
                                      "no_common_vowels");
  }
  shift.f1 /= static_cast<double>(shift.vowels);
  shift.f2 /= static_cast<double>(shift.vowels);
  return shift;
}

Result<VoiceProfile> MeasureVoiceProfile(std::span<const speech::Speech> messages) {
  if (messages.empty()) {
    return Status::InvalidArgument("no messages to measure", "no_voiced_audio");
  }
  VoiceProfile profile;
  const audio::Sound all = Concatenate(messages);
  Result<speech::PitchStats> pitch = speech::EstimatePitch(all);
  if (!pitch.ok()) {
    return Status::InvalidArgument("no voiced audio to measure", "no_voiced_audio");
  }
  profile.median_pitch_hz = pitch->median_hz;
  profile.p10_pitch_hz = pitch->p10_hz;
  profile.p90_pitch_hz = pitch->p90_hz;
  VMSG_ASSIGN_OR_RETURN(audio::Loudness loudness, audio::MeasureLoudness(audio::FromMono(all, 1)));
  profile.loudness_lufs = loudness.integrated_lufs;

  const FrameWindows windows;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> formants;
  std::vector<double> hnr;
  size_t units = 0;
  for (const speech::Speech& speech : messages) {
    for (const speech::Phoneme& p : speech.phonemes) {
      if (IsPause(p.symbol)) continue;
      profile.speaking_seconds += p.end - p.start;
      if (speech.language == speech::Language::kEnglish && speech::IsVowelPhone(p.symbol)) ++units;
    }
    if (speech.language == speech::Language::kJapanese) units += speech.units.size();

    const audio::Sound lpc_audio = audio::Resample(speech.audio, kFormantRate);
    const audio::Sound hnr_audio = audio::Resample(speech.audio, kHnrRate);
    double loudest = -300;
    for (double t = 0; t < speech.audio.duration_seconds(); t += kHopSeconds) {
      loudest = std::max(loudest, FrameDb(FrameAt(lpc_audio, t, kLpcWindowSeconds)));
    }
    for (const auto& [t, symbol] : VowelFrames(speech)) {
      const std::vector<double> frame = FrameAt(lpc_audio, t, kLpcWindowSeconds);
      if (frame.empty() || FrameDb(frame) < loudest - kQuietBelowLoudestDb) continue;
      if (auto f = Formants(frame, windows.lpc)) {
        formants[*symbol].first.push_back(f->first);
        formants[*symbol].second.push_back(f->second);
      }
      const std::vector<double> long_frame = FrameAt(hnr_audio, t, kHnrWindowSeconds);
      if (long_frame.empty()) continue;
      if (auto r = Harmonicity(long_frame, windows)) {
        hnr.push_back(10 * std::log10(*r / (1 - *r)));
      }
    }
  }
  for (auto& [symbol, f] : formants) {
    profile.vowels[symbol] = {Median(f.first), Median(f.second), f.first.size()};
  }
  profile.hnr_db = Median(std::move(hnr));
  profile.rate =
      profile.speaking_seconds > 0 ? static_cast<double>(units) / profile.speaking_seconds : 0;
  return profile;
}

std::span<const std::string_view> ProfileMessages(speech::Language language) {
  static constexpr std::string_view kJapanese[] = {
      "お誕生日おめでとうございます。素敵な一年になりますように。",
      "いつも本当にありがとう。これからもよろしくね。",
      "結婚おめでとう！二人の幸せをずっと願っています。",
      "卒業おめでとう。新しい毎日が楽しみですね。",
      "お仕事お疲れさまでした。ゆっくり休んでください。",
      "元気ですか？最近なかなか会えなくて寂しいです。",
      "合格おめでとう！よく頑張ったね、本当にすごいよ。",
      "明けましておめでとうございます。今年もよろしくお願いします。",
      "お母さん、いつもおいしいご飯をありがとう。",
      "また会える日を楽しみにしています。体に気をつけてね。",
  };
  static constexpr std::string_view kEnglish[] = {
      "Happy birthday! I hope this year is a wonderful one.",
      "Thank you so much for everything you do for us.",
      "Congratulations on your wedding. We wish you both every happiness.",
      "Well done on your graduation. Enjoy every new day.",
      "You worked so hard this year. Take a good long rest.",
      "How are you? I miss you, and I hope we meet again soon.",
      "You passed! I knew you could do it. I am so proud of you.",
      "Happy new year to you and your family.",
      "Mum, thank you for all the lovely dinners.",
      "I look forward to seeing you again. Take care of yourself.",
  };
  if (language == speech::Language::kJapanese) return kJapanese;
  return kEnglish;
}

Result<VoiceProfile> ProfileVoice(const speech::Speaker& speaker, const speech::VoiceParams& voice,
                                  speech::Language language, speech::ProsodyPreset preset) {
  speech::ProsodyParams prosody;
  prosody.preset = preset;
  std::vector<speech::Speech> spoken;
  for (std::string_view text : ProfileMessages(language)) {
    VMSG_ASSIGN_OR_RETURN(speech::SpokenMessage m, speaker.Synthesize(text, voice, prosody));
    if (m.speech.language != language) {
      return Status::InvalidArgument("the voice did not speak the message in its language",
                                     "unsupported_language");
    }
    spoken.push_back(std::move(m.speech));
  }
  return MeasureVoiceProfile(spoken);
}

}  // namespace vmsg::library
