// A voice's embedding: what vmsg stores at voices/embeddings/{id}.npy for every profile —
// the synthesis parameters that speak the voice and the features measured on its reference
// audio, as a float32 vector whose layout is fixed here and documented in docs/voice.md.
// It is not a neural speaker embedding: vmsg adapts its two engines' parameters ("voice
// matching (pitch and timbre)"), and these are the numbers that adaptation uses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "speech/speaker.h"

namespace vmsg::library {

// The layout's version, stored in element 0. Version 2 added element 16 (Open JTalk's
// pitch-range weight); readers take versions 1 and 2 and refuse others.
inline constexpr float kEmbeddingLayoutVersion = 2;
// Elements in layout version 2 (version 1 had the first 16).
inline constexpr size_t kEmbeddingSize = 17;
inline constexpr size_t kEmbeddingSizeVersion1 = 16;

// Engine voices by index, as elements 1 and 2 store them (-1: none).
inline constexpr std::string_view kJapaneseEngineVoices[] = {"nitech_m001"};
inline constexpr std::string_view kEnglishEngineVoices[] = {"slt", "rms", "awb", "kal", "kal16"};

// What a recording (or a system voice's sample) measures as.
struct VoiceFeatures {
  double median_pitch_hz = 0;
  double p10_pitch_hz = 0;
  double p90_pitch_hz = 0;
  // The spectral envelope's frequency scale relative to the engine voice's own (1: the same;
  // 1.1: formants 10 % higher), see voice_matching.h for how it is measured.
  double formant_scale = 1;
  double speaking_rate = 0;  // syllable nuclei per second of active speech
  double duration_seconds = 0;
  int sample_rate = 0;
};

struct VoiceEmbedding {
  speech::VoiceParams params;
  VoiceFeatures features;
  double engine_median_pitch_hz = 0;   // the engine voice unshifted, on the calibration text
  double matched_median_pitch_hz = 0;  // `params` on the calibration text

  // The vector (kEmbeddingSize elements, layout version 2):
  //  0 layout version          1 Japanese engine voice (index, -1 none)
  //  2 English engine voice    3 pitch shift (semitones)
  //  4 speed factor            5 all-pass constant (-1: the engine voice's default)
  //  6 median pitch (Hz)       7 10th percentile pitch (Hz)
  //  8 90th percentile (Hz)    9 pitch range p10→p90 (semitones)
  // 10 formant scale          11 speaking rate (syllable nuclei per second)
  // 12 engine voice's median pitch (Hz)   13 matched voice's median pitch (Hz)
  // 14 reference duration (s) 15 reference sample rate (Hz)
  // 16 Open JTalk pitch-range weight (-jf; -1: the engine's default), version 2 only
  std::vector<float> ToVector() const;
  // InvalidArgument "invalid_embedding" for another size or version, an unknown engine voice
  // index or parameters out of range.
  static Result<VoiceEmbedding> FromVector(const std::vector<float>& v);

  // The .npy file and back (invalid_npy / invalid_embedding).
  std::string ToNpy() const;
  static Result<VoiceEmbedding> FromNpy(std::string_view bytes);
};

}  // namespace vmsg::library
