// The two engines for real: Open JTalk as a subprocess and flite linked in. Timings must
// describe the audio, pitch parameters must move the measured pitch, and the subprocess
// must never meet a shell.
#include "speech/synthesizer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "speech/pitch.h"

namespace vmsg::speech {
namespace {

const SpeechSynthesizer& Jtalk() {
  static const auto engine = [] {
    auto e = NewOpenJTalkSynthesizer();
    if (!e.ok()) {
      ADD_FAILURE() << e.status();
      std::abort();
    }
    return std::move(e).value();
  }();
  return *engine;
}

const SpeechSynthesizer& Flite() {
  static const auto engine = NewFliteSynthesizer();
  return *engine;
}

SynthesisParams Ja(double pitch = 0, double speed = 1) {
  SynthesisParams p;
  p.voice = "nitech_m001";
  p.pitch_semitones = pitch;
  p.speed = speed;
  return p;
}

SynthesisParams En(const std::string& voice, double pitch = 0, double speed = 1) {
  SynthesisParams p;
  p.voice = voice;
  p.pitch_semitones = pitch;
  p.speed = speed;
  return p;
}

std::string Texts(const Speech& s) {
  std::string all;
  for (const auto& u : s.units) all += u.text + " ";
  return all;
}

TEST(OpenJTalkTest, MorasWithKanaAndVisemes) {
  auto speech = Jtalk().Synthesize("今日は良い天気です", Ja());
  ASSERT_TRUE(speech.ok()) << speech.status();
  EXPECT_EQ(speech->audio.sample_rate, 48000);
  EXPECT_TRUE(CheckTimings(*speech).ok()) << CheckTimings(*speech);
  // キョ ー ワ ヨ イ テ ン キ デ ス: moras from the engine's own phonemes.
  std::vector<std::string> texts;
  for (const auto& u : speech->units) texts.push_back(u.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"キョ", "オ", "ワ", "ヨ", "イ", "テ", "ン", "キ", "デ",
                                             "ス"}))
      << Texts(*speech);
  EXPECT_EQ(speech->units[0].viseme, Viseme::kO);
  std::vector<std::string> words;
  for (const auto& w : speech->words) words.push_back(w.text);
  EXPECT_EQ(words, (std::vector<std::string>{"今日", "は", "良い", "天気", "です"}));
  EXPECT_EQ(speech->words[3].start, speech->units[5].start);  // 天気 = テ ン キ
  EXPECT_EQ(speech->words[3].end, speech->units[7].end);
  EXPECT_EQ(speech->units[6].viseme, Viseme::kClosed);  // ン
  EXPECT_EQ(speech->phonemes.front().symbol, kPauseSymbol);
  EXPECT_EQ(speech->phonemes.back().symbol, kPauseSymbol);
  EXPECT_GT(speech->duration_seconds(), 1.0);
}

TEST(OpenJTalkTest, WordsKeepCommasAndFollowNormalisedSpelling) {
  auto speech = Jtalk().Synthesize("学校へ行った 1,000円 ABC", Ja());
  ASSERT_TRUE(speech.ok()) << speech.status();
  std::vector<std::string> words;
  for (const auto& w : speech->words) words.push_back(w.text);
  EXPECT_EQ(words, (std::vector<std::string>{"学校", "へ", "行っ", "た", "千", "円", "ABC"}));
  EXPECT_TRUE(CheckTimings(*speech).ok()) << CheckTimings(*speech);
}

TEST(OpenJTalkTest, WordsSayWhereTextMayBreak) {
  // Accent phrases start at 素敵, 一 and なり; particles, auxiliaries, suffixes and what follows
  // a prefix stay with the word before them.
  auto speech =
      Jtalk().Synthesize("お誕生日おめでとうございます。素敵な一年になりますように。", Ja());
  ASSERT_TRUE(speech.ok()) << speech.status();
  std::vector<std::string> seen;
  for (const auto& w : speech->words) {
    seen.push_back(w.text + ":" + std::string(WordBreakName(w.break_before)));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"お:phrase", "誕生:none", "日:none", "おめでとう:word",
                                            "ござい:none", "ます:none", "素敵:phrase", "な:none",
                                            "一:phrase", "年:none", "に:none", "なり:phrase",
                                            "ます:none", "よう:none", "に:none"}));
}

