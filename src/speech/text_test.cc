// Text cleaning: every refusal code, NFKC folding, control removal, emoji kept for display
// only, and script-based language detection.
#include "speech/text.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vmsg::speech {
namespace {

std::string Reason(std::string_view text, size_t max_chars = kDefaultMaxTextChars) {
  auto r = CleanMessageText(text, max_chars);
  return r.ok() ? "ok" : r.status().reason();
}

TEST(TextTest, RefusesInvalidUtf8) {
  EXPECT_EQ(Reason("abc\xFF"), "invalid_text");
  EXPECT_EQ(Reason("\xC0\xAF"), "invalid_text");          // overlong '/'
  EXPECT_EQ(Reason("\xED\xA0\x80"), "invalid_text");      // surrogate
  EXPECT_EQ(Reason("\xF4\x90\x80\x80"), "invalid_text");  // above U+10FFFF
  EXPECT_EQ(Reason("\xE3\x81"), "invalid_text");          // truncated
  EXPECT_EQ(Reason("こんにちは"), "ok");
}

TEST(TextTest, RefusesTooLongAndEmpty) {
  EXPECT_EQ(Reason(std::string(200, 'a')), "ok");
  EXPECT_EQ(Reason(std::string(201, 'a')), "text_too_long");
  EXPECT_EQ(Reason("あいうえお", 4), "text_too_long");
  EXPECT_EQ(Reason("あいうえお", 5), "ok");
  EXPECT_EQ(Reason(std::string(100000, 'a')), "text_too_long");
  // Removed characters do not count.
  EXPECT_EQ(Reason(std::string(150, '\x01') + std::string(200, 'a')), "ok");
  EXPECT_EQ(Reason(""), "text_empty");
  EXPECT_EQ(Reason(" \n\t\x01 "), "text_empty");
  EXPECT_EQ(Reason("🎉🎂✨"), "text_empty");
  EXPECT_EQ(Reason("。、！"), "text_empty");
}

TEST(TextTest, NormalisesWidthsAndRemovesControls) {
  auto r = CleanMessageText("ＡＢＣ１２３　ｶﾀｶﾅ\x07\x1b[31m！\r\n次\u200Bの行");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->speech, "ABC123 カタカナ[31m!\n次の行");
  EXPECT_EQ(r->display, r->speech);
}

TEST(TextTest, EmojiStayForDisplayOnly) {
  auto r = CleanMessageText("お誕生日おめでとう🎂！ Happy 👨‍👩‍👧 day ♪");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->speech, "お誕生日おめでとう! Happy day");
  EXPECT_EQ(r->display, "お誕生日おめでとう🎂! Happy 👨‍👩‍👧 day ♪");
}

TEST(TextTest, TidiesWhitespace) {
  auto r = CleanMessageText("  hello \t  world \n\n\n  again  ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->speech, "hello world\nagain");
}

TEST(TextTest, DetectsLanguageFromScript) {
  EXPECT_EQ(DetectLanguage("Happy birthday!"), Language::kEnglish);
  EXPECT_EQ(DetectLanguage("ひらがな"), Language::kJapanese);
  EXPECT_EQ(DetectLanguage("カタカナ"), Language::kJapanese);
  EXPECT_EQ(DetectLanguage("Happy 誕生日"), Language::kJapanese);
  EXPECT_EQ(DetectLanguage("123 $%"), Language::kEnglish);
}

TEST(TextTest, SpeakableOnlyWhatTheEnginesLanguageReads) {
  EXPECT_TRUE(CheckSpeakable("Happy birthday", Language::kEnglish).ok());
  EXPECT_TRUE(CheckSpeakable("おめでとう", Language::kJapanese).ok());
  EXPECT_TRUE(CheckSpeakable("誕生日", Language::kJapanese).ok());
  EXPECT_TRUE(CheckSpeakable("Tokyo", Language::kJapanese).ok());  // Open JTalk spells Latin
  EXPECT_TRUE(CheckSpeakable("2026", Language::kEnglish).ok());
  EXPECT_TRUE(CheckSpeakable("생일 축하해요 A", Language::kEnglish).ok());
  for (const auto& [text, language] :
       std::vector<std::pair<std::string, Language>>{{"생일 축하해요", Language::kEnglish},
                                                     {"생일 축하해요", Language::kJapanese},
                                                     {"おめでとう", Language::kEnglish},
                                                     {"С днём рождения", Language::kEnglish},
                                                     {"!?…", Language::kJapanese}}) {
    const Status s = CheckSpeakable(text, language);
    EXPECT_EQ(s.reason(), "text_empty") << text;
    EXPECT_NE(s.message().find("spoken in " + std::string(LanguageCode(language))),
              std::string::npos)
        << s.message();
  }
}

}  // namespace
}  // namespace vmsg::speech
