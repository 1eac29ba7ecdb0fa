// Message text made safe and ready to speak: UTF-8 validated, NFKC-normalised (ICU), control
// characters removed, length-limited. Two results: the display text (what subtitles show,
// emoji kept) and the speech text (emoji and unspeakable symbols dropped).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "speech/speech.h"

namespace vmsg::speech {

// The default message length limit, in characters (Unicode code points) after cleaning.
inline constexpr size_t kDefaultMaxTextChars = 200;

struct CleanText {
  std::string display;  // NFKC, controls removed (line breaks kept), whitespace tidied
  std::string speech;   // display without emoji and other symbols that cannot be spoken
};

// Cleans `text`. Line breaks (\n, \r\n, \r, U+2028/2029) become "\n", tabs and other spaces
// " "; runs of spaces collapse and lines are trimmed. Errors, all InvalidArgument with a
// stable reason: "invalid_text" (not valid UTF-8: bad sequences, overlong forms, surrogates,
// beyond U+10FFFF), "text_too_long" (more than `max_chars` characters after cleaning),
// "text_empty" (nothing speakable left).
Result<CleanText> CleanMessageText(std::string_view text, size_t max_chars = kDefaultMaxTextChars);

// Japanese when the text has any hiragana, katakana or Han (kanji) character, English
// otherwise. `text` must be valid UTF-8.
Language DetectLanguage(std::string_view text);

// Whether the engine of `language` can read anything in cleaned speech text: a letter or
// digit of a script it reads (Open JTalk: kana, kanji, Latin; flite: Latin), or a digit.
// InvalidArgument "text_empty" naming the language otherwise (Korean for an English voice).
Status CheckSpeakable(std::string_view speech_text, Language language);

// NFKC of valid UTF-8 `text` (the input unchanged if ICU fails).
std::string NormalizeNfkc(std::string_view text);

// The number of code points in valid UTF-8 `text`.
size_t CountChars(std::string_view text);

}  // namespace vmsg::speech
