// Text cleaning. UTF-8 is decoded strictly (common/utf8.h, as RFC 3629 says) so invalid
// input is refused rather than repaired; NFKC and character properties come from ICU, which folds
// full-width ASCII and half-width kana and knows which characters are emoji.
#include "speech/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <vector>

#include "base/utf8.h"

namespace vmsg::speech {
namespace {

// Input longer than this many times the limit (in code points, before cleaning) is refused
// before normalisation, so a huge body costs nothing; cleaning removes far less than this.
constexpr size_t kRawLengthFactor = 4;
constexpr char32_t kZeroWidthJoiner = 0x200D;
constexpr char32_t kKeycapMark = 0x20E3;
constexpr char32_t kDegreeSign = 0x00B0;  // from NFKC of ℃ and ℉; Open JTalk reads it

Status InvalidText(std::string message) {
  return Status::InvalidArgument("text: " + std::move(message), "invalid_text");
}

bool IsLineBreak(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x85 || c == 0x2028 ||
         c == 0x2029;
}

// Emoji, pictographs, other symbols (So), private-use, unassigned and the marks that only
// modify emoji: none has a reading, so speech drops them and subtitles keep them.
bool IsUnspeakable(char32_t c) {
  if (c == kDegreeSign) return false;
  const auto cp = static_cast<UChar32>(c);
  const int8_t type = u_charType(cp);
  return u_hasBinaryProperty(cp, UCHAR_EXTENDED_PICTOGRAPHIC) ||
         u_hasBinaryProperty(cp, UCHAR_EMOJI_MODIFIER) ||
         u_hasBinaryProperty(cp, UCHAR_REGIONAL_INDICATOR) ||
         u_hasBinaryProperty(cp, UCHAR_VARIATION_SELECTOR) || c == kKeycapMark ||
         c == kZeroWidthJoiner || type == U_OTHER_SYMBOL || type == U_PRIVATE_USE_CHAR ||
         type == U_UNASSIGNED || type == U_SURROGATE;
}

// Collapses runs of spaces, removes spaces at line ends and repeated line breaks, trims.
std::u32string Tidy(const std::u32string& in) {
  std::u32string out;
  for (char32_t c : in) {
    if (c == ' ') {
      if (out.empty() || out.back() == ' ' || out.back() == '\n') continue;
    } else if (c == '\n') {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (out.empty() || out.back() == '\n') continue;
    }
    out.push_back(c);
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

std::string ToUtf8(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(out, c);
  return out;
}

}  // namespace

std::string NormalizeNfkc(std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(error);
  if (U_FAILURE(error)) return std::string(text);
  const icu::UnicodeString normalized =
      nfkc->normalize(icu::UnicodeString::fromUTF8(
                          icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))),
                      error);
  if (U_FAILURE(error)) return std::string(text);
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

size_t CountChars(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Result<CleanText> CleanMessageText(std::string_view text, size_t max_chars) {
  Result<std::u32string> decoded = DecodeUtf8(text);
  if (!decoded.ok()) return InvalidText(decoded.status().message());
  std::u32string raw = std::move(decoded).value();
  if (raw.size() > kRawLengthFactor * max_chars) {
    return Status::InvalidArgument("text: longer than " + std::to_string(max_chars) + " characters",
                                   "text_too_long");
  }
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(error);
  if (U_FAILURE(error)) return Status::Internal(std::string("ICU NFKC: ") + u_errorName(error));
  icu::UnicodeString source;
  for (char32_t c : raw) source.append(static_cast<UChar32>(c));
  const icu::UnicodeString normalized = nfkc->normalize(source, error);
  if (U_FAILURE(error)) return Status::Internal(std::string("ICU NFKC: ") + u_errorName(error));

  std::u32string display, speech;
  bool after_cr = false;
  for (int32_t i = 0; i < normalized.length(); i = normalized.moveIndex32(i, 1)) {
    const char32_t c = static_cast<char32_t>(normalized.char32At(i));
    const bool crlf = after_cr && c == '\n';
    after_cr = c == '\r';
    if (crlf) continue;  // \r\n is one line break
    if (IsLineBreak(c)) {
      display.push_back('\n');
      speech.push_back('\n');
      continue;
    }
    const auto cp = static_cast<UChar32>(c);
    if (c == '\t' || u_charType(cp) == U_SPACE_SEPARATOR) {
      display.push_back(' ');
      speech.push_back(' ');
      continue;
    }
    const int8_t type = u_charType(cp);
    if (type == U_CONTROL_CHAR) continue;
    if (type == U_FORMAT_CHAR && c != kZeroWidthJoiner) continue;  // ZWJ joins emoji for display
    display.push_back(c);
    if (!IsUnspeakable(c)) speech.push_back(c);
  }
  CleanText result{ToUtf8(Tidy(display)), ToUtf8(Tidy(speech))};
  if (CountChars(result.display) > max_chars) {
    return Status::InvalidArgument("text: longer than " + std::to_string(max_chars) + " characters",
                                   "text_too_long");
  }
  bool speakable = false;
  for (char32_t c : Tidy(speech)) speakable = speakable || u_isalnum(static_cast<UChar32>(c));
  if (!speakable) return Status::InvalidArgument("text: nothing to speak", "text_empty");
  return result;
}

Status CheckSpeakable(std::string_view speech_text, Language language) {
  auto decoded = DecodeUtf8(speech_text);
  if (decoded.ok()) {
    for (char32_t c : *decoded) {
      const auto u = static_cast<UChar32>(c);
      if (u_isdigit(u)) return Status::Ok();
      if (!u_isalpha(u)) continue;
      UErrorCode error = U_ZERO_ERROR;
      const UScriptCode script = uscript_getScript(u, &error);
      if (U_FAILURE(error)) continue;
      if (script == USCRIPT_LATIN) return Status::Ok();
      if (language == Language::kJapanese &&
          (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA || script == USCRIPT_HAN)) {
        return Status::Ok();
      }
    }
  }
  return Status::InvalidArgument("text: nothing in it can be spoken in " +
                                     std::string(LanguageCode(language)) +
                                     " (choose a voice of the text's language)",
                                 "text_empty");
}

Language DetectLanguage(std::string_view text) {
  auto decoded = DecodeUtf8(text);
  if (!decoded.ok()) return Language::kEnglish;
  for (char32_t c : *decoded) {
    UErrorCode error = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &error);
    if (U_SUCCESS(error) &&
        (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA || script == USCRIPT_HAN)) {
      return Language::kJapanese;
    }
  }
  return Language::kEnglish;
}

}  // namespace vmsg::speech
