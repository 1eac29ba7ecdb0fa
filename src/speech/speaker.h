// Speaker: the one call the pipeline's speech and prosody stages and the synthesize endpoint
// make — Synthesize(text, voice, prosody) → audio with timings. It cleans the text, picks
// the engine by language, splits at punctuation, speaks each piece with the combined pitch
// and tempo, joins the pieces with exact silences and applies the volume.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "speech/prosody.h"
#include "speech/synthesizer.h"
#include "speech/text.h"

namespace vmsg::speech {

// A voice as the engines see it: which engine voice speaks each language it allows, and
// the changes that make it this voice (the catalog stores these per profile).
struct VoiceParams {
  std::string japanese_voice;  // Open JTalk voice name; empty: the voice does not speak Japanese
  std::string english_voice;   // flite voice name; empty: the voice does not speak English
  double pitch_semitones = 0;
  double speed = 1;
  std::optional<double> all_pass;     // Open JTalk only
  std::optional<double> pitch_range;  // Open JTalk only: its -jf, see SynthesisParams
};

// A stretch of speech between pauses.
struct Phrase {
  std::string text;      // the piece as spoken (speech text, with its punctuation)
  double start = 0;      // where its sound starts
  double end = 0;        // where its sound ends (the audio is quiet from here to pause_end)
  double pause_end = 0;  // where the silence after it ends (== next phrase's start)
  char32_t pause_mark = 0;
};

struct SpokenMessage {
  Speech speech;
  CleanText text;
  ProsodyPreset preset = ProsodyPreset::kNeutral;  // the one applied (named or chosen)
  std::vector<Phrase> phrases;
};

struct SpeakerOptions {
  size_t max_chars = kDefaultMaxTextChars;
  double leading_silence = 0.1;   // seconds before the first sound
  double trailing_silence = 0.1;  // after the last sound when no punctuation asks for more
  double max_peak = 0.97;         // gain never pushes a sample above this (no clipping)
};

class Speaker {
 public:
  // Either engine may be null: that language is then unavailable (Unavailable error).
  // The engines must outlive the Speaker.
  Speaker(const SpeechSynthesizer* japanese, const SpeechSynthesizer* english,
          SpeakerOptions options = {});

  // Speaks `text`. Language: the voice's only one, or detected from the script when the
  // voice has both. Pitch adds (voice + preset + user), tempo multiplies (voice × preset ×
  // user), pauses scale with the user's speed only, gain is preset energy + user volume
  // (lowered when it would clip). The result satisfies CheckTimings. Errors: the text's
  // (invalid_text, text_too_long, text_empty — also when the engine can read none of it),
  // prosody's (invalid_prosody naming the field), InvalidArgument "unknown_voice" for a
  // voice with no engine voice, Unavailable when the language's engine is absent, and
  // whatever the engine returns. Thread-safe.
  Result<SpokenMessage> Synthesize(std::string_view text, const VoiceParams& voice,
                                   const ProsodyParams& prosody) const;

  // What Synthesize would refuse in the text before synthesizing anything: the text's own
  // errors, unknown_voice, and text_empty when the voice's engine can read none of it
  // (CheckSpeakable). Cheap: for checking a request before it is queued.
  Status Check(std::string_view text, const VoiceParams& voice) const;

  const SpeakerOptions& options() const { return options_; }

 private:
  // The voice's only language, or the text's when the voice speaks both.
  static Language LanguageFor(const CleanText& text, const VoiceParams& voice);

  const SpeechSynthesizer* japanese_;
  const SpeechSynthesizer* english_;
  SpeakerOptions options_;
};

}  // namespace vmsg::speech
