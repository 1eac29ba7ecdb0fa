// Whole messages through the Speaker with both real engines: timings that cover the audio,
// real silence at punctuation (measured in the samples), refusals and prosody carried into
// the audio. What each system voice sounds like is speech/voice_profile_test.cc's.
#include "speech/speaker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "speech/pitch.h"
#include "speech/system_voices.h"

namespace vmsg::speech {
namespace {

// Samples quieter than this RMS (-50 dBFS) count as silence.
constexpr double kSilenceRms = 0.00316;

class SpeakerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto jtalk = NewOpenJTalkSynthesizer();
    ASSERT_TRUE(jtalk.ok()) << jtalk.status();
    jtalk_ = std::move(jtalk).value().release();
    flite_ = NewFliteSynthesizer().release();
  }
  static void TearDownTestSuite() {
    delete jtalk_;
    delete flite_;
  }

  Speaker speaker_{jtalk_, flite_};
  static SpeechSynthesizer* jtalk_;
  static SpeechSynthesizer* flite_;
};

SpeechSynthesizer* SpeakerTest::jtalk_ = nullptr;
SpeechSynthesizer* SpeakerTest::flite_ = nullptr;

ProsodyParams Neutral() {
  ProsodyParams p;
  p.preset = ProsodyPreset::kNeutral;
  return p;
}

double SpanRms(const Speech& s, double start, double end) {
  return Rms(s.audio, static_cast<size_t>(start * s.audio.sample_rate),
             static_cast<size_t>(end * s.audio.sample_rate));
}

// Every phrase ending in `mark` is followed by at least `min_seconds` of measured silence.
void ExpectSilenceAfter(const SpokenMessage& m, char32_t mark, double min_seconds, int count) {
  int seen = 0;
  for (const Phrase& p : m.phrases) {
    if (p.pause_mark != mark) continue;
    ++seen;
    EXPECT_GE(p.pause_end - p.end, min_seconds) << p.text;
    EXPECT_LT(SpanRms(m.speech, p.end, p.pause_end), kSilenceRms) << p.text;
    EXPECT_GT(SpanRms(m.speech, p.start, p.end), 10 * kSilenceRms) << p.text << " is spoken";
  }
  EXPECT_EQ(seen, count);
}

TEST_F(SpeakerTest, JapaneseSentenceTimingsAndPauses) {
  auto m = speaker_.Synthesize("今日は、とても良い天気です。明日も晴れるでしょう。散歩に行こうね！",
                               DefaultMaleVoice(), ProsodyParams{});
  ASSERT_TRUE(m.ok()) << m.status();
  const Speech& s = m->speech;
  EXPECT_EQ(s.language, Language::kJapanese);
  EXPECT_EQ(m->preset, ProsodyPreset::kNeutral);
  ASSERT_TRUE(CheckTimings(s).ok()) << CheckTimings(s);  // monotonic, contiguous, 0 → end
  EXPECT_NEAR(s.phonemes.back().end, s.duration_seconds(), 1e-9);
  ASSERT_EQ(m->phrases.size(), 4u);
  ExpectSilenceAfter(*m, U'。', 0.45, 2);
  ExpectSilenceAfter(*m, U'、', 0.25, 1);
  ExpectSilenceAfter(*m, '!', 0.55, 1);
  // Units (moras) lie inside phrases, in order, each with a mouth shape.
  EXPECT_GT(s.units.size(), 30u);
  for (const SpeechUnit& u : s.units) {
    EXPECT_FALSE(u.text.empty());
    EXPECT_LE(u.start, u.end);
  }
  // Words (morphemes) across the pieces, in order, for karaoke.
  ASSERT_GE(s.words.size(), 10u);
  EXPECT_EQ(s.words[0].text, "今日");
  EXPECT_EQ(s.words.back().text, "ね");
  // The whole message is one WAV file away.
  auto wav = audio::DecodeWav(EncodeWav(s.audio));
  ASSERT_TRUE(wav.ok());
  EXPECT_EQ(wav->samples.size(), s.audio.samples.size());
}

