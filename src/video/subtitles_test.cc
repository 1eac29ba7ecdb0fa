// Subtitles drawn for real (libass, Noto Sans CJK) over plain frames and measured in pixels:
// where they appear, when, how the highlight advances, how lines are broken.
#include "video/subtitles.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <opencv2/imgproc.hpp>

#include "testing/test_speech.h"

namespace vmsg::video {
namespace {

const cv::Scalar kGrey(90, 110, 100);

cv::Mat Blank() { return cv::Mat(910, 512, CV_8UC3, kGrey); }

cv::Mat Drawn(Subtitles& s, double t) {
  cv::Mat frame = Blank();
  EXPECT_TRUE(s.Draw(t, frame).ok());
  return frame;
}

// Pixels the subtitles changed.
cv::Mat Changed(const cv::Mat& frame) {
  cv::Mat diff;
  cv::absdiff(frame, Blank(), diff);
  cv::Mat gray;
  cv::cvtColor(diff, gray, cv::COLOR_BGR2GRAY);
  return gray > 0;
}

// Pixels of the highlight colour (amber, BGR 0,215,255): strongly red and green, little blue.
cv::Mat Highlighted(const cv::Mat& frame) {
  cv::Mat mask;
  cv::inRange(frame, cv::Scalar(0, 170, 220), cv::Scalar(60, 240, 255), mask);
  return mask;
}

std::unique_ptr<Subtitles> Make(const speech::Speech& speech, std::string_view text,
                                double offset) {
  auto made = Subtitles::Make(speech, text, offset);
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? std::move(made).value() : nullptr;
}

constexpr char kBirthday[] = "お誕生日おめでとう。素敵な一年になりますように！";
const std::vector<std::string> kBirthdayWords = {
    "お", "誕生", "日", "おめでとう", "素敵", "な", "一", "年", "に", "なり", "ます", "よう", "に"};

TEST(SubtitlesTest, ShowTheWrittenTextOnlyInTheBandAndOnlyWhileTheSpeechPlays) {
  const speech::Speech speech = test::TimedSpeech(kBirthdayWords, 0.3, speech::Language::kJapanese);
  auto subs = Make(speech, kBirthday, /*offset=*/1.0);
  ASSERT_NE(subs, nullptr);
  std::string shown;
  for (const SubtitlePage& p : subs->pages()) {
    for (const std::string& l : p.lines) shown += l;
  }
  EXPECT_EQ(shown, kBirthday);
  ASSERT_FALSE(subs->pages().empty());
  EXPECT_DOUBLE_EQ(subs->pages().front().start, 1.0);
  const double end = 1.0 + 0.3 * static_cast<double>(kBirthdayWords.size());
  EXPECT_NEAR(subs->pages().back().end, end, 1e-9);

  // Blending: fully covered pixels take the text's and the outline's colours exactly, edges
  // lie between them and the frame.
  const cv::Mat first = Drawn(*subs, 1.0);
  cv::Mat white, black;
  cv::inRange(first, cv::Scalar(255, 255, 255), cv::Scalar(255, 255, 255), white);
  cv::inRange(first, cv::Scalar(0, 0, 0), cv::Scalar(0, 0, 0), black);
  EXPECT_GT(cv::countNonZero(white), 1000);
  EXPECT_GT(cv::countNonZero(black), 1000);

  for (double t : {0.0, 0.5, 0.96, end + 0.04, end + 1.0}) {
    EXPECT_EQ(cv::countNonZero(Changed(Drawn(*subs, t))), 0) << "at " << t;
  }
  for (double t = 1.0; t < end; t += 0.2) {
    const cv::Mat changed = Changed(Drawn(*subs, t));
    ASSERT_GT(cv::countNonZero(changed), 500) << "at " << t;
    const cv::Rect box = cv::boundingRect(changed);
    EXPECT_GE(box.y, 700) << "at " << t;
    EXPECT_LE(box.br().y, 880) << "at " << t;
    EXPECT_GE(box.x, 28) << "at " << t;
    EXPECT_LE(box.br().x, 512 - 28) << "at " << t;
  }
}

TEST(SubtitlesTest, TheHighlightAdvancesWithTheSpeech) {
  const speech::Speech speech = test::TimedSpeech(kBirthdayWords, 0.3, speech::Language::kJapanese);
  auto subs = Make(speech, kBirthday, 0.5);
  ASSERT_NE(subs, nullptr);
  const SubtitlePage& page = subs->pages().front();
  // Reading order inside the page: lines top to bottom, each left to right. The furthest
  // highlighted pixel in that order must never go back, and must go forward overall.
  const cv::Rect all = cv::boundingRect(Changed(Drawn(*subs, page.start + 0.05)));
  const int lines = static_cast<int>(page.lines.size());
  auto progress = [&](double t) {
    const cv::Mat lit = Highlighted(Drawn(*subs, t));
    int best = -1;
    for (int y = 0; y < lit.rows; ++y) {
      for (int x = 0; x < lit.cols; ++x) {
        if (lit.at<uchar>(y, x) == 0) continue;
        const int line = std::min(lines - 1, (y - all.y) * lines / std::max(1, all.height));
        best = std::max(best, line * 10000 + x);
      }
    }
    return best;
  };
  int last = -1;
  int first = -1;
  int steps = 0;
  for (double t = page.start + 0.05; t < page.end; t += 0.15, ++steps) {
    const int p = progress(t);
    EXPECT_GE(p, last) << "at " << t;
    if (first < 0) first = p;
    last = p;
  }
  EXPECT_GT(steps, 5);
  EXPECT_GT(last, first + 200);  // well along, at least onto the next line or far right
  // Before the page's first word has started to be spoken nothing is highlighted yet.
  EXPECT_LT(first % 10000, 512 / 2);
}

TEST(SubtitlesTest, LongMessagesArePagedAndNoLineIsWiderThanTheMargins) {
  std::vector<std::string> words;
  std::string text;
  for (int i = 0; i < 6; ++i) {
    for (const std::string& w : kBirthdayWords) words.push_back(w);
    text += kBirthday;
  }
  const speech::Speech speech = test::TimedSpeech(words, 0.2, speech::Language::kJapanese);
  auto subs = Make(speech, text, 1.0);
  ASSERT_NE(subs, nullptr);
  ASSERT_GE(subs->pages().size(), 3u);
  for (size_t i = 0; i < subs->pages().size(); ++i) {
    const SubtitlePage& page = subs->pages()[i];
    EXPECT_LE(page.lines.size(), 2u);
    EXPECT_LT(page.start, page.end);
    if (i > 0) {
      EXPECT_DOUBLE_EQ(page.start, subs->pages()[i - 1].end);
    }
    const cv::Mat changed = Changed(Drawn(*subs, (page.start + page.end) / 2));
    const cv::Rect box = cv::boundingRect(changed);
    EXPECT_GE(box.x, 28) << "page " << i;
    EXPECT_LE(box.br().x, 512 - 28) << "page " << i;
    EXPECT_GE(box.y, 700);
    EXPECT_LE(box.br().y, 880);
    // Full lines use the width: a page's widest line reaches well past the middle.
    if (i + 1 < subs->pages().size()) {
      EXPECT_GT(box.width, 300) << "page " << i;
    }
  }
}

TEST(SubtitlesTest, NoLineStartsWithClosingPunctuationOrEndsWithAnOpeningBracket) {
  // The 。 and the 「 move through every position, so some fall where a line would break.
  for (int k = 4; k < 30; ++k) {
    std::string text;
    std::vector<std::string> words;
    for (int i = 0; i < k; ++i) {
      text += "あ";
      words.push_back("あ");
    }
    text += "。「";
    for (int i = 0; i < 20; ++i) {
      text += "い";
      words.push_back("い");
    }
    text += "」";
    const speech::Speech speech = test::TimedSpeech(words, 0.1, speech::Language::kJapanese);
    auto subs = Make(speech, text, 0);
    ASSERT_NE(subs, nullptr);
    std::string shown;
    for (const SubtitlePage& p : subs->pages()) {
      for (const std::string& l : p.lines) {
        EXPECT_FALSE(l.starts_with("。")) << "k=" << k << ": " << l;
        EXPECT_FALSE(l.starts_with("」")) << "k=" << k << ": " << l;
        EXPECT_FALSE(l.ends_with("「")) << "k=" << k << ": " << l;
        shown += l;
      }
    }
    EXPECT_EQ(shown, text);
  }
}

TEST(SubtitlesTest, NoLineStartsWithALongVowelMarkOrSmallKanaBetweenMoras) {
  // Without written words every mora stands alone, so only the kinsoku rules keep ー and ッ
  // off the start of a line.
  for (int k = 4; k < 30; ++k) {
    speech::Speech speech = test::TimedSpeech({}, 0, speech::Language::kJapanese);
    double t = 0;
    auto add = [&](const char* mora) {
      speech.units.push_back({mora, t, t + 0.1});
      t += 0.1;
    };
    for (int i = 0; i < k; ++i) add("カ");
    add("ー");
    add("ッ");
    for (int i = 0; i < 30; ++i) add("キ");
    auto subs = Make(speech, "", 0);
    ASSERT_NE(subs, nullptr);
    for (const SubtitlePage& p : subs->pages()) {
      for (const std::string& l : p.lines) {
        EXPECT_FALSE(l.starts_with("ー") || l.starts_with("ッ")) << "k=" << k << ": " << l;
      }
    }
  }
}

TEST(SubtitlesTest, EnglishWrapsAtSpaces) {
  const std::string text =
      "Happy birthday, Anna! I hope this year brings you lots of joy and wonderful adventures.";
  const std::vector<std::string> words = {"happy", "birthday", "anna",   "i",         "hope",
                                          "this",  "year",     "brings", "you",       "lots",
                                          "of",    "joy",      "and",    "wonderful", "adventures"};
  const speech::Speech speech = test::TimedSpeech(words, 0.35, speech::Language::kEnglish);
  auto subs = Make(speech, text, 1.0);
  ASSERT_NE(subs, nullptr);
  std::string joined;
  int lines = 0;
  for (const SubtitlePage& p : subs->pages()) {
    for (const std::string& l : p.lines) {
      EXPECT_FALSE(l.starts_with(" ") || l.ends_with(" ")) << l;
      joined += (joined.empty() ? "" : " ") + l;
      ++lines;
    }
  }
  EXPECT_GE(lines, 3);
  EXPECT_EQ(joined, text);  // so every break was at a space
}

TEST(SubtitlesTest, EmojiTheFontLacksAreLeftOutAndUnitsStandInWithoutWords) {
  speech::Speech speech = test::TimedSpeech({"ありがとう"}, 1.0, speech::Language::kJapanese);
  auto subs = Make(speech, "ありがとう🎉", 0);
  ASSERT_NE(subs, nullptr);
  ASSERT_EQ(subs->pages().size(), 1u);
  EXPECT_EQ(subs->pages()[0].lines, (std::vector<std::string>{"ありがとう"}));

  // No text given: the written words.
  subs = Make(speech, "", 0);
  ASSERT_NE(subs, nullptr);
  EXPECT_EQ(subs->pages()[0].lines, (std::vector<std::string>{"ありがとう"}));

  // No written words (the analysis did not line up): the moras as spoken.
  speech.words.clear();
  speech.units = {
      {"ア", 0, 0.2}, {"リ", 0.2, 0.4}, {"ガ", 0.4, 0.6}, {"ト", 0.6, 0.8}, {"ー", 0.8, 1.0}};
  subs = Make(speech, "ありがとう🎉", 0);
  ASSERT_NE(subs, nullptr);
  EXPECT_EQ(subs->pages()[0].lines, (std::vector<std::string>{"アリガトー"}));
}

TEST(SubtitlesTest, ANumberReadOutTakesTheWrittenDigits) {
  // Open JTalk spells "1,000円" as the morphemes 千 and 円.
  const speech::Speech speech =
      test::TimedSpeech({"学校", "へ", "千", "円"}, 0.4, speech::Language::kJapanese);
  auto subs = Make(speech, "学校へ1,000円", 0);
  ASSERT_NE(subs, nullptr);
  ASSERT_EQ(subs->pages().size(), 1u);
  EXPECT_EQ(subs->pages()[0].lines, (std::vector<std::string>{"学校へ1,000円"}));
  EXPECT_NE(subs->script().find("{\\kf40}1,000"), std::string::npos) << subs->script();
}

// --- paging ---------------------------------------------------------------------------------

// Japanese speech of bunsetsu: each {word, break} one after another, 0.25 s each.
speech::Speech Bunsetsu(const std::vector<std::pair<std::string, speech::WordBreak>>& words) {
  std::vector<std::string> texts;
  for (const auto& [w, b] : words) texts.push_back(w);
  speech::Speech speech = test::TimedSpeech(texts, 0.25, speech::Language::kJapanese);
  for (size_t i = 0; i < words.size(); ++i) speech.words[i].break_before = words[i].second;
  return speech;
}

size_t Characters(const std::string& utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80 && c != ' ' ? 1 : 0;
  return n;
}

constexpr auto kNone = speech::WordBreak::kNone;
constexpr auto kWord = speech::WordBreak::kWord;
constexpr auto kPhrase = speech::WordBreak::kPhrase;

TEST(SubtitlesTest, NoPageHoldsFewerThanFourCharacters) {
  // ありがとう repeated, then です。 which may start a line of its own: for some lengths a
  // greedy layout leaves it alone on the last page.
  for (int k = 1; k <= 12; ++k) {
    std::vector<std::pair<std::string, speech::WordBreak>> words;
    std::string text;
    for (int i = 0; i < k; ++i) {
      words.push_back({"ありがとう", kPhrase});
      text += "ありがとう";
    }
    words.push_back({"です", kWord});
    text += "です。";
    auto subs = Make(Bunsetsu(words), text, 0);
    ASSERT_NE(subs, nullptr);
    std::string shown;
    for (const SubtitlePage& p : subs->pages()) {
      size_t chars = 0;
      for (const std::string& l : p.lines) {
        chars += Characters(l);
        shown += l;
      }
      EXPECT_GE(chars, 4u) << "k=" << k << ": a page of " << p.lines.front();
    }
    EXPECT_EQ(shown, text);
  }
}

TEST(SubtitlesTest, LinesAndPagesBreakBetweenPhrasesNeverInsideABunsetsu) {
  // 素敵な / 一年に / なりますように, the particles and auxiliaries bound to their word.
  const std::vector<std::pair<std::string, speech::WordBreak>> sentence = {
      {"素敵", kPhrase}, {"な", kNone},   {"一", kPhrase}, {"年", kNone}, {"に", kNone},
      {"なり", kPhrase}, {"ます", kNone}, {"よう", kNone}, {"に", kNone}};
  std::vector<std::pair<std::string, speech::WordBreak>> words;
  std::string text;
  std::vector<bool> may_cut_before;  // per character of the text
  for (int r = 0; r < 5; ++r) {
    for (const auto& [w, b] : sentence) {
      words.push_back({w, b});
      for (size_t i = 0; i < Characters(w); ++i) may_cut_before.push_back(i == 0 && b != kNone);
      text += w;
    }
  }
  auto subs = Make(Bunsetsu(words), text, 0);
  ASSERT_NE(subs, nullptr);
  ASSERT_GE(subs->pages().size(), 2u);
  size_t at = 0;
  for (const SubtitlePage& p : subs->pages()) {
    for (const std::string& l : p.lines) {
      EXPECT_TRUE(may_cut_before[at]) << "a line starts inside a bunsetsu: " << l;
      at += Characters(l);
    }
  }
  EXPECT_EQ(at, may_cut_before.size());
}

TEST(SubtitlesTest, APagesTwoLinesAreBalanced) {
  // Seven three-character phrases: about a line and a half. A greedy layout fills the first
  // line and leaves a stub on the second.
  std::vector<std::pair<std::string, speech::WordBreak>> words;
  std::string text;
  for (int i = 0; i < 7; ++i) {
    words.push_back({"ありが", kPhrase});
    text += "ありが";
  }
  auto subs = Make(Bunsetsu(words), text, 0);
  ASSERT_NE(subs, nullptr);
  ASSERT_EQ(subs->pages().size(), 1u);
  const auto& lines = subs->pages()[0].lines;
  ASSERT_EQ(lines.size(), 2u);
  const double a = double(Characters(lines[0])), b = double(Characters(lines[1]));
  EXPECT_LE(std::abs(a - b), 3) << lines[0] << " / " << lines[1];
}

TEST(SubtitlesTest, APageBreaksAtASentencesEndWhenOneIsNear) {
  const std::string text = "今日はありがとう。明日もよろしくお願いします。また会いましょう。";
  const std::vector<std::pair<std::string, speech::WordBreak>> words = {
      {"今日", kPhrase}, {"は", kNone},         {"ありがとう", kPhrase}, {"明日", kPhrase},
      {"も", kNone},     {"よろしく", kPhrase}, {"お願い", kPhrase},     {"し", kNone},
      {"ます", kNone},   {"また", kPhrase},     {"会い", kPhrase},       {"ましょ", kNone},
      {"う", kNone}};
  auto subs = Make(Bunsetsu(words), text, 0);
  ASSERT_NE(subs, nullptr);
  for (size_t i = 0; i + 1 < subs->pages().size(); ++i) {
    EXPECT_TRUE(subs->pages()[i].lines.back().ends_with("。")) << subs->pages()[i].lines.back();
  }
}

TEST(SubtitlesTest, NoEnglishPageIsASingleWord) {
  const std::vector<std::string> all = {"thank", "you", "so",  "much", "for",  "everything",
                                        "you",   "did", "for", "me",   "this", "wonderful",
                                        "year",  "see", "you", "soon", "my",   "friend"};
  for (size_t n = 2; n <= all.size(); ++n) {
    const std::vector<std::string> words(all.begin(), all.begin() + ptrdiff_t(n));
    std::string text;
    for (const std::string& w : words) text += (text.empty() ? "" : " ") + w;
    text += ".";
    auto subs = Make(test::TimedSpeech(words, 0.3, speech::Language::kEnglish), text, 0);
    ASSERT_NE(subs, nullptr);
    for (const SubtitlePage& p : subs->pages()) {
      std::string page;
      for (const std::string& l : p.lines) page += l + " ";
      EXPECT_NE(std::count(page.begin(), page.end(), ' '), 1) << "n=" << n << ": " << page;
    }
  }
}

TEST(SubtitlesTest, TheTextStaysClearOfTheEyesAndMouth) {
  const speech::Speech speech = test::TimedSpeech(kBirthdayWords, 0.3, speech::Language::kJapanese);
  // A face low in the frame (a close-up): its mouth would sit in the usual band.
  for (const cv::Rect avoid : {cv::Rect(120, 560, 280, 190), cv::Rect(120, 500, 280, 380)}) {
    SubtitleOptions options;
    options.avoid = avoid;
    auto made = Subtitles::Make(speech, kBirthday, 0, options);
    ASSERT_TRUE(made.ok()) << made.status();
    for (double t = 0.1; t < 0.3 * double(kBirthdayWords.size()); t += 0.3) {
      const cv::Mat changed = Changed(Drawn(**made, t));
      ASSERT_GT(cv::countNonZero(changed), 0) << t;
      EXPECT_EQ(cv::countNonZero(changed(avoid)), 0) << "at " << t << " with " << avoid;
    }
  }
}

// Every format's layout (SubtitleOptions::ForFrame): the portrait's defaults at 512x910;
// the font in proportion to the height; a long message's every page, with a face low in the
// frame to keep clear of, inside the safe area; lines in a landscape no wider than the frame
// is high.
TEST(SubtitlesTest, EveryFormatsPagesStayInsideTheSafeArea) {
  const SubtitleOptions portrait = SubtitleOptions::ForFrame({512, 910});
  const SubtitleOptions defaults;
  EXPECT_EQ(portrait.font_size, defaults.font_size);
  EXPECT_EQ(portrait.band_top, defaults.band_top);
  EXPECT_EQ(portrait.band_bottom, defaults.band_bottom);
  EXPECT_EQ(portrait.margin_x, defaults.margin_x);
  EXPECT_EQ(portrait.outline, defaults.outline);
  std::vector<std::string> words;
  std::string text;
  for (int i = 0; i < 4; ++i) {
    for (const std::string& w : kBirthdayWords) words.push_back(w);
    text += kBirthday;
  }
  const speech::Speech speech = test::TimedSpeech(words, 0.2, speech::Language::kJapanese);
  for (const cv::Size size :
       {cv::Size(512, 910), cv::Size(1080, 1920), cv::Size(1080, 1080), cv::Size(1920, 1080)}) {
    SCOPED_TRACE(std::to_string(size.width) + "x" + std::to_string(size.height));
    SubtitleOptions options = SubtitleOptions::ForFrame(size);
    EXPECT_NEAR(options.font_size, 40.0 * size.height / 910, 0.5);
    const cv::Rect safe = SubtitleSafeArea(size);
    // A close-up's mouth where the band would be: the text moves off it, still inside.
    options.avoid =
        cv::Rect(size.width / 4, size.height * 62 / 100, size.width / 2, size.height / 5);
    auto made = Subtitles::Make(speech, text, 0, options);
    ASSERT_TRUE(made.ok()) << made.status();
    ASSERT_GE((*made)->pages().size(), 2u);
    int widest = 0;
    for (const SubtitlePage& page : (*made)->pages()) {
      cv::Mat frame(size, CV_8UC3, cv::Scalar(40, 90, 140));
      const cv::Mat blank = frame.clone();
      ASSERT_TRUE((*made)->Draw((page.start + page.end) / 2, frame).ok());
      cv::Mat diff, changed;
      cv::absdiff(frame, blank, diff);
      cv::cvtColor(diff, changed, cv::COLOR_BGR2GRAY);
      const cv::Rect box = cv::boundingRect(changed > 0);
      ASSERT_FALSE(box.empty());
      EXPECT_EQ(box & safe, box) << box << " outside " << safe;
      EXPECT_EQ(cv::countNonZero((changed > 0)(options.avoid)), 0);
      widest = std::max(widest, box.width);
    }
    if (size.width > size.height) {
      EXPECT_LE(widest, size.height);
    } else {
      EXPECT_GT(widest, size.width / 2);  // a full line uses the width
    }
  }
}

TEST(SubtitlesTest, DrawingCostPerFrame) {
  const speech::Speech speech = test::TimedSpeech(kBirthdayWords, 0.3, speech::Language::kJapanese);
  auto subs = Make(speech, kBirthday, 1.0);
  ASSERT_NE(subs, nullptr);
  cv::Mat frame = Blank();
  const int frames = 100;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i) {
    ASSERT_TRUE(subs->Draw(1.0 + i * 0.04, frame).ok());
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
      frames;
  std::cout << "subtitles: " << ms << " ms per frame\n";
}

}  // namespace
}  // namespace vmsg::video
