// The timing-preserving operations on Speech, on hand-made speech with known numbers.
#include "speech/speech.h"

#include <gtest/gtest.h>

#include "speech/speech_json.h"

namespace vmsg::speech {
namespace {

constexpr int kRate = 1000;  // one sample per millisecond keeps the arithmetic readable

// pau [0, 0.1) k [0.1, 0.15) a [0.15, 0.3) pau [0.3, 0.4): one mora "カ".
Speech Ka() {
  Speech s;
  s.audio.sample_rate = kRate;
  s.audio.samples.assign(400, 0.0f);
  for (size_t i = 100; i < 300; ++i) s.audio.samples[i] = 0.5f;
  s.phonemes = {{"pau", 0, 0.1, Viseme::kClosed},
                {"k", 0.1, 0.15, Viseme::kA},
                {"a", 0.15, 0.3, Viseme::kA},
                {"pau", 0.3, 0.4, Viseme::kClosed}};
  s.units = {{"カ", 0.1, 0.3, Viseme::kA, 1, 3}};
  s.words = s.units;
  return s;
}

TEST(SpeechTest, HandMadeSpeechIsValid) { EXPECT_TRUE(CheckTimings(Ka()).ok()); }

TEST(SpeechTest, CheckTimingsFindsGapsAndShortfalls) {
  Speech gap = Ka();
  gap.phonemes[2].start = 0.16;
  EXPECT_FALSE(CheckTimings(gap).ok());
  Speech short_table = Ka();
  short_table.phonemes.back().end = 0.39;
  EXPECT_FALSE(CheckTimings(short_table).ok());
  Speech bad_unit = Ka();
  bad_unit.units[0].end = 0.25;  // not where its last phoneme ends
  EXPECT_FALSE(CheckTimings(bad_unit).ok());
}

TEST(SpeechTest, AppendShiftsTimingsAndIndices) {
  Speech s = Ka();
  ASSERT_TRUE(Append(s, Ka()).ok());
  ASSERT_TRUE(CheckTimings(s).ok()) << CheckTimings(s);
  ASSERT_EQ(s.units.size(), 2u);
  EXPECT_DOUBLE_EQ(s.units[1].start, 0.5);
  EXPECT_EQ(s.units[1].first_phoneme, 5u);
  EXPECT_EQ(s.words.size(), 2u);
  Speech other_rate = Ka();
  other_rate.audio.sample_rate = 2 * kRate;
  EXPECT_FALSE(Append(s, other_rate).ok());
}

TEST(SpeechTest, SilenceMergesIntoATrailingPause) {
  Speech s = Ka();
  AppendSilence(s, 0.25);
  EXPECT_EQ(s.phonemes.size(), 4u);
  EXPECT_DOUBLE_EQ(s.phonemes.back().end, 0.65);
  EXPECT_EQ(s.audio.samples.size(), 650u);
  EXPECT_TRUE(CheckTimings(s).ok());
  AppendSilence(s, -1);
  EXPECT_EQ(s.audio.samples.size(), 650u);
}

TEST(SpeechTest, TrimToTheSoundThenAbsorbTheSlivers) {
  Speech s = Ka();
  Trim(s, 0.09, 0.32);
  ASSERT_TRUE(CheckTimings(s).ok()) << CheckTimings(s);
  EXPECT_EQ(s.audio.samples.size(), 230u);
  ASSERT_EQ(s.phonemes.size(), 4u);
  EXPECT_NEAR(s.units[0].start, 0.01, 1e-9);
  AbsorbEdgePauses(s);
  ASSERT_TRUE(CheckTimings(s).ok()) << CheckTimings(s);
  ASSERT_EQ(s.phonemes.size(), 2u);
  EXPECT_EQ(s.phonemes[0].symbol, "k");
  EXPECT_DOUBLE_EQ(s.units[0].start, 0);
  EXPECT_NEAR(s.units[0].end, 0.23, 1e-9);
  EXPECT_EQ(s.units[0].first_phoneme, 0u);
  EXPECT_EQ(s.units[0].end_phoneme, 2u);
}

TEST(SpeechTest, VisemeTables) {
  EXPECT_EQ(JapaneseViseme("a", Viseme::kClosed), Viseme::kA);
  EXPECT_EQ(JapaneseViseme("U", Viseme::kClosed), Viseme::kU);  // devoiced
  EXPECT_EQ(JapaneseViseme("m", Viseme::kO), Viseme::kClosed);
  EXPECT_EQ(JapaneseViseme("ky", Viseme::kO), Viseme::kO);
  EXPECT_EQ(JapaneseViseme("N", Viseme::kA), Viseme::kClosed);
  EXPECT_EQ(EnglishViseme("b"), Viseme::kClosed);
  EXPECT_EQ(EnglishViseme("aa"), Viseme::kA);
  EXPECT_EQ(EnglishViseme("iy"), Viseme::kI);
  EXPECT_EQ(EnglishViseme("uw"), Viseme::kU);
  EXPECT_EQ(EnglishViseme("eh"), Viseme::kE);
  EXPECT_EQ(EnglishViseme("ow"), Viseme::kO);
  EXPECT_EQ(EnglishViseme("unknown"), Viseme::kClosed);
  EXPECT_EQ(VisemeName(Viseme::kClosed), "closed");
}

}  // namespace
}  // namespace vmsg::speech