TEST_F(SpeakerTest, EnglishSentenceWordsAndPauses) {
  auto m = speaker_.Synthesize("Hello Anna, the weather is lovely today. Shall we walk? Yes!",
                               EnglishFemaleVoice(), ProsodyParams{});
  ASSERT_TRUE(m.ok()) << m.status();
  const Speech& s = m->speech;
  EXPECT_EQ(s.language, Language::kEnglish);
  ASSERT_TRUE(CheckTimings(s).ok()) << CheckTimings(s);
  std::vector<std::string> words;
  for (const auto& u : s.units) words.push_back(u.text);
  EXPECT_EQ(words, (std::vector<std::string>{"hello", "anna", "the", "weather", "is", "lovely",
                                             "today", "shall", "we", "walk", "yes"}));
  ExpectSilenceAfter(*m, '.', 0.45, 1);
  ExpectSilenceAfter(*m, ',', 0.25, 1);
  ExpectSilenceAfter(*m, '?', 0.45, 1);
}

// The phonemes marked as a question's last vowel, with the unit (mora or word) holding each.
std::vector<std::string> QuestionUnits(const Speech& s) {
  std::vector<std::string> out;
  for (const SpeechUnit& u : s.units) {
    for (size_t i = u.first_phoneme; i < u.end_phoneme; ++i) {
      if (s.phonemes[i].question) out.push_back(u.text + ":" + s.phonemes[i].symbol);
    }
  }
  return out;
}

TEST_F(SpeakerTest, AQuestionMarksItsLastVowel) {
  auto ja =
      speaker_.Synthesize("元気ですか？今日は晴れです。", DefaultMaleVoice(), ProsodyParams{});
  auto en =
      speaker_.Synthesize("Shall we walk? Yes, today.", EnglishFemaleVoice(), ProsodyParams{});
  auto none = speaker_.Synthesize("今日は晴れです。", DefaultMaleVoice(), ProsodyParams{});
  ASSERT_TRUE(ja.ok() && en.ok() && none.ok());
  EXPECT_EQ(QuestionUnits(ja->speech), (std::vector<std::string>{"カ:a"}));
  EXPECT_EQ(QuestionUnits(en->speech), (std::vector<std::string>{"walk:ao"}));
  EXPECT_TRUE(QuestionUnits(none->speech).empty());
}

TEST_F(SpeakerTest, LanguageFollowsScriptWhenTheVoiceHasBoth) {
  auto en = speaker_.Synthesize("Good morning", DefaultFemaleVoice(), Neutral());
  auto ja = speaker_.Synthesize("おはよう", DefaultFemaleVoice(), Neutral());
  ASSERT_TRUE(en.ok() && ja.ok());
  EXPECT_EQ(en->speech.language, Language::kEnglish);
  EXPECT_EQ(ja->speech.language, Language::kJapanese);
  // A Japanese-only voice reads Latin letters with Open JTalk.
  auto ja_only = speaker_.Synthesize("Good morning", {"nitech_m001", "", 0, 1, {}}, Neutral());
  ASSERT_TRUE(ja_only.ok());
  EXPECT_EQ(ja_only->speech.language, Language::kJapanese);
}

TEST_F(SpeakerTest, ShellMetacharactersAreSpokenAndRunNothing) {
  const std::filesystem::path marker = std::filesystem::temp_directory_path() / "vmsg_speaker_x";
  std::filesystem::remove(marker);
  const std::string m = marker.string();
  auto spoken = speaker_.Synthesize(
      "こんにちは $(touch " + m + ") `touch " + m + "` \"; touch " + m + "; 'quoted'",
      DefaultMaleVoice(), Neutral());
  ASSERT_TRUE(spoken.ok()) << spoken.status();
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_GT(spoken->speech.units.size(), 20u);
}

TEST_F(SpeakerTest, RefusalCodes) {
  auto reason = [&](std::string_view text, const ProsodyParams& p) {
    auto r = speaker_.Synthesize(text, DefaultMaleVoice(), p);
    return r.ok() ? std::string("ok") : r.status().reason() + ": " + r.status().message();
  };
  EXPECT_EQ(reason("abc\xFF", {}).substr(0, 12), "invalid_text");
  EXPECT_EQ(reason(std::string(201, 'a'), {}).substr(0, 13), "text_too_long");
  EXPECT_EQ(reason("🎉🎉", {}).substr(0, 10), "text_empty");
  EXPECT_EQ(reason("はい", {std::nullopt, 3.0, 0, 0}),
            "invalid_prosody: speed must be a "
            "number from 0.500000 to 2.000000, got "
            "3.000000");
  EXPECT_EQ(reason("はい", {std::nullopt, 1, 7, 0}).substr(0, 22), "invalid_prosody: pitch");
  EXPECT_EQ(reason("はい", {std::nullopt, 1, 0, -13}).substr(0, 23), "invalid_prosody: volume");
  // An English-only voice has no reading for Japanese script.
  auto mismatch = speaker_.Synthesize("こんにちは、世界", EnglishMaleVoice(), {});
  EXPECT_EQ(mismatch.status().reason(), "text_empty") << mismatch.status();
  auto unknown = speaker_.Synthesize("はい", {"no_such_voice", "", 0, 1, {}}, {});
  EXPECT_EQ(unknown.status().reason(), "unknown_voice");
  Speaker english_only(nullptr, flite_);
  EXPECT_EQ(english_only.Synthesize("はい", DefaultMaleVoice(), {}).status().code(),
            StatusCode::kUnavailable);
}