TEST(OpenJTalkTest, SpeedScalesDurationAndTimings) {
  auto normal = Jtalk().Synthesize("ありがとうございます", Ja());
  auto fast = Jtalk().Synthesize("ありがとうございます", Ja(0, 1.5));
  ASSERT_TRUE(normal.ok() && fast.ok());
  const double ratio = normal->units.back().end - normal->units.front().start;
  const double fast_span = fast->units.back().end - fast->units.front().start;
  EXPECT_NEAR(ratio / fast_span, 1.5, 0.1);
  EXPECT_TRUE(CheckTimings(*fast).ok());
}

TEST(OpenJTalkTest, PitchShiftMovesMeasuredPitch) {
  // Long enough that the median does not fall between a phrase's high and low tones.
  const std::string text =
      "わたしはきょうもげんきにがっこうへいきます。あしたはともだちとこうえんであそびます";
  auto base = Jtalk().Synthesize(text, Ja());
  auto up = Jtalk().Synthesize(text, Ja(4));
  ASSERT_TRUE(base.ok() && up.ok());
  auto p0 = EstimatePitch(base->audio);
  auto p1 = EstimatePitch(up->audio);
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_NEAR(SemitonesBetween(p0->median_hz, p1->median_hz), 4, 1)
      << p0->median_hz << " → " << p1->median_hz;
}

TEST(OpenJTalkTest, ShellSyntaxIsSpokenNotRun) {
  const std::filesystem::path marker = std::filesystem::temp_directory_path() / "vmsg_voice_pwned";
  std::filesystem::remove(marker);
  const std::string m = marker.string();
  const std::string text = "$(touch " + m + ") `touch " + m + "` \"'; touch " + m + "; echo 'x";
  auto speech = Jtalk().Synthesize(text, Ja());
  ASSERT_TRUE(speech.ok()) << speech.status();
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_GT(speech->units.size(), 10u) << "the letters are read aloud";
}

TEST(OpenJTalkTest, RefusesUnknownVoiceAndBadParams) {
  EXPECT_EQ(Jtalk().Synthesize("あ", En("slt")).status().reason(), "unknown_voice");
  EXPECT_FALSE(Jtalk().Synthesize("あ", Ja(0, 0)).ok());
  SynthesisParams p = Ja();
  p.all_pass = 1.5;
  EXPECT_FALSE(Jtalk().Synthesize("あ", p).ok());
  p = Ja();
  p.pitch_range = 2.5;
  EXPECT_EQ(Jtalk().Synthesize("あ", p).status().reason(), "invalid_prosody");
}

TEST(OpenJTalkTest, PitchRangeWidensIntonationAroundTheSameTimings) {
  const char* text = "お誕生日おめでとうございます。素敵な一年になりますように。";
  SynthesisParams wide = Ja();
  wide.pitch_range = 1.6;
  auto base = Jtalk().Synthesize(text, Ja());
  auto lively = Jtalk().Synthesize(text, wide);
  ASSERT_TRUE(base.ok() && lively.ok());
  EXPECT_EQ(lively->audio.samples.size(), base->audio.samples.size());  // durations untouched
  auto p0 = EstimatePitch(base->audio);
  auto p1 = EstimatePitch(lively->audio);
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_GT(p1->p90_hz / p1->p10_hz, p0->p90_hz / p0->p10_hz * 1.08);
  EXPECT_NEAR(SemitonesBetween(p0->median_hz, p1->median_hz), 0, 1.0);
}

TEST(OpenJTalkTest, SpeaksEveryLineAndRefusesWhatItWouldCut) {
  auto one = Jtalk().Synthesize("あいうえお かきくけこ", Ja());
  auto two = Jtalk().Synthesize("あいうえお\nかきくけこ", Ja());
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(two->units.size(), one->units.size());  // the second line is not dropped
  std::string long_text;
  for (int i = 0; i < 70; ++i) long_text += "あいうえお";  // 1050 bytes
  EXPECT_EQ(Jtalk().Synthesize(long_text, Ja()).status().reason(), "text_too_long");
}

// The moras whose vowel is an accent nucleus, as kana.
std::vector<std::string> NucleusMoras(const Speech& s) {
  std::vector<std::string> out;
  for (const SpeechUnit& u : s.units) {
    for (size_t i = u.first_phoneme; i < u.end_phoneme; ++i) {
      if (s.phonemes[i].nucleus) out.push_back(u.text);
    }
  }
  return out;
}