namespace vmsg::speech {
namespace {

TEST(SpeechJsonTest, TimingsRoundTripOntoTheirAudio) {
  Speech ka = Ka();
  ka.words = ka.units;
  ka.words[0].break_before = WordBreak::kPhrase;
  ka.phonemes[2].nucleus = true;  // the "a"
  ka.phonemes[2].question = true;
  const Json json = SpeechTimingsToJson(ka);
  EXPECT_EQ(json["language"], "ja");
  EXPECT_EQ(json["phonemes"].size(), ka.phonemes.size());
  EXPECT_EQ(json["words"][0]["break"], "phrase");
  EXPECT_EQ(json["phonemes"][2]["nucleus"], true);
  EXPECT_FALSE(json["phonemes"][0].contains("nucleus"));
  auto back = SpeechFromJson(json, ka.audio);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->words[0].break_before, WordBreak::kPhrase);
  EXPECT_TRUE(back->phonemes[2].nucleus);
  EXPECT_TRUE(back->phonemes[2].question);
  EXPECT_FALSE(back->phonemes[1].question);
  EXPECT_FALSE(back->phonemes[0].nucleus);
  EXPECT_EQ(SpeechTimingsToJson(*back), json);
  // Timings stored before words carried breaks read as plain word boundaries.
  Json older = json;
  older["words"][0].erase("break");
  auto old = SpeechFromJson(older, ka.audio);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->words[0].break_before, WordBreak::kWord);
}

TEST(SpeechJsonTest, MalformedOrMismatchedTimingsAreDataLoss) {
  const Speech ka = Ka();
  Json json = SpeechTimingsToJson(ka);
  Json bad_viseme = json;
  bad_viseme["phonemes"][0]["viseme"] = "x";
  Json no_language = json;
  no_language.erase("language");
  Json bad_unit = json;
  bad_unit["units"][0].erase("start");
  Json bad_break = json;
  bad_break["words"][0]["break"] = "maybe";
  for (const Json& j : {bad_viseme, no_language, bad_unit, bad_break, Json::array()}) {
    EXPECT_EQ(SpeechFromJson(j, ka.audio).status().code(), StatusCode::kDataLoss) << j;
  }
  audio::Sound longer = ka.audio;  // timings that stop short of the audio they claim
  longer.samples.resize(longer.samples.size() * 2);
  EXPECT_EQ(SpeechFromJson(json, longer).status().code(), StatusCode::kDataLoss);
}

TEST(SpeechTest, VowelPhonesOfBothEngines) {
  for (const char* vowel : {"a", "o", "U", "I", "aa", "ae", "ax", "uw", "ey"}) {
    EXPECT_TRUE(IsVowelPhone(vowel)) << vowel;
  }
  for (const char* other : {"", "k", "ky", "N", "cl", "pau", "sh", "hh", "y", "w"}) {
    EXPECT_FALSE(IsVowelPhone(other)) << other;
  }
}

}  // namespace
}  // namespace vmsg::speech
