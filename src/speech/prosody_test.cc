// Prosody parameters: range checks naming the field, preset names and automatic choice,
// and where punctuation splits a message.
#include "speech/prosody.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vmsg::speech {
namespace {

TEST(ProsodyTest, ValidatesRangesAndNamesTheField) {
  EXPECT_TRUE(ProsodyParams{}.Validate().ok());
  EXPECT_TRUE((ProsodyParams{std::nullopt, 0.5, -6, -12}).Validate().ok());
  EXPECT_TRUE((ProsodyParams{std::nullopt, 2.0, 6, 12}).Validate().ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    ProsodyParams params;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {{std::nullopt, 0.49, 0, 0}, "speed"},
           {{std::nullopt, 2.01, 0, 0}, "speed"},
           {{std::nullopt, nan, 0, 0}, "speed"},
           {{std::nullopt, 1, 6.5, 0}, "pitch"},
           {{std::nullopt, 1, -inf, 0}, "pitch"},
           {{std::nullopt, 1, nan, 0}, "pitch"},
           {{std::nullopt, 1, 0, 12.5}, "volume"},
           {{std::nullopt, 1, 0, inf}, "volume"},
       }) {
    const Status s = c.params.Validate();
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_EQ(s.reason(), "invalid_prosody");
    EXPECT_EQ(s.message().rfind(c.field, 0), 0u) << s.message();
  }
}

TEST(ProsodyTest, PresetNames) {
  for (auto p : {ProsodyPreset::kNeutral, ProsodyPreset::kCelebration, ProsodyPreset::kEnergetic,
                 ProsodyPreset::kJoyful, ProsodyPreset::kCalm}) {
    auto parsed = ParsePreset(PresetName(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(ParsePreset("angry").status().reason(), "invalid_prosody");
  EXPECT_GT(ShapeOf(ProsodyPreset::kCelebration).pitch_semitones, 0);
  EXPECT_LT(ShapeOf(ProsodyPreset::kCalm).tempo, 1);
}

TEST(ProsodyTest, ChoosesPresetFromKeywords) {
  EXPECT_EQ(ChoosePreset("お誕生日おめでとう！"), ProsodyPreset::kCelebration);
  EXPECT_EQ(ChoosePreset("Happy BIRTHDAY Tom"), ProsodyPreset::kCelebration);
  EXPECT_EQ(ChoosePreset("Congratulations!"), ProsodyPreset::kCelebration);
  EXPECT_EQ(ChoosePreset("試験頑張ってね"), ProsodyPreset::kEnergetic);
  EXPECT_EQ(ChoosePreset("Good luck tomorrow"), ProsodyPreset::kEnergetic);
  EXPECT_EQ(ChoosePreset("いつもありがとう"), ProsodyPreset::kJoyful);
  EXPECT_EQ(ChoosePreset("Thank you"), ProsodyPreset::kJoyful);
  EXPECT_EQ(ChoosePreset("今日は晴れです"), ProsodyPreset::kNeutral);
}

TEST(ProsodyTest, SplitsJapaneseAtPunctuationAndSpaces) {
  const auto pieces = SplitAtPauses("こんにちは、田中さん。元気? はい!!\n次", Language::kJapanese);
  ASSERT_EQ(pieces.size(), 5u);
  EXPECT_EQ(pieces[0].text, "こんにちは、");
  EXPECT_DOUBLE_EQ(pieces[0].pause_seconds, kPauseComma);
  EXPECT_EQ(pieces[1].text, "田中さん。");
  EXPECT_DOUBLE_EQ(pieces[1].pause_seconds, kPausePeriod);
  EXPECT_EQ(pieces[2].text, "元気?");  // the ? and the space after it are one pause
  EXPECT_DOUBLE_EQ(pieces[2].pause_seconds, kPauseQuestion);
  EXPECT_EQ(pieces[3].text, "はい!!");  // "!!\n": the longest mark wins
  EXPECT_DOUBLE_EQ(pieces[3].pause_seconds, kPauseExclamation);
  EXPECT_EQ(pieces[4].text, "次");
  EXPECT_DOUBLE_EQ(pieces[4].pause_seconds, 0);
  const auto spaced = SplitAtPauses("田中 さん", Language::kJapanese);
  ASSERT_EQ(spaced.size(), 2u);
  EXPECT_DOUBLE_EQ(spaced[0].pause_seconds, kPauseSpaceJapanese);
}

TEST(ProsodyTest, SplitsEnglishAtWordEndsOnly) {
  const auto pieces = SplitAtPauses("It costs 3.50, or 1,000 yen. Why? Go!", Language::kEnglish);
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[0].text, "It costs 3.50,");
  EXPECT_EQ(pieces[1].text, "or 1,000 yen.");
  EXPECT_EQ(pieces[2].text, "Why?");
  EXPECT_EQ(pieces[3].text, "Go!");
  EXPECT_DOUBLE_EQ(pieces[3].pause_seconds, kPauseExclamation);
}

TEST(ProsodyTest, SymbolOnlyPiecesMergeTheirPause) {
  const auto pieces = SplitAtPauses("はい、「」。いいえ", Language::kJapanese);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_DOUBLE_EQ(pieces[0].pause_seconds, kPausePeriod);
}

}  // namespace
}  // namespace vmsg::speech
