// Voice matching (pitch and timbre): from a clean reference recording, the measurements
// that describe a speaker (median pitch and range, formant scale, speaking rate) and the
// engine parameters that make one of vmsg's engine voices speak close to it. This is not
// neural voice cloning: the engine voice keeps its own character; its pitch, spectral
// envelope scale (Open JTalk's all-pass constant) and tempo move toward the recording's.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "audio/pcm.h"
#include "base/result.h"
#include "library/embedding.h"
#include "speech/speaker.h"

namespace vmsg::library {

// Limits on the derived parameters, so the result still sounds like speech.
inline constexpr double kMaxPitchShiftSemitones = 12;
inline constexpr double kMinFormantScale = 0.87;  // all-pass ≈ 0.60 for Open JTalk
inline constexpr double kMaxFormantScale = 1.15;  // all-pass ≈ 0.50 (Default Female's)
inline constexpr double kMinSpeedFactor = 0.75;
inline constexpr double kMaxSpeedFactor = 1.35;
// Open JTalk's nitech m001 voice was analysed with this all-pass constant (48 kHz).
inline constexpr double kOpenJTalkDefaultAllPass = 0.55;

// Syllable nuclei per second: peaks of the smoothed 10 ms energy envelope that stand out by
// at least 2 dB from the dips around them, over the seconds of active (non-silent) audio.
double SpeakingRate(const audio::Sound& audio);

// The frequency scale that best maps `reference`'s long-term average spectrum onto
// `audio`'s: both are averaged over their loud frames on a 1/24-octave grid from 500 Hz to
// 5 kHz (band averages wide enough to blur the pitch harmonics), and the shift of the
// log-frequency axis with the highest correlation (searched within ±1/3 octave, refined by
// a parabola) is the scale. 1.1 means the audio's formants lie about 10 % higher. A coarse
// measure: it also reacts to recording channel colour.
double FormantScale(const audio::Sound& audio, const audio::Sound& reference);

// Open JTalk's all-pass constant that scales a voice analysed at kOpenJTalkDefaultAllPass by
// `scale` (at low frequencies the warp's slope is (1+α)/(1−α)).
double AllPassForFormantScale(double scale);

// Derives voices from recordings with the Speaker's engines. The engine voices' own
// calibration speech is synthesised once and cached. Thread-safe.
class VoiceMatcher {
 public:
  explicit VoiceMatcher(const speech::Speaker& speaker) : speaker_(speaker) {}

  // Measures `recording` (clean, mono) and finds parameters for `language` ("ja": Open
  // JTalk's nitech m001; "en": flite's slt or rms, whichever is closer in pitch) whose
  // median pitch on the calibration text lies within half a semitone of the recording's
  // (one correction round after the first estimate). Errors: audio_silent when no voiced
  // speech is found; InvalidArgument for another language; the engine's errors.
  Result<VoiceEmbedding> Match(const audio::Sound& recording, std::string_view language) const;

  // Measures a voice the engines already speak (a system voice): its calibration speech
  // with `params` is both the reference and the measured audio. Returns the embedding and
  // that speech.
  Result<std::pair<VoiceEmbedding, audio::Sound>> Describe(const speech::VoiceParams& params,
                                                           std::string_view sample_text) const;

  // The calibration text of a language ("ja" or "en").
  static std::string_view CalibrationText(std::string_view language);

 private:
  struct EngineVoice {
    audio::Sound speech;
    double median_pitch_hz = 0;
    double speaking_rate = 0;
  };
  Result<EngineVoice> Engine(const speech::VoiceParams& base, std::string_view language) const;
  Result<audio::Sound> Speak(const speech::VoiceParams& params, std::string_view text) const;

  const speech::Speaker& speaker_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, EngineVoice> engines_;  // GUARDED_BY(mutex_)
};

}  // namespace vmsg::library
