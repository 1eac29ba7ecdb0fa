// Measurements and parameter derivation for voice matching (see voice_matching.h).
#include "library/voice_matching.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "audio/fft.h"
#include "library/recording.h"
#include "speech/pitch.h"

namespace vmsg::library {
namespace {

// Speaking rate.
constexpr double kEnvelopeFrameSeconds = 0.01;
constexpr size_t kEnvelopeSmoothFrames = 5;  // 50 ms moving average
constexpr double kActiveBelowLoudestDb = 30;
constexpr double kNucleusProminenceDb = 2;

// Formant scale.
constexpr int kSpectrumRate = 16000;
constexpr size_t kFftSize = 512;  // 32 ms at 16 kHz
constexpr size_t kFftHop = 256;
constexpr double kLoudFrameBelowLoudestDb = 30;
constexpr double kLowestBandHz = 500;
constexpr double kHighestBandHz = 5000;
constexpr int kBandsPerOctave = 24;
constexpr double kBandHalfWidthOctaves = 1.0 / 12;
constexpr int kMaxShiftBands = 8;  // ±1/3 octave

// Matching.
constexpr double kPitchToleranceSemitones = 0.5;
constexpr std::string_view kEnglishCandidates[] = {"slt", "rms"};

// The long-term average spectrum of the loud frames, in dB per 1/24-octave band.
std::vector<double> BandSpectrum(const audio::Sound& input) {
  const audio::Sound a = audio::Resample(input, kSpectrumRate);
  std::vector<double> frame_rms;
  for (size_t i = 0; i + kFftSize <= a.samples.size(); i += kFftHop) {
    frame_rms.push_back(audio::Rms(a, i, i + kFftSize));
  }
  std::vector<double> power(kFftSize / 2 + 1, 0.0);
  if (frame_rms.empty()) return {};
  const double loudest = *std::max_element(frame_rms.begin(), frame_rms.end());
  const double floor = loudest * std::pow(10.0, -kLoudFrameBelowLoudestDb / 20);
  std::vector<std::complex<double>> buf(kFftSize);
  for (size_t f = 0; f < frame_rms.size(); ++f) {
    if (frame_rms[f] < floor || frame_rms[f] <= 0) continue;
    for (size_t k = 0; k < kFftSize; ++k) {
      const double hann =
          0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(k) / kFftSize);
      buf[k] = a.samples[f * kFftHop + k] * hann;
    }
    audio::Fft(buf);
    for (size_t k = 0; k < power.size(); ++k) power[k] += std::norm(buf[k]);
  }
  const double bin_hz = static_cast<double>(kSpectrumRate) / kFftSize;
  std::vector<double> bands;
  for (int b = 0;; ++b) {
    const double center = kLowestBandHz * std::pow(2.0, static_cast<double>(b) / kBandsPerOctave);
    if (center > kHighestBandHz) break;
    const auto lo = static_cast<size_t>(center * std::pow(2.0, -kBandHalfWidthOctaves) / bin_hz);
    const auto hi = static_cast<size_t>(center * std::pow(2.0, kBandHalfWidthOctaves) / bin_hz);
    double sum = 0;
    size_t n = 0;
    for (size_t k = lo; k <= hi && k < power.size(); ++k, ++n) sum += power[k];
    bands.push_back(10 * std::log10(std::max(sum / std::max<size_t>(n, 1), 1e-20)));
  }
  return bands;
}

double Correlation(const std::vector<double>& a, const std::vector<double>& r, int shift) {
  double sa = 0, sr = 0, saa = 0, srr = 0, sar = 0;
  int n = 0;
  for (int k = 0; k < static_cast<int>(r.size()); ++k) {
    const int j = k + shift;
    if (j < 0 || j >= static_cast<int>(a.size())) continue;
    sa += a[j];
    sr += r[k];
    saa += a[j] * a[j];
    srr += r[k] * r[k];
    sar += a[j] * r[k];
    ++n;
  }
  if (n < 2) return -1;
  const double cov = sar - sa * sr / n;
  const double va = saa - sa * sa / n;
  const double vr = srr - sr * sr / n;
  return va > 0 && vr > 0 ? cov / std::sqrt(va * vr) : -1;
}

}  // namespace

