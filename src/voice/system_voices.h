// The engine parameters behind the spec's four system voices. The catalog (meta/) stores
// profiles; these say how each one is spoken. Default Female is derived from the one
// Japanese HTS voice: +7 semitones and a smaller all-pass constant (0.55 → 0.50), which
// moves the spectral envelope up as a shorter vocal tract would (formants rise); measured
// median pitch is more than 5 semitones above Default Male's (speaker_test.cc).
#pragma once

#include "voice/speaker.h"

namespace vmsg::voice {

inline constexpr double kDefaultFemalePitchSemitones = 7.0;
inline constexpr double kDefaultFemaleAllPass = 0.50;

// Both Japanese defaults also speak English (flite) so a message is never refused for its
// script; the English voice is chosen to match the gender.
inline VoiceParams DefaultMaleVoice() { return {"nitech_m001", "rms", 0, 1, std::nullopt}; }
inline VoiceParams DefaultFemaleVoice() {
  return {"nitech_m001", "slt", kDefaultFemalePitchSemitones, 1, kDefaultFemaleAllPass};
}
inline VoiceParams EnglishFemaleVoice() { return {"", "slt", 0, 1, std::nullopt}; }
inline VoiceParams EnglishMaleVoice() { return {"", "rms", 0, 1, std::nullopt}; }

}  // namespace vmsg::voice
