// Prosody (pipeline step 6): presets that colour a message, pauses at punctuation and the
// user's own speed, pitch and volume adjustments, all validated here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "speech/speech.h"

namespace vmsg::speech {

enum class ProsodyPreset { kNeutral, kCelebration, kEnergetic, kJoyful, kCalm };

// "neutral", "celebration", "energetic", "joyful", "calm".
std::string_view PresetName(ProsodyPreset preset);

// The preset named `name`; InvalidArgument with reason "invalid_prosody" naming the field
// "preset" otherwise.
Result<ProsodyPreset> ParsePreset(std::string_view name);

// What a preset changes: pitch in semitones, tempo as a speed factor, energy as gain in dB.
struct PresetShape {
  double pitch_semitones = 0;
  double tempo = 1;
  double energy_db = 0;
};
PresetShape ShapeOf(ProsodyPreset preset);

// The preset a message calls for when the request names none: 誕生日, おめでとう, birthday,
// congratulations → celebration; 頑張, 応援, good luck → energetic; ありがとう, 感謝, thank →
// joyful (first match in that order; English case-insensitive); otherwise neutral.
ProsodyPreset ChoosePreset(std::string_view text);

inline constexpr double kMinSpeed = 0.5;
inline constexpr double kMaxSpeed = 2.0;
inline constexpr double kMaxPitchSemitones = 6.0;
inline constexpr double kMaxVolumeDb = 12.0;

// The user's adjustments, on top of the preset.
struct ProsodyParams {
  std::optional<ProsodyPreset> preset;  // chosen from the message when absent
  double speed = 1;                     // [kMinSpeed, kMaxSpeed]
  double pitch_semitones = 0;           // [-kMaxPitchSemitones, kMaxPitchSemitones]
  double volume_db = 0;                 // [-kMaxVolumeDb, kMaxVolumeDb]

  // InvalidArgument with reason "invalid_prosody" and a message naming the field ("speed",
  // "pitch", "volume") when a value is out of range, NaN or infinite.
  Status Validate() const;
};

// A piece of text spoken without a pause inside, and the pause that follows it.
struct TextPiece {
  std::string text;          // including its closing punctuation, which shapes intonation
  double pause_seconds = 0;  // silence after it
  char32_t pause_mark = 0;   // the punctuation that caused the pause (0: none)
};

// Pause lengths in seconds.
inline constexpr double kPauseComma = 0.3;        // 、 ,
inline constexpr double kPausePeriod = 0.5;       // 。 .
inline constexpr double kPauseExclamation = 0.6;  // ！ !
inline constexpr double kPauseQuestion = 0.5;     // ？ ?
inline constexpr double kPauseSpaceJapanese = 0.2;
inline constexpr double kPauseLineBreak = 0.4;

// Splits cleaned text (NFKC: full-width ！？ are already ASCII) at pause punctuation. A run
// of marks (".\n", "!?", "。。") is one pause, the longest of them. English "." and "," count
// only at a word's end, so "3.5" and "1,000" do not split; spaces split Japanese only.
// Pieces with nothing speakable are dropped and their pause merged into the one before.
std::vector<TextPiece> SplitAtPauses(std::string_view text, Language language);

}  // namespace vmsg::speech
