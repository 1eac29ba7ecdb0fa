// The mix is built offline on the whole timeline, so every envelope can look ahead: the
// duck is fully down when a word starts, and its depth per stretch of speech is chosen from
// the levels actually there. Gains are kept per bus until the end so the result can report
// (and tests can check) the speech-over-music ratio the listener gets.
#include "audio/mix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "audio/codec.h"

namespace vmsg::audio {
namespace {

constexpr int kMixChannels = 2;
// Ducking aims this far above min_speech_over_music_db so rounding never lands under it.
constexpr double kRatioMarginDb = 1.0;
// Envelope analysis for speech without timings.
constexpr double kEnvelopeFrameSeconds = 0.010;
constexpr double kActivityFloorDbfs = -60.0;

double DbToLinear(double db) { return std::pow(10.0, db / 20.0); }

Status InvalidOption(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("mix: " + field + " " + why, "invalid_mix_options");
}

// 0 at x <= 0, 1 at x >= 1, a raised cosine between: no corner at either end.
double SmoothStep(double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return 0.5 - 0.5 * std::cos(std::numbers::pi * x);
}

size_t ToFrames(double seconds, int rate) {
  return static_cast<size_t>(std::llround(std::max(0.0, seconds) * rate));
}

bool IsPause(const speech::Phoneme& phoneme) {
  return phoneme.symbol == speech::kPauseSymbol || phoneme.symbol == "sil";
}

std::vector<Span> MergeSpans(std::vector<Span> spans, double merge_gap) {
  std::vector<Span> merged;
  for (const Span& s : spans) {
    if (s.end <= s.start) continue;
    if (!merged.empty() && s.start - merged.back().end < merge_gap) {
      merged.back().end = std::max(merged.back().end, s.end);
    } else {
      merged.push_back(s);
    }
  }
  return merged;
}

std::vector<Span> EnvelopeActivity(const audio::Sound& audio) {
  const size_t hop = std::max<size_t>(1, ToFrames(kEnvelopeFrameSeconds, audio.sample_rate));
  std::vector<double> level_db;
  for (size_t at = 0; at < audio.samples.size(); at += hop) {
    const double rms = audio::Rms(audio, at, at + hop);
    level_db.push_back(rms > 0 ? 20 * std::log10(rms) : -std::numeric_limits<double>::infinity());
  }
  if (level_db.empty()) return {};
  const double loudest = *std::max_element(level_db.begin(), level_db.end());
  const double threshold = std::max(loudest - kActivityRangeDb, kActivityFloorDbfs);
  std::vector<Span> spans;
  const double frame_seconds = static_cast<double>(hop) / audio.sample_rate;
  for (size_t i = 0; i < level_db.size(); ++i) {
    if (level_db[i] < threshold) continue;
    const double start = static_cast<double>(i) * frame_seconds;
    const double end = std::min(start + frame_seconds, audio.duration_seconds());
    if (!spans.empty() && spans.back().end >= start) {
      spans.back().end = end;
    } else {
      spans.push_back({start, end});
    }
  }
  return spans;
}

// Sum over frames [begin, end) and channels of the squared samples.
double Energy(const Sound& sound, size_t begin, size_t end) {
  const auto channels = static_cast<size_t>(sound.channels);
  end = std::min(end, sound.frames());
  double sum = 0;
  for (size_t i = begin * channels; i < end * channels; ++i) {
    sum += static_cast<double>(sound.samples[i]) * sound.samples[i];
  }
  return sum;
}

double RatioDb(double speech_energy, double music_energy) {
  if (music_energy <= 0) return std::numeric_limits<double>::infinity();
  if (speech_energy <= 0) return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(speech_energy / music_energy);
}

}  // namespace

Status MixOptions::Validate() const {
  if (sample_rate < 8000 || sample_rate > 192000) {
    return InvalidOption("sample_rate", "must be within 8000..192000");
  }
  const std::pair<const char*, double> non_negative[] = {
      {"lead_seconds", lead_seconds},
      {"tail_seconds", tail_seconds},
      {"fade_in_seconds", fade_in_seconds},
      {"fade_out_seconds", fade_out_seconds},
      {"loop_crossfade_seconds", loop_crossfade_seconds},
      {"duck_db", duck_db},
      {"duck_attack_seconds", duck_attack_seconds},
      {"duck_release_seconds", duck_release_seconds},
      {"activity_merge_gap_seconds", activity_merge_gap_seconds},
  };
  for (const auto& [name, value] : non_negative) {
    if (!std::isfinite(value) || value < 0) return InvalidOption(name, "must be >= 0");
  }
  if (!std::isfinite(music_bed_db) || music_bed_db > 0) {
    return InvalidOption("music_bed_db", "must be <= 0");
  }
  if (!std::isfinite(min_speech_over_music_db)) {
    return InvalidOption("min_speech_over_music_db", "must be finite");
  }
  if (!std::isfinite(loudness.target_lufs) || !std::isfinite(loudness.max_true_peak_dbtp) ||
      loudness.max_true_peak_dbtp > 0 || loudness.tolerance_lu <= 0 ||
      loudness.limiter_lookahead_seconds <= 0 || loudness.limiter_release_seconds <= 0) {
    return InvalidOption("loudness",
                         "needs a finite target, a ceiling <= 0 dBTP and positive "
                         "tolerance and limiter times");
  }
  return Status::Ok();
}

std::vector<Span> SpeechActivity(const speech::Speech& speech, double merge_gap) {
  if (speech.phonemes.empty()) return MergeSpans(EnvelopeActivity(speech.audio), merge_gap);
  std::vector<Span> spans;
  for (const speech::Phoneme& p : speech.phonemes) {
    if (!IsPause(p)) spans.push_back({p.start, p.end});
  }
  return MergeSpans(std::move(spans), merge_gap);
}

Sound LoopMusic(const Sound& music, size_t frames, double crossfade_seconds) {
  const auto channels = static_cast<size_t>(music.channels);
  Sound out{music.sample_rate, music.channels, {}};
  out.samples.resize(frames * channels);
  const size_t length = music.frames();
  if (length == 0) return out;
  if (frames <= length) {
    std::copy_n(music.samples.begin(), frames * channels, out.samples.begin());
    return out;
  }
  const size_t fade = std::min(ToFrames(crossfade_seconds, music.sample_rate), length / 4);
  const size_t period = length - fade;
  // One repeat: the start, with the music's last `fade` frames fading out over it. After the
  // first pass (played as it is), repeats follow each other; the frame before each one is
  // music[period - 1] and the repeat's first frame is music[period], so the seam is as
  // smooth as the music itself.
  std::vector<float> repeat(music.samples.begin(), music.samples.begin() + period * channels);
  for (size_t k = 0; k < fade; ++k) {
    const double x = (static_cast<double>(k) + 0.5) / static_cast<double>(fade);
    const double in = std::sin(0.5 * std::numbers::pi * x);
    const double out_gain = std::cos(0.5 * std::numbers::pi * x);
    for (size_t c = 0; c < channels; ++c) {
      repeat[k * channels + c] =
          static_cast<float>(music.samples[k * channels + c] * in +
                             music.samples[(period + k) * channels + c] * out_gain);
    }
  }
  for (size_t n = 0; n < frames; ++n) {
    const float* src =
        n < period ? &music.samples[n * channels] : &repeat[((n - period) % period) * channels];
    std::copy_n(src, channels, &out.samples[n * channels]);
  }
  return out;
}

Result<MixResult> Mix(const speech::Speech& speech, const Sound* music, const MixOptions& options) {
  VMSG_RETURN_IF_ERROR(options.Validate());
  const int rate = options.sample_rate;
  if (speech.audio.samples.empty() || speech.audio.sample_rate <= 0) {
    return Status::InvalidArgument("mix: the speech has no samples", "speech_empty");
  }
  const audio::Sound voice_audio = audio::Resample(speech.audio, rate);
  const std::vector<Span> activity = SpeechActivity(speech, options.activity_merge_gap_seconds);
  if (activity.empty()) {
    return Status::InvalidArgument("mix: the speech is silent", "speech_empty");
  }

  MixResult result;
  const size_t lead = ToFrames(options.lead_seconds, rate);
  const size_t speech_frames = voice_audio.samples.size();
  const size_t total = lead + speech_frames + ToFrames(options.tail_seconds, rate);
  result.speech_start = static_cast<double>(lead) / rate;
  for (const Span& s : activity) {
    result.activity.push_back({s.start + result.speech_start, s.end + result.speech_start});
  }

  result.speech_bus = Sound{rate, kMixChannels, {}};
  result.speech_bus.samples.assign(total * kMixChannels, 0.0f);
  for (size_t i = 0; i < speech_frames; ++i) {
    for (size_t c = 0; c < kMixChannels; ++c) {
      result.speech_bus.samples[(lead + i) * kMixChannels + c] = voice_audio.samples[i];
    }
  }
  result.music_bus = Sound{rate, kMixChannels, std::vector<float>(total * kMixChannels, 0.0f)};
  result.min_speech_over_music_db = std::numeric_limits<double>::infinity();

  if (music != nullptr) {
    VMSG_ASSIGN_OR_RETURN(const Sound converted, Convert(*music, rate, kMixChannels));
    if (converted.duration_seconds() < kMinMusicSeconds) {
      return Status::InvalidArgument("mix: the music is shorter than the shortest loop",
                                     "music_too_short");
    }
    VMSG_ASSIGN_OR_RETURN(const Loudness speech_loudness, MeasureLoudness(result.speech_bus));
    VMSG_ASSIGN_OR_RETURN(const Loudness music_loudness, MeasureLoudness(converted));
    if (std::isfinite(music_loudness.integrated_lufs) &&
        std::isfinite(speech_loudness.integrated_lufs)) {
      result.music_gain_db =
          speech_loudness.integrated_lufs + options.music_bed_db - music_loudness.integrated_lufs;
    }
    Sound bed = LoopMusic(converted, total, options.loop_crossfade_seconds);
    const double music_gain = DbToLinear(result.music_gain_db);
    for (float& s : bed.samples) s = static_cast<float>(s * music_gain);

    // Duck depth per activity span: the nominal depth, deeper where the music is loud
    // enough there to come within the required ratio of the speech.
    std::vector<double> depth_db;
    for (const Span& s : result.activity) {
      const size_t begin = ToFrames(s.start, rate), end = ToFrames(s.end, rate);
      const double ratio = RatioDb(Energy(result.speech_bus, begin, end), Energy(bed, begin, end));
      depth_db.push_back(
          std::max(options.duck_db, options.min_speech_over_music_db + kRatioMarginDb - ratio));
    }
    // Gain curve in dB: each span pulls the music down to its depth, the attack finishing
    // at the span's start and the release starting at its end.
    std::vector<float> duck_db(total, 0.0f);
    for (size_t i = 0; i < result.activity.size(); ++i) {
      const Span& s = result.activity[i];
      const double from = s.start - options.duck_attack_seconds;
      const double to = s.end + options.duck_release_seconds;
      const size_t begin = ToFrames(from, rate), end = std::min(total, ToFrames(to, rate));
      for (size_t n = begin; n < end; ++n) {
        const double t = static_cast<double>(n) / rate;
        double shape = 1;
        if (t < s.start) {
          shape = options.duck_attack_seconds > 0
                      ? SmoothStep((t - from) / options.duck_attack_seconds)
                      : 1;
        } else if (t > s.end) {
          shape = options.duck_release_seconds > 0
                      ? 1 - SmoothStep((t - s.end) / options.duck_release_seconds)
                      : 0;
        }
        duck_db[n] = std::min(duck_db[n], static_cast<float>(-depth_db[i] * shape));
      }
    }
    const double fade_in = options.fade_in_seconds * rate;
    const double fade_out = options.fade_out_seconds * rate;
    for (size_t n = 0; n < total; ++n) {
      double gain = DbToLinear(duck_db[n]);
      const auto position = static_cast<double>(n);
      if (position < fade_in) gain *= SmoothStep(position / fade_in);
      const auto remaining = static_cast<double>(total - n - 1);
      if (remaining < fade_out) gain *= SmoothStep(remaining / fade_out);
      for (size_t c = 0; c < kMixChannels; ++c) {
        result.music_bus.samples[n * kMixChannels + c] =
            static_cast<float>(bed.samples[n * kMixChannels + c] * gain);
      }
    }
  }

  result.mix = result.speech_bus;
  for (size_t i = 0; i < result.mix.samples.size(); ++i) {
    result.mix.samples[i] += result.music_bus.samples[i];
  }
  VMSG_ASSIGN_OR_RETURN(const Normalization plan, PlanNormalization(result.mix, options.loudness));
  ApplyNormalization(plan, result.mix);
  ApplyNormalization(plan, result.speech_bus);
  ApplyNormalization(plan, result.music_bus);
  result.loudness = plan.result;

  for (const Span& s : result.activity) {
    const size_t begin = ToFrames(s.start, rate), end = ToFrames(s.end, rate);
    result.min_speech_over_music_db = std::min(
        result.min_speech_over_music_db,
        RatioDb(Energy(result.speech_bus, begin, end), Energy(result.music_bus, begin, end)));
  }
  return result;
}

}  // namespace vmsg::audio
