// Presets, keyword choice, validation and the punctuation splitter.
#include "speech/prosody.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/utf8.h"

namespace vmsg::speech {
namespace {

struct PresetEntry {
  ProsodyPreset preset;
  std::string_view name;
  PresetShape shape;
};

// Small changes on purpose: the HTS voice degrades past a few semitones or 20 % tempo.
constexpr std::array<PresetEntry, 5> kPresets = {{
    {ProsodyPreset::kNeutral, "neutral", {0.0, 1.0, 0.0}},
    {ProsodyPreset::kCelebration, "celebration", {2.0, 1.08, 2.0}},
    {ProsodyPreset::kEnergetic, "energetic", {1.5, 1.12, 3.0}},
    {ProsodyPreset::kJoyful, "joyful", {1.0, 1.04, 1.0}},
    {ProsodyPreset::kCalm, "calm", {-1.0, 0.9, -2.0}},
}};

struct Keywords {
  ProsodyPreset preset;
  std::array<std::string_view, 4> words;  // empty entries are unused
};

constexpr std::array<Keywords, 3> kKeywords = {{
    {ProsodyPreset::kCelebration, {"誕生日", "おめでとう", "birthday", "congratulations"}},
    {ProsodyPreset::kEnergetic, {"頑張", "応援", "good luck", ""}},
    {ProsodyPreset::kJoyful, {"ありがとう", "感謝", "thank", ""}},
}};

Status OutOfRange(std::string_view field, double value, double lo, double hi) {
  return Status::InvalidArgument(std::string(field) + " must be a number from " +
                                     std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                                     std::to_string(value),
                                 "invalid_prosody");
}

bool InRange(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

// Decodes text that was validated when cleaned (invalid bytes give an empty string).
std::u32string Decode(std::string_view s) { return DecodeUtf8(s).value_or(std::u32string()); }

bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }

// Letters and digits of the scripts messages use; anything else alone is not worth a call
// to the engine.
bool IsSpeakable(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= 0xC0 && c != 0xD7 && c != 0xF7 && c < 0x2000) || (c >= 0x3041 && c <= 0x30FF) ||
         (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || c >= 0x20000 ||
         c == 0x3005;
}

// The pause `text[i]` causes, or 0 when it does not split there.
double PauseAt(const std::u32string& t, size_t i, Language language) {
  const char32_t c = t[i];
  const char32_t prev = i > 0 ? t[i - 1] : 0;
  const char32_t next = i + 1 < t.size() ? t[i + 1] : 0;
  switch (c) {
    case U'、':
      return kPauseComma;
    case U'。':
      return kPausePeriod;
    case '!':
    case U'！':
      return kPauseExclamation;
    case '?':
    case U'？':
      return kPauseQuestion;
    case '\n':
      return kPauseLineBreak;
    case ' ':
      return language == Language::kJapanese ? kPauseSpaceJapanese : 0;
    case ',':
      return IsDigit(prev) && IsDigit(next) ? 0 : kPauseComma;
    case '.':
      return IsDigit(prev) && IsDigit(next) ? 0 : kPausePeriod;
    default:
      return 0;
  }
}

}  // namespace

std::string_view PresetName(ProsodyPreset preset) {
  for (const auto& e : kPresets) {
    if (e.preset == preset) return e.name;
  }
  return "neutral";
}

Result<ProsodyPreset> ParsePreset(std::string_view name) {
  for (const auto& e : kPresets) {
    if (e.name == name) return e.preset;
  }
  return Status::InvalidArgument(
      "preset must be one of neutral, celebration, energetic, joyful, calm", "invalid_prosody");
}

PresetShape ShapeOf(ProsodyPreset preset) {
  for (const auto& e : kPresets) {
    if (e.preset == preset) return e.shape;
  }
  return {};
}

ProsodyPreset ChoosePreset(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  for (const auto& k : kKeywords) {
    for (std::string_view w : k.words) {
      if (!w.empty() && lower.find(w) != std::string::npos) return k.preset;
    }
  }
  return ProsodyPreset::kNeutral;
}

Status ProsodyParams::Validate() const {
  if (!InRange(speed, kMinSpeed, kMaxSpeed))
    return OutOfRange("speed", speed, kMinSpeed, kMaxSpeed);
  if (!InRange(pitch_semitones, -kMaxPitchSemitones, kMaxPitchSemitones)) {
    return OutOfRange("pitch", pitch_semitones, -kMaxPitchSemitones, kMaxPitchSemitones);
  }
  if (!InRange(volume_db, -kMaxVolumeDb, kMaxVolumeDb)) {
    return OutOfRange("volume", volume_db, -kMaxVolumeDb, kMaxVolumeDb);
  }
  return Status::Ok();
}

std::vector<TextPiece> SplitAtPauses(std::string_view text, Language language) {
  const std::u32string t = Decode(text);
  std::vector<TextPiece> pieces;
  std::u32string current;
  size_t i = 0;
  auto flush = [&](double pause, char32_t mark, const std::u32string& marks) {
    const bool speakable = std::any_of(current.begin(), current.end(), IsSpeakable);
    if (!speakable) {
      // Nothing to say: its pause joins the previous one (the longest wins).
      if (!pieces.empty() && pause > pieces.back().pause_seconds) {
        pieces.back().pause_seconds = pause;
        pieces.back().pause_mark = mark;
      }
      current.clear();
      return;
    }
    TextPiece piece;
    for (char32_t c : current) AppendUtf8(piece.text, c);
    for (char32_t c : marks) {
      if (c != ' ' && c != '\n') AppendUtf8(piece.text, c);
    }
    piece.pause_seconds = pause;
    piece.pause_mark = mark;
    pieces.push_back(std::move(piece));
    current.clear();
  };
  while (i < t.size()) {
    if (PauseAt(t, i, language) <= 0) {
      current.push_back(t[i++]);
      continue;
    }
    // A run of marks (and the spaces between them) is one pause, the longest.
    double pause = 0;
    char32_t mark = 0;
    std::u32string marks;
    while (i < t.size() && (PauseAt(t, i, language) > 0 || t[i] == ' ')) {
      const double p = PauseAt(t, i, language);
      if (p > pause) pause = p, mark = t[i];
      marks.push_back(t[i++]);
    }
    flush(pause, mark, marks);
  }
  flush(0, 0, {});
  return pieces;
}

}  // namespace vmsg::speech