TEST(OpenJTalkTest, AccentNucleiAreMarkedOnTheirVowels) {
  // 雨 (ア\メ) and 箸 (ハ\シ) fall after their first mora; 箸 keeps its accent before を.
  auto rain = Jtalk().Synthesize("雨", Ja());
  auto chopsticks = Jtalk().Synthesize("箸を", Ja());
  auto sentence = Jtalk().Synthesize("雨の日も箸を持つ", Ja());
  ASSERT_TRUE(rain.ok() && chopsticks.ok() && sentence.ok());
  EXPECT_EQ(NucleusMoras(*rain), (std::vector<std::string>{"ア"}));
  EXPECT_EQ(NucleusMoras(*chopsticks), (std::vector<std::string>{"ハ"}));
  EXPECT_GE(NucleusMoras(*sentence).size(), 2u) << Texts(*sentence);
  for (const Phoneme& p : sentence->phonemes) {
    if (!p.nucleus) continue;
    EXPECT_NE(std::string("aiueoAIUEO").find(p.symbol), std::string::npos);
  }
}

TEST(OpenJTalkTest, MissingInstallIsUnavailable) {
  OpenJTalkConfig config;
  config.binary = "/nonexistent/open_jtalk";
  EXPECT_EQ(NewOpenJTalkSynthesizer(config).status().code(), StatusCode::kUnavailable);
}

TEST(FliteTest, WordsWithPhonemesForEveryVoice) {
  for (const std::string voice : {"slt", "rms", "awb", "kal", "kal16"}) {
    auto speech = Flite().Synthesize("Happy birthday to you", En(voice));
    ASSERT_TRUE(speech.ok()) << voice << ": " << speech.status();
    EXPECT_TRUE(CheckTimings(*speech).ok()) << voice << ": " << CheckTimings(*speech);
    ASSERT_EQ(speech->units.size(), 4u) << voice << ": " << Texts(*speech);
    EXPECT_EQ(speech->units[0].text, "happy");
    EXPECT_EQ(speech->units[0].viseme, Viseme::kA);
    EXPECT_EQ(speech->units[2].text, "to");
    EXPECT_GT(speech->units[3].end, speech->units[3].start);
    EXPECT_EQ(speech->phonemes.front().symbol, "pau");
  }
}

TEST(FliteTest, AccentedSyllablesMarkTheirVowels) {
  auto speech = Flite().Synthesize("I really love the beautiful mountains of Japan", En("slt"));
  ASSERT_TRUE(speech.ok()) << speech.status();
  std::vector<std::string> accented;  // the words holding a nucleus
  for (const SpeechUnit& w : speech->units) {
    for (size_t i = w.first_phoneme; i < w.end_phoneme; ++i) {
      if (speech->phonemes[i].nucleus) accented.push_back(w.text);
    }
  }
  // Content words carry the accents; function words (the, of) do not.
  EXPECT_GE(accented.size(), 2u) << Texts(*speech);
  for (const std::string& w : accented) {
    EXPECT_NE(w, "the");
    EXPECT_NE(w, "of");
  }
}

TEST(FliteTest, PitchAndSpeedParameters) {
  for (const std::string voice : {"slt", "kal16"}) {
    auto base = Flite().Synthesize("The quick brown fox jumps over the lazy dog", En(voice));
    auto up = Flite().Synthesize("The quick brown fox jumps over the lazy dog", En(voice, 4));
    auto slow =
        Flite().Synthesize("The quick brown fox jumps over the lazy dog", En(voice, 0, 0.5));
    ASSERT_TRUE(base.ok() && up.ok() && slow.ok());
    auto p0 = EstimatePitch(base->audio);
    auto p1 = EstimatePitch(up->audio);
    ASSERT_TRUE(p0.ok() && p1.ok());
    EXPECT_NEAR(SemitonesBetween(p0->median_hz, p1->median_hz), 4, 1)
        << voice << ": " << p0->median_hz << " → " << p1->median_hz;
    EXPECT_NEAR(slow->duration_seconds() / base->duration_seconds(), 2.0, 0.3) << voice;
  }
}

}  // namespace
}  // namespace vmsg::speech