double SpeakingRate(const audio::Sound& audio) {
  if (audio.sample_rate <= 0 || audio.samples.empty()) return 0;
  const size_t frame =
      std::max<size_t>(1, static_cast<size_t>(audio.sample_rate * kEnvelopeFrameSeconds));
  std::vector<double> db;
  for (size_t i = 0; i < audio.samples.size(); i += frame) {
    const double rms = audio::Rms(audio, i, i + frame);
    db.push_back(rms > 0 ? 20 * std::log10(rms) : -200);
  }
  std::vector<double> smooth(db.size());
  for (size_t i = 0; i < db.size(); ++i) {
    const size_t lo = i >= kEnvelopeSmoothFrames / 2 ? i - kEnvelopeSmoothFrames / 2 : 0;
    const size_t hi = std::min(db.size(), i + kEnvelopeSmoothFrames / 2 + 1);
    double sum = 0;
    for (size_t j = lo; j < hi; ++j) sum += db[j];
    smooth[i] = sum / static_cast<double>(hi - lo);
  }
  const double loudest = *std::max_element(smooth.begin(), smooth.end());
  const double active_floor = loudest - kActiveBelowLoudestDb;
  size_t active = 0;
  size_t nuclei = 0;
  // Hysteresis: a peak counts once the envelope has fallen 2 dB below it, and the next can
  // start only after it has risen 2 dB above the dip.
  bool seeking_peak = true;
  double extreme = -1e9;
  for (double v : smooth) {
    const double x = v >= active_floor ? v : active_floor - 100;
    if (v >= active_floor) ++active;
    if (seeking_peak) {
      extreme = std::max(extreme, x);
      if (extreme >= active_floor && x <= extreme - kNucleusProminenceDb) {
        ++nuclei;
        seeking_peak = false;
        extreme = x;
      }
    } else {
      extreme = std::min(extreme, x);
      if (x >= extreme + kNucleusProminenceDb) {
        seeking_peak = true;
        extreme = x;
      }
    }
  }
  if (seeking_peak && extreme >= active_floor) ++nuclei;  // a peak still open at the end
  const double seconds = static_cast<double>(active) * kEnvelopeFrameSeconds;
  return seconds > 0 ? static_cast<double>(nuclei) / seconds : 0;
}

double FormantScale(const audio::Sound& audio, const audio::Sound& reference) {
  const std::vector<double> a = BandSpectrum(audio);
  const std::vector<double> r = BandSpectrum(reference);
  if (a.empty() || r.empty()) return 1;
  std::vector<double> corr;
  int best = 0;
  for (int s = -kMaxShiftBands; s <= kMaxShiftBands; ++s) {
    corr.push_back(Correlation(a, r, s));
    if (corr.back() > corr[best]) best = static_cast<int>(corr.size()) - 1;
  }
  double shift = best - kMaxShiftBands;
  if (best > 0 && best + 1 < static_cast<int>(corr.size())) {
    const double y0 = corr[best - 1], y1 = corr[best], y2 = corr[best + 1];
    const double denom = y0 - 2 * y1 + y2;
    if (denom < 0) shift += 0.5 * (y0 - y2) / denom;
  }
  return std::pow(2.0, shift / kBandsPerOctave);
}

double AllPassForFormantScale(double scale) {
  const double slope = (1 + kOpenJTalkDefaultAllPass) / (1 - kOpenJTalkDefaultAllPass) / scale;
  return (slope - 1) / (slope + 1);
}

std::string_view VoiceMatcher::CalibrationText(std::string_view language) {
  if (language == "ja") return "今日はとても良い天気ですね。みんなで公園に行きましょう。";
  return "It is a lovely day today. Let us all go for a walk in the park.";
}

Result<audio::Sound> VoiceMatcher::Speak(const speech::VoiceParams& params,
                                         std::string_view text) const {
  VMSG_ASSIGN_OR_RETURN(
      speech::SpokenMessage m,
      speaker_.Synthesize(text, params, {.preset = speech::ProsodyPreset::kNeutral}));
  return std::move(m.speech.audio);
}

Result<VoiceMatcher::EngineVoice> VoiceMatcher::Engine(const speech::VoiceParams& base,
                                                       std::string_view language) const {
  const std::string key = base.japanese_voice + "|" + base.english_voice;
  {
    std::lock_guard lock(mutex_);
    if (auto it = engines_.find(key); it != engines_.end()) return it->second;
  }
  EngineVoice e;
  VMSG_ASSIGN_OR_RETURN(e.speech, Speak(base, CalibrationText(language)));
  VMSG_ASSIGN_OR_RETURN(speech::PitchStats pitch, speech::EstimatePitch(e.speech));
  e.median_pitch_hz = pitch.median_hz;
  e.speaking_rate = SpeakingRate(e.speech);
  std::lock_guard lock(mutex_);
  return engines_.emplace(key, std::move(e)).first->second;
}

