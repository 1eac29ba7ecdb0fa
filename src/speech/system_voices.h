// The engine parameters behind the spec's four system voices. The catalog (meta/) stores
// profiles; these say how each one is spoken. Default Female is derived from the one
// Japanese HTS voice: +9.8 semitones (median pitch about 233 Hz, where adult Japanese women
// speak, 220-250 Hz), a smaller all-pass constant (0.55 → 0.49), which moves the spectral
// envelope up as a shorter vocal tract would (formants about 18 % higher), and a wider
// intonation (F0 global-variance weight 1.3: p90/p10 pitch 1.8 instead of 1.7). The voice
// profile test (speech/voice_profile_test.cc) holds each voice to these figures.
#pragma once

#include "speech/speaker.h"

namespace vmsg::speech {

inline constexpr double kDefaultFemalePitchSemitones = 9.8;
inline constexpr double kDefaultFemaleAllPass = 0.49;
inline constexpr double kDefaultFemalePitchRange = 1.3;

// Both Japanese defaults also speak English (flite) so a message is never refused for its
// script; the English voice is chosen to match the gender.
inline VoiceParams DefaultMaleVoice() { return {"nitech_m001", "rms"}; }
inline VoiceParams DefaultFemaleVoice() {
  return {"nitech_m001",           "slt", kDefaultFemalePitchSemitones, 1, kDefaultFemaleAllPass,
          kDefaultFemalePitchRange};
}
inline VoiceParams EnglishFemaleVoice() { return {"", "slt"}; }
inline VoiceParams EnglishMaleVoice() { return {"", "rms"}; }

}  // namespace vmsg::speech
