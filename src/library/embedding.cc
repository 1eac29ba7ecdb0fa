// The embedding vector's layout (see embedding.h).
#include "library/embedding.h"

#include <cmath>
#include <iterator>

#include "library/npy.h"

namespace vmsg::library {
namespace {

constexpr float kNone = -1;

template <size_t N>
float IndexOf(const std::string_view (&names)[N], const std::string& name) {
  if (name.empty()) return kNone;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<float>(i);
  }
  return kNone;
}

template <size_t N>
Result<std::string> NameAt(const std::string_view (&names)[N], float index) {
  if (index == kNone) return std::string();
  if (!(index >= 0) || index >= N || index != std::floor(index)) {
    return Status::InvalidArgument("unknown engine voice index", "invalid_embedding");
  }
  return std::string(names[static_cast<size_t>(index)]);
}

}  // namespace

std::vector<float> VoiceEmbedding::ToVector() const {
  const VoiceFeatures& f = features;
  const double range = f.p10_pitch_hz > 0 && f.p90_pitch_hz > 0
                           ? 12 * std::log2(f.p90_pitch_hz / f.p10_pitch_hz)
                           : 0;
  return {kEmbeddingLayoutVersion,
          IndexOf(kJapaneseEngineVoices, params.japanese_voice),
          IndexOf(kEnglishEngineVoices, params.english_voice),
          static_cast<float>(params.pitch_semitones),
          static_cast<float>(params.speed),
          params.all_pass ? static_cast<float>(*params.all_pass) : kNone,
          static_cast<float>(f.median_pitch_hz),
          static_cast<float>(f.p10_pitch_hz),
          static_cast<float>(f.p90_pitch_hz),
          static_cast<float>(range),
          static_cast<float>(f.formant_scale),
          static_cast<float>(f.speaking_rate),
          static_cast<float>(engine_median_pitch_hz),
          static_cast<float>(matched_median_pitch_hz),
          static_cast<float>(f.duration_seconds),
          static_cast<float>(f.sample_rate),
          params.pitch_range ? static_cast<float>(*params.pitch_range) : kNone};
}

Result<VoiceEmbedding> VoiceEmbedding::FromVector(const std::vector<float>& v) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("voice embedding: " + what, "invalid_embedding");
  };
  const bool version1 = v.size() == kEmbeddingSizeVersion1 && !v.empty() && v[0] == 1;
  const bool version2 = v.size() == kEmbeddingSize && v[0] == kEmbeddingLayoutVersion;
  if (!version1 && !version2) {
    return bad("not layout version 1 with " + std::to_string(kEmbeddingSizeVersion1) +
               " elements nor version 2 with " + std::to_string(kEmbeddingSize));
  }
  for (float x : v) {
    if (!std::isfinite(x)) return bad("a value is not finite");
  }
  VoiceEmbedding e;
  VMSG_ASSIGN_OR_RETURN(e.params.japanese_voice, NameAt(kJapaneseEngineVoices, v[1]));
  VMSG_ASSIGN_OR_RETURN(e.params.english_voice, NameAt(kEnglishEngineVoices, v[2]));
  if (e.params.japanese_voice.empty() && e.params.english_voice.empty()) {
    return bad("no engine voice");
  }
  e.params.pitch_semitones = v[3];
  e.params.speed = v[4];
  if (!(e.params.speed > 0)) return bad("speed must be positive");
  if (v[5] != kNone) {
    if (!(v[5] >= 0 && v[5] <= 1)) return bad("all-pass constant outside [0, 1]");
    e.params.all_pass = v[5];
  }
  if (version2 && v[16] != kNone) {
    if (!(v[16] >= 0 && v[16] <= 2)) return bad("pitch-range weight outside [0, 2]");
    e.params.pitch_range = v[16];
  }
  e.features = {.median_pitch_hz = v[6],
                .p10_pitch_hz = v[7],
                .p90_pitch_hz = v[8],
                .formant_scale = v[10],
                .speaking_rate = v[11],
                .duration_seconds = v[14],
                .sample_rate = static_cast<int>(v[15])};
  e.engine_median_pitch_hz = v[12];
  e.matched_median_pitch_hz = v[13];
  return e;
}

std::string VoiceEmbedding::ToNpy() const {
  const std::vector<float> v = ToVector();
  return EncodeNpyFloat32(v);
}

Result<VoiceEmbedding> VoiceEmbedding::FromNpy(std::string_view bytes) {
  VMSG_ASSIGN_OR_RETURN(std::vector<float> v, DecodeNpyFloat32(bytes));
  return FromVector(v);
}

}  // namespace vmsg::library