Result<VoiceEmbedding> VoiceMatcher::Match(const audio::Sound& recording,
                                           std::string_view language) const {
  if (language != "ja" && language != "en") {
    return Status::InvalidArgument("language must be ja or en", "invalid_language");
  }
  Result<speech::PitchStats> pitch = speech::EstimatePitch(recording);
  if (!pitch.ok()) {
    if (pitch.status().code() == StatusCode::kNotFound) {
      return Status::InvalidArgument("no voiced speech found in the recordings",
                                     std::string(kAudioSilent));
    }
    return pitch.status();
  }
  VoiceEmbedding e;
  e.features.median_pitch_hz = pitch->median_hz;
  e.features.p10_pitch_hz = pitch->p10_hz;
  e.features.p90_pitch_hz = pitch->p90_hz;
  e.features.speaking_rate = SpeakingRate(recording);
  e.features.duration_seconds = recording.duration_seconds();
  e.features.sample_rate = recording.sample_rate;

  speech::VoiceParams base;
  EngineVoice engine;
  if (language == "ja") {
    base.japanese_voice = std::string(kJapaneseEngineVoices[0]);
    VMSG_ASSIGN_OR_RETURN(engine, Engine(base, language));
  } else {
    // flite's voices differ in pitch by about an octave: the closer one needs less shift.
    double best = 1e9;
    for (std::string_view name : kEnglishCandidates) {
      speech::VoiceParams candidate;
      candidate.english_voice = std::string(name);
      VMSG_ASSIGN_OR_RETURN(EngineVoice ev, Engine(candidate, language));
      const double distance =
          std::abs(speech::SemitonesBetween(ev.median_pitch_hz, pitch->median_hz));
      if (distance < best) {
        best = distance;
        base = candidate;
        engine = std::move(ev);
      }
    }
  }
  e.engine_median_pitch_hz = engine.median_pitch_hz;
  e.features.formant_scale = FormantScale(recording, engine.speech);

  speech::VoiceParams params = base;
  params.pitch_semitones =
      std::clamp(speech::SemitonesBetween(engine.median_pitch_hz, pitch->median_hz),
                 -kMaxPitchShiftSemitones, kMaxPitchShiftSemitones);
  if (engine.speaking_rate > 0 && e.features.speaking_rate > 0) {
    params.speed = std::clamp(e.features.speaking_rate / engine.speaking_rate, kMinSpeedFactor,
                              kMaxSpeedFactor);
  }
  if (language == "ja") {
    params.all_pass = AllPassForFormantScale(
        std::clamp(e.features.formant_scale, kMinFormantScale, kMaxFormantScale));
  }
  // The engine's pitch does not move exactly by the semitones asked (its F0 model and the
  // all-pass change interact): measure and correct once.
  const std::string_view text = CalibrationText(language);
  VMSG_ASSIGN_OR_RETURN(audio::Sound spoken, Speak(params, text));
  VMSG_ASSIGN_OR_RETURN(speech::PitchStats got, speech::EstimatePitch(spoken));
  double error = speech::SemitonesBetween(pitch->median_hz, got.median_hz);
  if (std::abs(error) > kPitchToleranceSemitones) {
    params.pitch_semitones = std::clamp(params.pitch_semitones - error, -kMaxPitchShiftSemitones,
                                        kMaxPitchShiftSemitones);
    VMSG_ASSIGN_OR_RETURN(spoken, Speak(params, text));
    VMSG_ASSIGN_OR_RETURN(got, speech::EstimatePitch(spoken));
  }
  e.matched_median_pitch_hz = got.median_hz;
  e.params = params;
  return e;
}

Result<std::pair<VoiceEmbedding, audio::Sound>> VoiceMatcher::Describe(
    const speech::VoiceParams& params, std::string_view sample_text) const {
  const bool japanese = !params.japanese_voice.empty();
  speech::VoiceParams base;
  (japanese ? base.japanese_voice : base.english_voice) =
      japanese ? params.japanese_voice : params.english_voice;
  const std::string_view language = japanese ? "ja" : "en";
  VMSG_ASSIGN_OR_RETURN(EngineVoice engine, Engine(base, language));
  VMSG_ASSIGN_OR_RETURN(audio::Sound sample, Speak(params, sample_text));
  VMSG_ASSIGN_OR_RETURN(speech::PitchStats pitch, speech::EstimatePitch(sample));
  VMSG_ASSIGN_OR_RETURN(audio::Sound calibration, Speak(params, CalibrationText(language)));
  VMSG_ASSIGN_OR_RETURN(speech::PitchStats matched, speech::EstimatePitch(calibration));
  VoiceEmbedding e;
  e.params = params;
  e.features = {.median_pitch_hz = pitch.median_hz,
                .p10_pitch_hz = pitch.p10_hz,
                .p90_pitch_hz = pitch.p90_hz,
                .formant_scale = FormantScale(calibration, engine.speech),
                .speaking_rate = SpeakingRate(sample),
                .duration_seconds = sample.duration_seconds(),
                .sample_rate = sample.sample_rate};
  e.engine_median_pitch_hz = engine.median_pitch_hz;
  e.matched_median_pitch_hz = matched.median_hz;
  return std::make_pair(std::move(e), std::move(sample));
}

}  // namespace vmsg::library