TEST_F(SpeakerTest, PresetChosenFromTheMessage) {
  auto m = speaker_.Synthesize("お誕生日おめでとう！", DefaultMaleVoice(), {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->preset, ProsodyPreset::kCelebration);
  auto named = speaker_.Synthesize("お誕生日おめでとう！", DefaultMaleVoice(),
                                   {ProsodyPreset::kCalm, 1, 0, 0});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->preset, ProsodyPreset::kCalm);
  // Calm is slower than celebration for the same words.
  EXPECT_GT(named->phrases[0].end - named->phrases[0].start,
            m->phrases[0].end - m->phrases[0].start);
}

TEST_F(SpeakerTest, UserPitchShiftRaisesMeasuredPitch) {
  const std::string text = "わたしはきょうもげんきにがっこうへいきます";
  auto base = speaker_.Synthesize(text, DefaultMaleVoice(), Neutral());
  ProsodyParams up = Neutral();
  up.pitch_semitones = 4;
  auto raised = speaker_.Synthesize(text, DefaultMaleVoice(), up);
  ASSERT_TRUE(base.ok() && raised.ok());
  auto p0 = EstimatePitch(base->speech.audio);
  auto p1 = EstimatePitch(raised->speech.audio);
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_NEAR(SemitonesBetween(p0->median_hz, p1->median_hz), 4, 1)
      << p0->median_hz << " Hz → " << p1->median_hz << " Hz";
}

TEST_F(SpeakerTest, SpeedAndVolumeCarryTimings) {
  const std::string text = "ゆっくり、はなしてください。";
  auto base = speaker_.Synthesize(text, DefaultMaleVoice(), Neutral());
  ProsodyParams changed = Neutral();
  changed.speed = 2.0;
  changed.volume_db = -6;
  auto fast = speaker_.Synthesize(text, DefaultMaleVoice(), changed);
  ASSERT_TRUE(base.ok() && fast.ok());
  ASSERT_TRUE(CheckTimings(fast->speech).ok());
  EXPECT_NEAR(base->speech.duration_seconds() / fast->speech.duration_seconds(), 2.0, 0.25);
  // Time compression keeps the level of the sound; the volume change is what moves it.
  const Phrase& b = base->phrases[0];
  const Phrase& f = fast->phrases[0];
  EXPECT_NEAR(20 * std::log10(SpanRms(fast->speech, f.start, f.end) /
                              SpanRms(base->speech, b.start, b.end)),
              -6, 1);
  // The comma pause halves with the speed.
  EXPECT_NEAR(fast->phrases[0].pause_end - fast->phrases[0].end,
              (base->phrases[0].pause_end - base->phrases[0].end) / 2, 0.03);
}

TEST_F(SpeakerTest, ConcurrentCallsGiveTheSameResultAsSerialOnes) {
  const std::vector<std::pair<std::string, VoiceParams>> jobs = {
      {"今日は、いい天気ですね。", DefaultMaleVoice()},
      {"ありがとう！", DefaultFemaleVoice()},
      {"See you soon, Anna.", EnglishFemaleVoice()},
      {"Good luck tomorrow!", EnglishMaleVoice()},
  };
  std::vector<std::vector<float>> serial;
  for (const auto& [text, voice] : jobs) {
    auto m = speaker_.Synthesize(text, voice, {});
    ASSERT_TRUE(m.ok()) << m.status();
    serial.push_back(m->speech.audio.samples);
  }
  std::vector<std::vector<float>> parallel(jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      auto m = speaker_.Synthesize(jobs[i].first, jobs[i].second, {});
      if (m.ok()) parallel[i] = m->speech.audio.samples;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(parallel[i], serial[i]) << jobs[i].first;
}

}  // namespace
}  // namespace vmsg::speech
