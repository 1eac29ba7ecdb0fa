// Subtitles in four steps: the written text is split into characters, each tied to the
// written word (morpheme) it belongs to and given a share of that word's spoken time; the
// characters are laid out into pages of lines with the font's advances (every layout priced,
// the cheapest kept: see "lines and pages" below); each page becomes one ASS event
// whose \kf tags sweep the highlight over each word while it is spoken; libass renders the
// event at each frame's time and its coverage bitmaps are blended onto the frame.
#include "video/subtitles.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_TRUETYPE_TABLES_H

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

extern "C" {
#include <ass/ass.h>
}

#include "speech/text.h"

namespace vmsg::video {
namespace {

// Advances are measured without kerning; this much of the width is kept in reserve.
constexpr double kWidthReserve = 0.02;
constexpr int kCentisecondsPerSecond = 100;
// A line's height, as a multiple of the font size (Noto Sans CJK's ascent and descent).
constexpr double kLineHeight = 1.45;
constexpr int kMillisecondsPerSecond = 1000;
// The safe area's margins, as fractions of the frame's width (each side) and height (bottom).
constexpr double kSafeSide = 0.05;
constexpr double kSafeBottom = 0.03;

Status Invalid(const std::string& message) {
  return Status::InvalidArgument("subtitles: " + message, "invalid_subtitle_options");
}

// --- UTF-8 -------------------------------------------------------------------------------

// Decodes valid UTF-8 (the cleaned text is); an invalid byte becomes U+FFFD.
std::vector<char32_t> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string EncodeUtf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// --- character classes ---------------------------------------------------------------------

bool IsSpace(char32_t c) { return c == U' ' || c == U'\n' || c == U'\t' || c == 0x3000; }

// Characters that carry no sound: punctuation, brackets and symbols. They take no time of
// their own and attach to the word beside them.
bool IsPunctuation(char32_t c) {
  if (c < 0x80)
    return !((c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z'));
  return (c >= 0x2000 && c <= 0x206F) ||  // general punctuation
         (c >= 0x2190 && c <= 0x2BFF) ||  // arrows, symbols, shapes
         (c >= 0x3000 && c <= 0x303F) ||  // CJK symbols and punctuation
         c == 0x30FB ||                   // ・
         (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

// Brackets and quotes that open: they belong to the word after them.
bool IsOpening(char32_t c) {
  static constexpr std::u32string_view kOpening = U"「『（(【〈《〔［[｛{“‘\"'";
  return kOpening.find(c) != std::u32string_view::npos;
}

// Kinsoku shori: characters that must not start a line (closing punctuation, the long vowel
// mark, small kana, iteration marks) and characters that must not end one (opening brackets).
bool NoLineStart(char32_t c) {
  static constexpr std::u32string_view kNoStart =
      U"、。，．,.」』）)】〉》〕］]｝}”’!！?？:：;；ー～‐゠–—…‥・ぁぃぅぇぉっゃゅょゎゕゖ"
      U"ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々ゝゞヽヾ%％";
  return kNoStart.find(c) != std::u32string_view::npos;
}

bool NoLineEnd(char32_t c) { return IsOpening(c); }

// Latin letters and digits: a line may not break inside a run of them (an English word).
bool IsWordChar(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z') ||
         (c >= 0xC0 && c <= 0x24F) || c == U'\'' || c == 0x2019 || c == U'-';
}

std::string AsciiLower(std::string s) {
  for (char& ch : s) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return s;
}

// ASS reads braces and backslashes as markup; their full-width forms look the same.
char32_t AssSafe(char32_t c) {
  switch (c) {
    case U'{':
      return 0xFF5B;
    case U'}':
      return 0xFF5D;
    case U'\\':
      return 0xFF3C;
    default:
      return c;
  }
}

// --- the font ------------------------------------------------------------------------------

// The font's bytes, read once per process and path: a worker draws every video's subtitles
// with the same font, 19 MB for Noto Sans CJK, which took 25-40 ms to read each time.
Result<std::shared_ptr<const std::string>> FontBytes(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const std::string>> cache;
  const std::lock_guard lock(mutex);
  if (auto found = cache.find(path); found != cache.end()) return found->second;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::NotFound("subtitles: cannot read the font " + path);
  auto bytes = std::make_shared<std::string>(size_t(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes->data(), std::streamsize(bytes->size()))) {
    return Status::NotFound("subtitles: cannot read the font " + path);
  }
  cache.emplace(path, bytes);
  return std::shared_ptr<const std::string>(std::move(bytes));
}

// Advances from FreeType, sized as libass sizes a face (ass_face_set_size: the "real
// dimension" height scaled by the hhea/OS2 ratio, as VSFilter does), so that a line laid out
// here is as wide as libass draws it.
class FontMetrics {
 public:
  static Result<FontMetrics> Open(const std::string& data, int pixel_size) {
    FontMetrics m;
    if (FT_Init_FreeType(&m.library_) != 0) return Status::Internal("subtitles: FreeType init");
    const auto* bytes = reinterpret_cast<const FT_Byte*>(data.data());
    const auto size = static_cast<FT_Long>(data.size());
    FT_Face probe = nullptr;
    if (FT_New_Memory_Face(m.library_, bytes, size, -1, &probe) != 0) {
      return Status::Internal("subtitles: the font file is not a font");
    }
    const FT_Long faces = probe->num_faces;
    FT_Done_Face(probe);
    for (FT_Long i = 0; i < faces && m.face_ == nullptr; ++i) {
      FT_Face face = nullptr;
      if (FT_New_Memory_Face(m.library_, bytes, size, i, &face) != 0) continue;
      if (face->family_name != nullptr && kSubtitleFamily == face->family_name) {
        m.face_ = face;
      } else {
        FT_Done_Face(face);
      }
    }
    if (m.face_ == nullptr) {
      return Status::NotFound("subtitles: the font has no " + std::string(kSubtitleFamily));
    }
    double mscale = 1.0;
    const auto* hhea = static_cast<TT_HoriHeader*>(FT_Get_Sfnt_Table(m.face_, FT_SFNT_HHEA));
    const auto* os2 = static_cast<TT_OS2*>(FT_Get_Sfnt_Table(m.face_, FT_SFNT_OS2));
    if (os2 != nullptr) {
      int ft_height = hhea != nullptr ? hhea->Ascender - hhea->Descender : 0;
      if (ft_height == 0) ft_height = os2->sTypoAscender - os2->sTypoDescender;
      const int os2_height = os2->usWinAscent + os2->usWinDescent;
      if (ft_height != 0 && os2_height != 0) mscale = static_cast<double>(ft_height) / os2_height;
    }
    FT_Size_RequestRec rq{};
    rq.type = FT_SIZE_REQUEST_TYPE_REAL_DIM;
    rq.height = static_cast<FT_Long>(std::lround(pixel_size * mscale * 64));
    if (FT_Request_Size(m.face_, &rq) != 0) return Status::Internal("subtitles: font size");
    return m;
  }

  FontMetrics(FontMetrics&& other) noexcept
      : library_(std::exchange(other.library_, nullptr)),
        face_(std::exchange(other.face_, nullptr)) {}
  FontMetrics& operator=(FontMetrics&&) = delete;
  ~FontMetrics() {
    if (face_ != nullptr) FT_Done_Face(face_);
    if (library_ != nullptr) FT_Done_FreeType(library_);
  }

  bool Has(char32_t c) const { return FT_Get_Char_Index(face_, c) != 0; }

  // Pixels, unhinted (libass draws unhinted with ASS_HINTING_NONE).
  double Advance(char32_t c) const {
    const FT_UInt index = FT_Get_Char_Index(face_, c);
    if (FT_Load_Glyph(face_, index, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) != 0) return 0;
    return static_cast<double>(face_->glyph->linearHoriAdvance) / 65536.0;
  }

 private:
  FontMetrics() = default;
  FT_Library library_ = nullptr;
  FT_Face face_ = nullptr;
};

// --- text onto timings ---------------------------------------------------------------------

struct Char {
  char32_t cp = 0;
  int word = -1;  // index into the timed words
  double start = 0;
  double end = 0;
  double width = 0;
};

struct TimedWord {
  double start = 0;
  double end = 0;
  speech::WordBreak break_before = speech::WordBreak::kWord;
};

// Ties every character of `text` to one of `words`: each word's (normalised) spelling is
// looked for in the text from where the previous one ended. Punctuation between words goes
// to the word before it, opening brackets and spaces to the word after. Words whose
// spelling is not in the text (a number read out, "1,000" spoken as 千) are merged and take
// the text between their neighbours. Characters are then given even shares of their word's
// time, punctuation none.
std::vector<Char> MapOntoWords(const std::vector<char32_t>& text,
                               const std::vector<speech::SpeechUnit>& words,
                               std::vector<TimedWord>& timed) {
  // The text as the words spell it: NFKC per character, ASCII lower case.
  std::string norm;
  std::vector<size_t> owner;  // per byte of norm: the character it came from
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string n = AsciiLower(speech::NormalizeNfkc(EncodeUtf8(text[i])));
    norm += n;
    owner.insert(owner.end(), n.size(), i);
  }
  auto char_at_byte = [&](size_t byte) { return byte < owner.size() ? owner[byte] : text.size(); };
  auto byte_of_char = [&](size_t c) {
    return static_cast<size_t>(std::lower_bound(owner.begin(), owner.end(), c) - owner.begin());
  };

  std::vector<int> assigned(text.size(), -1);
  size_t cursor = 0;            // first character not yet assigned
  std::vector<size_t> pending;  // words not found, waiting for the next one that is
  auto assign_gap = [&](size_t from, size_t to, int before, int after) {
    // Trailing punctuation to `before`, from the first space or opening bracket on to `after`.
    bool to_after = before < 0;
    for (size_t i = from; i < to; ++i) {
      if (IsSpace(text[i]) || IsOpening(text[i])) to_after = true;
      assigned[i] = to_after && after >= 0 ? after : before;
    }
  };
  auto flush_pending = [&](size_t to) {
    // The pending words become one timed word over the text between.
    TimedWord merged{words[pending.front()].start, words[pending.back()].end,
                     words[pending.front()].break_before};
    timed.push_back(merged);
    const int id = static_cast<int>(timed.size() - 1);
    for (size_t i = cursor; i < to; ++i) assigned[i] = id;
    cursor = to;
    pending.clear();
    return id;
  };

  for (size_t w = 0; w < words.size(); ++w) {
    const std::string key = AsciiLower(words[w].text);
    const size_t found = key.empty() ? std::string::npos : norm.find(key, byte_of_char(cursor));
    bool accept = found != std::string::npos;
    const size_t first = accept ? char_at_byte(found) : 0;
    if (accept && pending.empty()) {
      // Only punctuation may be skipped to reach a word; skipping letters means the
      // spelling matched somewhere later by chance.
      for (size_t i = cursor; i < first; ++i) {
        if (!IsPunctuation(text[i]) && !IsSpace(text[i])) accept = false;
      }
    }
    if (!accept) {
      pending.push_back(w);
      continue;
    }
    const size_t last = char_at_byte(found + key.size() - 1) + 1;
    if (!pending.empty()) {
      // Leading spaces and brackets stay with the found word.
      size_t to = first;
      while (to > cursor && (IsSpace(text[to - 1]) || IsOpening(text[to - 1]))) --to;
      if (to > cursor) {
        flush_pending(to);
      } else {
        pending.clear();  // nothing written for them: their time stays a gap
      }
    }
    timed.push_back({words[w].start, words[w].end, words[w].break_before});
    const int id = static_cast<int>(timed.size() - 1);
    assign_gap(cursor, first, id - 1, id);  // id - 1: -1 for the first word
    for (size_t i = first; i < last; ++i) assigned[i] = id;
    cursor = last;
  }
  if (!pending.empty() && cursor < text.size()) {
    size_t to = text.size();
    flush_pending(to);
  }
  assign_gap(cursor, text.size(), timed.empty() ? -1 : static_cast<int>(timed.size() - 1), -1);

  std::vector<Char> chars;
  for (size_t i = 0; i < text.size(); ++i) {
    if (assigned[i] < 0) continue;  // nothing was spoken at all
    chars.push_back({text[i], assigned[i]});
  }
  return chars;
}

// Spreads each word's time over its sounding characters; punctuation takes the moment its
// neighbour starts or ends.
void SpreadTimes(std::vector<Char>& chars, const std::vector<TimedWord>& timed) {
  for (size_t i = 0; i < chars.size();) {
    size_t j = i;
    while (j < chars.size() && chars[j].word == chars[i].word) ++j;
    const TimedWord& w = timed[static_cast<size_t>(chars[i].word)];
    size_t sounding = 0;
    for (size_t k = i; k < j; ++k)
      sounding += IsPunctuation(chars[k].cp) || IsSpace(chars[k].cp) ? 0 : 1;
    const double share = sounding > 0 ? (w.end - w.start) / static_cast<double>(sounding) : 0;
    double t = w.start;
    for (size_t k = i; k < j; ++k) {
      const bool silent = IsPunctuation(chars[k].cp) || IsSpace(chars[k].cp);
      chars[k].start = t;
      t += silent ? 0 : share;
      chars[k].end = sounding > 0 ? t : w.end;
    }
    i = j;
  }
}

// --- lines and pages -------------------------------------------------------------------------
//
// The text is laid out as a whole: every way of cutting it into pages of at most max_lines
// lines is weighed, and the cheapest wins. A cut's price depends on where it falls (after a
// sentence's end costs nothing, after a comma little, at an accent phrase's start or between
// words more, inside a bunsetsu much more, inside a word only when nothing else fits); a cut
// between pages costs more than one between lines; a page's lines should be of even width; a
// page of fewer than kMinPageChars characters (or a single English word) is not allowed unless
// the whole text is that short.

struct Line {
  size_t begin = 0;  // [begin, end) of the characters, spaces at either edge trimmed
  size_t end = 0;
};

constexpr double kForbidden = 1e18;
constexpr size_t kMinPageChars = 4;
// What a cut costs, by where it falls.
constexpr double kCutAfterSentence = 0;
constexpr double kCutAfterClause = 1;
constexpr double kCutBeforePhrase = 2;
constexpr double kCutBetweenWords = 3;
constexpr double kCutInsideBunsetsu = 8;
constexpr double kCutInsideJapaneseWord = 20;
constexpr double kCutInsideLatinWord = 1000;  // only when a word is wider than a line
// How the parts of a page's price add up.
constexpr double kPagePrice = 10;
constexpr double kPageCutWeight = 4;
constexpr double kLineCutWeight = 1.5;
constexpr double kLinePrice = 2;
constexpr double kBalanceWeight = 30;
constexpr double kThinPageWidth = 0.35;  // of a line: thinner pages cost kThinPagePrice more
constexpr double kThinPagePrice = 15;

// May a line break before chars[i] (the previous line keeping [.., i))?
bool MayBreakBefore(const std::vector<Char>& chars, size_t i) {
  const char32_t prev = chars[i - 1].cp;
  const char32_t next = chars[i].cp;
  if (IsSpace(prev) || IsSpace(next)) return true;
  if (NoLineStart(next) || NoLineEnd(prev)) return false;
  return !(IsWordChar(prev) && IsWordChar(next));
}

bool EndsSentence(char32_t c) {
  static constexpr std::u32string_view kEnds = U"。！？!?．.";
  return kEnds.find(c) != std::u32string_view::npos;
}

bool EndsClause(char32_t c) {
  static constexpr std::u32string_view kEnds = U"、，,;；:：…‥」』）)”’—";
  return kEnds.find(c) != std::u32string_view::npos;
}

class Layout {
 public:
  Layout(const std::vector<Char>& chars, const std::vector<TimedWord>& timed, double max_width,
         int max_lines, bool english)
      : chars_(chars),
        timed_(timed),
        max_width_(max_width),
        max_lines_(max_lines),
        english_(english) {
    prefix_.assign(chars.size() + 1, 0);
    visible_.assign(chars.size() + 1, 0);
    for (size_t i = 0; i < chars.size(); ++i) {
      prefix_[i + 1] = prefix_[i] + chars[i].width;
      visible_[i + 1] = visible_[i] + (IsSpace(chars[i].cp) ? 0 : 1);
    }
    // Where a cut may fall: before a visible character, where kinsoku allows; the text's
    // two ends.
    cuts_.push_back({0, 0});
    for (size_t i = 1; i < chars.size(); ++i) {
      if (IsSpace(chars[i].cp)) continue;
      if (!MayBreakBefore(chars, i)) continue;
      cuts_.push_back({i, CutPrice(i)});
    }
    cuts_.push_back({chars.size(), 0});
  }

  // Pages of lines; each line trimmed of spaces.
  std::vector<std::vector<Line>> Pages() const {
    const size_t n = cuts_.size();
    std::vector<double> best(n, kForbidden);
    std::vector<size_t> from(n, 0), middle(n, 0);
    best[0] = 0;
    for (size_t b = 1; b < n; ++b) {
      for (size_t a = 0; a < b; ++a) {
        if (best[a] >= kForbidden) continue;
        const auto [price, split] = PagePrice(a, b);
        if (best[a] + price < best[b]) {
          best[b] = best[a] + price;
          from[b] = a;
          middle[b] = split;
        }
      }
    }
    if (best[n - 1] >= kForbidden) return Greedy();
    std::vector<std::vector<Line>> pages;
    for (size_t b = n - 1; b > 0; b = from[b]) {
      const size_t a = from[b];
      std::vector<Line> lines;
      if (middle[b] == 0) {
        lines.push_back(Trim(cuts_[a].at, cuts_[b].at));
      } else {
        lines.push_back(Trim(cuts_[a].at, cuts_[middle[b]].at));
        lines.push_back(Trim(cuts_[middle[b]].at, cuts_[b].at));
      }
      pages.push_back(std::move(lines));
    }
    std::reverse(pages.begin(), pages.end());
    return pages;
  }

 private:
  struct Cut {
    size_t at = 0;  // before chars[at]
    double price = 0;
  };

  Line Trim(size_t b, size_t e) const {
    while (b < e && IsSpace(chars_[b].cp)) ++b;
    while (e > b && IsSpace(chars_[e - 1].cp)) --e;
    return {b, e};
  }

  double Width(size_t b, size_t e) const {
    const Line t = Trim(b, e);
    return prefix_[t.end] - prefix_[t.begin];
  }

  double CutPrice(size_t i) const {
    size_t j = i;  // the last visible character before the cut
    while (j > 0 && IsSpace(chars_[j - 1].cp)) --j;
    if (j == 0) return 0;
    const Char& before = chars_[j - 1];
    const Char& after = chars_[i];
    if (EndsSentence(before.cp)) return kCutAfterSentence;
    if (EndsClause(before.cp)) return kCutAfterClause;
    if (before.word != after.word) {
      switch (timed_[size_t(after.word)].break_before) {
        case speech::WordBreak::kPhrase:
          return kCutBeforePhrase;
        case speech::WordBreak::kNone:
          return kCutInsideBunsetsu;
        default:
          return kCutBetweenWords;
      }
    }
    return IsWordChar(before.cp) && IsWordChar(after.cp) ? kCutInsideLatinWord
                                                         : kCutInsideJapaneseWord;
  }

  // Whether [b, e) is too little for a page of its own (when the text has more than that).
  bool TooSmall(size_t b, size_t e) const {
    const size_t all = visible_.back();
    if (english_) {
      const Line t = Trim(b, e);
      std::set<int> words;
      for (size_t i = t.begin; i < t.end; ++i) {
        if (!IsSpace(chars_[i].cp) && !IsPunctuation(chars_[i].cp)) words.insert(chars_[i].word);
      }
      std::set<int> every;
      for (const Char& c : chars_) {
        if (!IsSpace(c.cp) && !IsPunctuation(c.cp)) every.insert(c.word);
      }
      if (words.size() < 2 && every.size() >= 2) return true;
    }
    return visible_[e] - visible_[b] < kMinPageChars && all >= kMinPageChars;
  }

  // The cheapest page from cuts a to b, and the cut between its lines (0: one line).
  std::pair<double, size_t> PagePrice(size_t a, size_t b) const {
    const size_t from = cuts_[a].at, to = cuts_[b].at;
    if (TooSmall(from, to)) return {kForbidden, 0};
    double base = kPagePrice + (b + 1 < cuts_.size() ? kPageCutWeight * cuts_[b].price : 0);
    const double width = Width(from, to);
    if (width < kThinPageWidth * max_width_) base += kThinPagePrice;
    std::pair<double, size_t> best{kForbidden, 0};
    if (width <= max_width_) best = {base + kLinePrice, 0};
    if (max_lines_ < 2) return best;
    for (size_t m = a + 1; m < b; ++m) {
      const double w1 = Width(from, cuts_[m].at), w2 = Width(cuts_[m].at, to);
      if (w1 > max_width_) break;  // widths only grow with m
      if (w2 > max_width_) continue;
      const double balance = (w1 - w2) / max_width_;
      const double price = base + 2 * kLinePrice + kLineCutWeight * cuts_[m].price +
                           kBalanceWeight * balance * balance;
      if (price < best.first) best = {price, m};
    }
    return best;
  }

  // When no layout keeps to the rules (a single word wider than a line), lines are filled
  // greedily and cut wherever they overflow.
  std::vector<std::vector<Line>> Greedy() const {
    std::vector<Line> lines;
    size_t begin = 0;
    while (begin < chars_.size()) {
      size_t end = begin + 1;
      while (end < chars_.size() && Width(begin, end + 1) <= max_width_) ++end;
      lines.push_back(Trim(begin, end));
      begin = end;
    }
    std::vector<std::vector<Line>> pages;
    for (size_t i = 0; i < lines.size(); i += size_t(max_lines_)) {
      pages.emplace_back(lines.begin() + ptrdiff_t(i),
                         lines.begin() + ptrdiff_t(std::min(lines.size(), i + size_t(max_lines_))));
    }
    return pages;
  }

  const std::vector<Char>& chars_;
  const std::vector<TimedWord>& timed_;
  const double max_width_;
  const int max_lines_;
  const bool english_;
  std::vector<double> prefix_;   // widths of chars_[0, i)
  std::vector<size_t> visible_;  // visible characters in chars_[0, i)
  std::vector<Cut> cuts_;
};

std::string AssTime(int centiseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%d:%02d:%02d.%02d", centiseconds / 360000,
                (centiseconds / 6000) % 60, (centiseconds / 100) % 60, centiseconds % 100);
  return text;
}

std::string AssColour(const cv::Scalar& bgr) {
  char text[16];
  std::snprintf(text, sizeof text, "&H00%02X%02X%02X", static_cast<int>(bgr[0]) & 0xFF,
                static_cast<int>(bgr[1]) & 0xFF, static_cast<int>(bgr[2]) & 0xFF);
  return text;
}

int Centiseconds(double seconds) {
  return static_cast<int>(std::lround(seconds * kCentisecondsPerSecond));
}

// --- libass ----------------------------------------------------------------------------------

struct LibraryDeleter {
  void operator()(ASS_Library* l) const { ass_library_done(l); }
};
struct RendererDeleter {
  void operator()(ASS_Renderer* r) const { ass_renderer_done(r); }
};
struct TrackDeleter {
  void operator()(ASS_Track* t) const { ass_free_track(t); }
};

class AssSubtitles final : public Subtitles {
 public:
  AssSubtitles(SubtitleOptions options, std::vector<SubtitlePage> pages, std::string script)
      : options_(std::move(options)), pages_(std::move(pages)), script_(std::move(script)) {}

  Status Init(const std::string& font) {
    library_.reset(ass_library_init());
    if (!library_) return Status::Internal("subtitles: libass init");
    // libass reports font selection and script parsing on stderr at every start; the font
    // and the script are ours, so there is nothing in them for an operator.
    ass_set_message_cb(
        library_.get(), [](int, const char*, va_list, void*) {}, nullptr);
    // Only the font given: no system font lookup, so every machine draws the same.
    ass_add_font(library_.get(), std::string(kSubtitleFamily).c_str(), font.data(),
                 static_cast<int>(font.size()));
    renderer_.reset(ass_renderer_init(library_.get()));
    if (!renderer_) return Status::Internal("subtitles: libass renderer init");
    ass_set_frame_size(renderer_.get(), options_.frame_width, options_.frame_height);
    ass_set_storage_size(renderer_.get(), options_.frame_width, options_.frame_height);
    ass_set_hinting(renderer_.get(), ASS_HINTING_NONE);
    ass_set_fonts(renderer_.get(), nullptr, std::string(kSubtitleFamily).c_str(),
                  ASS_FONTPROVIDER_NONE, nullptr, 0);
    std::string copy = script_;  // ass_read_memory may modify its buffer
    track_.reset(ass_read_memory(library_.get(), copy.data(), copy.size(), nullptr));
    if (!track_) return Status::Internal("subtitles: libass could not read the script");
    return Status::Ok();
  }

  const std::vector<SubtitlePage>& pages() const override { return pages_; }
  const std::string& script() const override { return script_; }

  Status Draw(double seconds, cv::Mat& frame) override {
    if (frame.type() != CV_8UC3 || frame.cols != options_.frame_width ||
        frame.rows != options_.frame_height) {
      return Status::InvalidArgument("subtitles: the frame is not 8-bit BGR of the video size");
    }
    if (pages_.empty()) return Status::Ok();
    const auto now = static_cast<long long>(std::llround(seconds * kMillisecondsPerSecond));
    int changed = 0;
    for (ASS_Image* img = ass_render_frame(renderer_.get(), track_.get(), now, &changed);
         img != nullptr; img = img->next) {
      Blend(*img, frame);
    }
    return Status::Ok();
  }

 private:
  // libass gives coverage masks with one straight (non-premultiplied) colour and a
  // transparency; each pixel is `colour over frame` with alpha = coverage x opacity.
  static void Blend(const ASS_Image& img, cv::Mat& frame) {
    const uint32_t opacity = 255 - (img.color & 0xFF);
    if (opacity == 0) return;
    const uint32_t r = (img.color >> 24) & 0xFF;
    const uint32_t g = (img.color >> 16) & 0xFF;
    const uint32_t b = (img.color >> 8) & 0xFF;
    const int x0 = std::max(0, img.dst_x);
    const int y0 = std::max(0, img.dst_y);
    const int x1 = std::min(frame.cols, img.dst_x + img.w);
    const int y1 = std::min(frame.rows, img.dst_y + img.h);
    for (int y = y0; y < y1; ++y) {
      const unsigned char* src = img.bitmap + static_cast<ptrdiff_t>(y - img.dst_y) * img.stride;
      auto* dst = frame.ptr<cv::Vec3b>(y);
      for (int x = x0; x < x1; ++x) {
        const uint32_t a = (src[x - img.dst_x] * opacity + 127) / 255;
        if (a == 0) continue;
        cv::Vec3b& p = dst[x];
        p[0] = static_cast<uchar>((b * a + p[0] * (255 - a) + 127) / 255);
        p[1] = static_cast<uchar>((g * a + p[1] * (255 - a) + 127) / 255);
        p[2] = static_cast<uchar>((r * a + p[2] * (255 - a) + 127) / 255);
      }
    }
  }

  const SubtitleOptions options_;
  const std::vector<SubtitlePage> pages_;
  const std::string script_;
  std::unique_ptr<ASS_Library, LibraryDeleter> library_;
  std::unique_ptr<ASS_Renderer, RendererDeleter> renderer_;
  std::unique_ptr<ASS_Track, TrackDeleter> track_;
};

// The band the text is centred in: the options' own, unless it would cover `avoid`; then as
// high as the band is, just below `avoid` (or, without room there, just above it), within the
// frame's margins (those the options' band keeps from the frame's edges).
std::pair<int, int> BandClearOf(const SubtitleOptions& o) {
  const int height = o.band_bottom - o.band_top;
  if (o.avoid.empty() || o.band_bottom <= o.avoid.y || o.band_top >= o.avoid.br().y) {
    return {o.band_top, o.band_bottom};
  }
  const int margin = std::max(0, o.frame_height - o.band_bottom);
  // A block of max_lines lines, with the outline, at libass's line height.
  const int need = int(std::ceil(o.max_lines * o.font_size * kLineHeight)) + 2 * o.outline;
  const int below_top = o.avoid.br().y, below_room = o.frame_height - margin - below_top;
  if (below_room >= need) return {below_top, below_top + std::min(height, below_room)};
  const int above_bottom = o.avoid.y, above_room = above_bottom - margin;
  if (above_room >= need) return {above_bottom - std::min(height, above_room), above_bottom};
  // Nowhere clear: the side with more room.
  if (below_room >= above_room) return {o.frame_height - margin - need, o.frame_height - margin};
  return {margin, margin + need};
}

}  // namespace

cv::Rect SubtitleSafeArea(cv::Size size) {
  const int x = int(std::ceil(kSafeSide * size.width));
  const int bottom = int(std::ceil(kSafeBottom * size.height));
  return cv::Rect(x, 0, size.width - 2 * x, size.height - bottom);
}

SubtitleOptions SubtitleOptions::ForFrame(cv::Size size) {
  const SubtitleOptions portrait;
  const double unit = double(size.height) / portrait.frame_height;
  const double across = double(size.width) / portrait.frame_width;
  SubtitleOptions o;
  o.frame_width = size.width;
  o.frame_height = size.height;
  o.band_top = int(std::lround(portrait.band_top * unit));
  o.band_bottom = int(std::lround(portrait.band_bottom * unit));
  o.font_size = int(std::lround(portrait.font_size * unit));
  o.outline = std::max(1, int(std::lround(portrait.outline * unit)));
  o.margin_x =
      std::max(int(std::lround(portrait.margin_x * across)), (size.width - size.height) / 2);
  return o;
}

Status SubtitleOptions::Validate() const {
  if (frame_width <= 0 || frame_height <= 0) return Invalid("the frame size must be positive");
  if (band_top < 0 || band_bottom > frame_height || band_bottom - band_top < font_size) {
    return Invalid("the band must lie in the frame and hold one line");
  }
  if (font_size < 8 || font_size > frame_height / 4) return Invalid("font_size out of range");
  if (margin_x < 0 || frame_width - 2 * margin_x - 2 * outline < 2 * font_size) {
    return Invalid("the margins leave no room for text");
  }
  if (outline < 0 || outline > font_size / 4) return Invalid("outline out of range");
  if (max_lines < 1 || max_lines > 2 || max_lines * font_size > band_bottom - band_top) {
    return Invalid("max_lines do not fit in the band");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Subtitles>> Subtitles::Make(const speech::Speech& speech,
                                                   std::string_view text, double offset_seconds,
                                                   const SubtitleOptions& options) {
  VMSG_RETURN_IF_ERROR(options.Validate());
  if (!std::filesystem::exists(options.font_path)) {
    return Status::NotFound("subtitles: no font at " + options.font_path);
  }
  VMSG_ASSIGN_OR_RETURN(std::shared_ptr<const std::string> font_bytes,
                        FontBytes(options.font_path));
  const std::string& font = *font_bytes;
  VMSG_ASSIGN_OR_RETURN(FontMetrics metrics, FontMetrics::Open(font, options.font_size));

  // The characters to show, each tied to a timed word.
  std::vector<TimedWord> timed;
  std::vector<Char> chars;
  auto keep = [&](char32_t c) { return IsSpace(c) || metrics.Has(c); };
  if (!speech.words.empty()) {
    // The text as written (full-width punctuation and all): controls dropped, runs of
    // spaces and line breaks made one space.
    std::vector<char32_t> written;
    for (char32_t c : DecodeUtf8(text)) {
      if (IsSpace(c)) {
        if (!written.empty() && written.back() != U' ') written.push_back(U' ');
      } else if (c >= 0x20 && !(c >= 0x7F && c < 0xA0) && keep(c)) {
        written.push_back(c);
      }
    }
    while (!written.empty() && written.back() == U' ') written.pop_back();
    chars = MapOntoWords(written, speech.words, timed);
  }
  if (chars.empty()) {
    // No written text to show (none given, or none the font can draw): the written words
    // themselves, or without those the units (katakana moras, English words).
    timed.clear();
    const bool spaced = speech.language == speech::Language::kEnglish;
    for (const speech::SpeechUnit& u : speech.words.empty() ? speech.units : speech.words) {
      timed.push_back({u.start, u.end, u.break_before});
      const int id = static_cast<int>(timed.size() - 1);
      if (spaced && !chars.empty()) chars.push_back({U' ', id});
      for (char32_t c : DecodeUtf8(u.text)) {
        if (keep(c) && !IsSpace(c)) chars.push_back({c, id});
      }
    }
  }
  SpreadTimes(chars, timed);
  for (Char& c : chars) {
    c.cp = AssSafe(c.cp);
    c.width = IsSpace(c.cp) ? metrics.Advance(U' ') : metrics.Advance(c.cp);
    c.start += offset_seconds;
    c.end += offset_seconds;
  }

  const double max_width =
      (options.frame_width - 2 * options.margin_x - 2 * options.outline) * (1 - kWidthReserve);
  const std::vector<std::vector<Line>> page_lines =
      Layout(chars, timed, max_width, options.max_lines,
             speech.language == speech::Language::kEnglish)
          .Pages();

  // Each page shows from its first character's time until the next page starts (the last
  // until its last character has been spoken).
  std::vector<SubtitlePage> pages;
  for (const std::vector<Line>& pl : page_lines) {
    SubtitlePage page;
    page.start = chars[pl.front().begin].start;
    page.end = chars[pl.back().end - 1].end;
    for (const Line& l : pl) {
      std::string s;
      for (size_t i = l.begin; i < l.end; ++i) s += EncodeUtf8(chars[i].cp);
      page.lines.push_back(std::move(s));
    }
    pages.push_back(std::move(page));
  }
  for (size_t p = 0; p + 1 < pages.size(); ++p) pages[p].end = pages[p + 1].start;

  // The script: one event per page, each word's characters swept by one \kf.
  std::ostringstream ass;
  ass << "[Script Info]\nScriptType: v4.00+\nPlayResX: " << options.frame_width
      << "\nPlayResY: " << options.frame_height
      << "\nWrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: None\n\n"
      << "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
         "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, "
         "Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, "
         "Encoding\n"
      << "Style: Default," << kSubtitleFamily << "," << options.font_size << ","
      << AssColour(options.highlight_colour) << "," << AssColour(options.text_colour) << ","
      << AssColour(options.outline_colour) << ",&H80000000,-1,0,0,0,100,100,0,0,1,"
      << options.outline << ",0,5," << options.margin_x << "," << options.margin_x
      << ",0,1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
         "Effect, Text\n";
  const int centre_x = options.frame_width / 2;
  const auto [band_top, band_bottom] = BandClearOf(options);
  const int centre_y = (band_top + band_bottom) / 2;
  for (size_t p = 0; p < pages.size(); ++p) {
    const int start_cs = Centiseconds(pages[p].start);
    const int end_cs = std::max(start_cs + 1, Centiseconds(pages[p].end));
    ass << "Dialogue: 0," << AssTime(start_cs) << "," << AssTime(end_cs)
        << ",Default,,0,0,0,,{\\an5\\pos(" << centre_x << "," << centre_y << ")}";
    int at_cs = 0;  // karaoke time written so far, from the event's start
    for (size_t li = 0; li < page_lines[p].size(); ++li) {
      const Line& l = page_lines[p][li];
      if (li > 0) ass << "\\N";
      for (size_t i = l.begin; i < l.end;) {
        size_t j = i;
        while (j < l.end && chars[j].word == chars[i].word) ++j;
        const int from = Centiseconds(chars[i].start) - start_cs;
        const int to = Centiseconds(chars[j - 1].end) - start_cs;
        if (from > at_cs) {
          ass << "{\\k" << from - at_cs << "}";
          at_cs = from;
        }
        const int duration = std::max(0, to - at_cs);
        ass << "{\\kf" << duration << "}";
        at_cs += duration;
        for (size_t k = i; k < j; ++k) ass << EncodeUtf8(chars[k].cp);
        i = j;
      }
    }
    ass << "\n";
  }

  auto subtitles = std::make_unique<AssSubtitles>(options, std::move(pages), ass.str());
  VMSG_RETURN_IF_ERROR(subtitles->Init(font));
  return std::unique_ptr<Subtitles>(std::move(subtitles));
}

}  // namespace vmsg::video
