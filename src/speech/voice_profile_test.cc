// What every system voice sounds like, as numbers held in bands: median pitch, pitch range,
// formants against the male voice of its language, speaking rate, loudness and
// harmonics-to-noise ratio over ten ordinary messages (voice_profile.h). A change that moves
// a voice anywhere shows here; bench/voice prints the same figures and docs/voice.md has the
// table.
#include "speech/voice_profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "speech/pitch.h"
#include "speech/system_voices.h"

namespace vmsg::library {
namespace {

using speech::Language;

class VoiceProfileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto jtalk = speech::NewOpenJTalkSynthesizer();
    ASSERT_TRUE(jtalk.ok()) << jtalk.status();
    jtalk_ = std::move(jtalk).value().release();
    flite_ = speech::NewFliteSynthesizer().release();
  }
  static void TearDownTestSuite() {
    delete jtalk_;
    delete flite_;
  }

  // Each voice is measured once per run and printed, so a failure shows every figure.
  const VoiceProfile& Profile(const std::string& name, const speech::VoiceParams& params,
                              Language language,
                              speech::ProsodyPreset preset = speech::ProsodyPreset::kNeutral) {
    auto found = profiles_.find(name);
    if (found != profiles_.end()) return found->second;
    speech::Speaker speaker(jtalk_, flite_);
    Result<VoiceProfile> p = ProfileVoice(speaker, params, language, preset);
    EXPECT_TRUE(p.ok()) << p.status();
    VoiceProfile profile = p.ok() ? *p : VoiceProfile{};
    std::printf(
        "%-22s median %.1f Hz (p10 %.1f, p90 %.1f, range %.2f), HNR %.1f dB, %.2f/s, "
        "%.1f LUFS\n",
        name.c_str(), profile.median_pitch_hz, profile.p10_pitch_hz, profile.p90_pitch_hz,
        profile.pitch_range(), profile.hnr_db, profile.rate, profile.loudness_lufs);
    return profiles_.emplace(name, profile).first->second;
  }
  const VoiceProfile& DefaultMale() {
    return Profile("default_male", speech::DefaultMaleVoice(), Language::kJapanese);
  }
  const VoiceProfile& DefaultFemale() {
    return Profile("default_female", speech::DefaultFemaleVoice(), Language::kJapanese);
  }
  const VoiceProfile& EnglishMale() {
    return Profile("english_male", speech::EnglishMaleVoice(), Language::kEnglish);
  }
  const VoiceProfile& EnglishFemale() {
    return Profile("english_female", speech::EnglishFemaleVoice(), Language::kEnglish);
  }

  static FormantShift ShiftOf(const VoiceProfile& voice, const VoiceProfile& reference) {
    Result<FormantShift> shift = FormantShiftOf(voice, reference);
    EXPECT_TRUE(shift.ok()) << shift.status();
    if (!shift.ok()) return {};
    std::printf("formant shift over %zu vowels: F1 %+.1f %%, F2 %+.1f %%\n", shift->vowels,
                100 * (shift->f1 - 1), 100 * (shift->f2 - 1));
    return *shift;
  }

  static speech::SpeechSynthesizer* jtalk_;
  static speech::SpeechSynthesizer* flite_;
  static std::map<std::string, VoiceProfile> profiles_;
};

speech::SpeechSynthesizer* VoiceProfileTest::jtalk_ = nullptr;
speech::SpeechSynthesizer* VoiceProfileTest::flite_ = nullptr;
std::map<std::string, VoiceProfile> VoiceProfileTest::profiles_;

TEST_F(VoiceProfileTest, DefaultMaleIsTheHtsVoiceAsRecorded) {
  const VoiceProfile& p = DefaultMale();
  EXPECT_GE(p.median_pitch_hz, 120);
  EXPECT_LE(p.median_pitch_hz, 150);
  EXPECT_GE(p.pitch_range(), 1.5);
  EXPECT_LE(p.pitch_range(), 1.9);
  EXPECT_GE(p.rate, 7.0);  // morae per second: brisk, ordinary Japanese
  EXPECT_LE(p.rate, 9.0);
  EXPECT_GE(p.loudness_lufs, -24);
  EXPECT_LE(p.loudness_lufs, -17);
  EXPECT_GE(p.hnr_db, 9);
  EXPECT_LE(p.hnr_db, 15);
  // The five Japanese vowels are all measured, each in its textbook place for a man.
  ASSERT_EQ(p.vowels.size(), 5u);
  EXPECT_GT(p.vowels.at("a").f1_hz, p.vowels.at("i").f1_hz + 200);  // open against close
  EXPECT_GT(p.vowels.at("i").f2_hz, p.vowels.at("o").f2_hz + 800);  // front against back
}

TEST_F(VoiceProfileTest, DefaultFemaleIsHeardAsAWomansVoice) {
  const VoiceProfile& f = DefaultFemale();
  const VoiceProfile& m = DefaultMale();
  // Adult Japanese women speak around 220-250 Hz.
  EXPECT_GE(f.median_pitch_hz, 220);
  EXPECT_LE(f.median_pitch_hz, 245);
  EXPECT_GE(f.pitch_range(), 1.7);  // livelier than a flat read
  EXPECT_LE(f.pitch_range(), 2.1);  // and not sing-song
  // A shorter vocal tract: formants 12-22 % above the male voice's, vowel by vowel.
  const FormantShift shift = ShiftOf(f, m);
  EXPECT_EQ(shift.vowels, 5u);
  EXPECT_GE(shift.f1, 1.12);
  EXPECT_LE(shift.f1, 1.22);
  EXPECT_GE(shift.f2, 1.12);
  EXPECT_LE(shift.f2, 1.22);
  // The same words at the same pace and level.
  EXPECT_NEAR(f.rate, m.rate, 0.03 * m.rate);
  EXPECT_NEAR(f.loudness_lufs, m.loudness_lufs, 2);
}

// This engine's harmonics-to-noise ratio rises with pitch alone (the same voice moved up 10
// semitones measures about 4 dB more), so the retune's own effect on voice quality is
// measured against Default Male moved to the same pitch: its all-pass and intonation
// changes must add neither noise (lower) nor buzz (higher) beyond 2 dB.
TEST_F(VoiceProfileTest, DefaultFemaleAddsNoNoiseNorBuzzToTheEngine) {
  speech::VoiceParams raised = speech::DefaultMaleVoice();
  raised.pitch_semitones = speech::kDefaultFemalePitchSemitones;
  const VoiceProfile& same_pitch = Profile("default_male_raised", raised, Language::kJapanese);
  const VoiceProfile& f = DefaultFemale();
  EXPECT_NEAR(f.hnr_db, same_pitch.hnr_db, 2.0);
  EXPECT_NEAR(f.median_pitch_hz, same_pitch.median_pitch_hz, 0.03 * same_pitch.median_pitch_hz);
  EXPECT_GT(f.hnr_db, DefaultMale().hnr_db);  // the pitch effect itself, for the record
}

TEST_F(VoiceProfileTest, EnglishVoicesAreFlitesRecordedSpeakers) {
  const VoiceProfile& m = EnglishMale();
  const VoiceProfile& f = EnglishFemale();
  EXPECT_GE(m.median_pitch_hz, 90);
  EXPECT_LE(m.median_pitch_hz, 112);
  EXPECT_GE(m.pitch_range(), 1.3);
  EXPECT_LE(m.pitch_range(), 1.6);
  EXPECT_GE(f.median_pitch_hz, 160);
  EXPECT_LE(f.median_pitch_hz, 190);
  EXPECT_GE(f.pitch_range(), 1.1);
  EXPECT_LE(f.pitch_range(), 1.35);
  EXPECT_GE(speech::SemitonesBetween(m.median_pitch_hz, f.median_pitch_hz), 8);
  // Two real speakers: the woman's formants well above the man's.
  const FormantShift shift = ShiftOf(f, m);
  EXPECT_GE(shift.vowels, 10u);
  EXPECT_GE(shift.f1, 1.3);
  EXPECT_LE(shift.f1, 1.6);
  EXPECT_GE(shift.f2, 1.1);
  EXPECT_LE(shift.f2, 1.3);
  for (const VoiceProfile* p : {&m, &f}) {
    EXPECT_GE(p->rate, 3.8);  // syllables per second
    EXPECT_LE(p->rate, 5.0);
    EXPECT_GE(p->hnr_db, 11);
    EXPECT_LE(p->hnr_db, 23);
  }
  EXPECT_GE(m.loudness_lufs, -21);
  EXPECT_LE(m.loudness_lufs, -15);
  EXPECT_GE(f.loudness_lufs, -15);
  EXPECT_LE(f.loudness_lufs, -10);
}

// Presets move the new base as they move any voice: pitch by their shape's semitones, tempo
// by their factor, level by their energy; the vocal tract stays the female one.
TEST_F(VoiceProfileTest, PresetsActOnDefaultFemaleAsOnAnyVoice) {
  const VoiceProfile& neutral = DefaultFemale();
  for (speech::ProsodyPreset preset :
       {speech::ProsodyPreset::kCelebration, speech::ProsodyPreset::kCalm}) {
    SCOPED_TRACE(speech::PresetName(preset));
    const speech::PresetShape shape = speech::ShapeOf(preset);
    const VoiceProfile& p = Profile("default_female_" + std::string(speech::PresetName(preset)),
                                    speech::DefaultFemaleVoice(), Language::kJapanese, preset);
    EXPECT_NEAR(speech::SemitonesBetween(neutral.median_pitch_hz, p.median_pitch_hz),
                shape.pitch_semitones, 0.5);
    EXPECT_NEAR(p.rate / neutral.rate, shape.tempo, 0.04);
    EXPECT_NEAR(p.loudness_lufs - neutral.loudness_lufs, shape.energy_db, 1.0);
    const FormantShift shift = ShiftOf(p, neutral);
    EXPECT_NEAR(shift.f1, 1, 0.04);
    EXPECT_NEAR(shift.f2, 1, 0.04);
  }
}

// Where the Speaker joins phrases (engine silence trimmed, measured pauses inserted), the
// waveform steps no more than quiet speech does (measured: at most 0.004 of full scale,
// where the speech's own largest step is 0.04-0.14): a click would be a jump there.
TEST_F(VoiceProfileTest, DefaultFemalePhraseJoinsHaveNoClicks) {
  speech::Speaker speaker(jtalk_, flite_);
  speech::ProsodyParams neutral;
  neutral.preset = speech::ProsodyPreset::kNeutral;
  size_t joins = 0;
  for (std::string_view text : ProfileMessages(Language::kJapanese)) {
    auto m = speaker.Synthesize(text, speech::DefaultFemaleVoice(), neutral);
    ASSERT_TRUE(m.ok()) << m.status();
    const std::vector<float>& x = m->speech.audio.samples;
    const double rate = m->speech.audio.sample_rate;
    auto largest_step = [&](double from, double to) {
      double step = 0;
      const auto begin = static_cast<size_t>(std::max(1.0, from * rate));
      const auto end = std::min(x.size(), static_cast<size_t>(to * rate));
      for (size_t i = begin; i < end; ++i) step = std::max(step, std::abs(double(x[i] - x[i - 1])));
      return step;
    };
    const double loudest_step = largest_step(0, m->speech.audio.duration_seconds());
    ASSERT_GT(loudest_step, 0.03) << text;  // speech itself steps 0.04-0.14 at 48 kHz
    for (const speech::Phrase& p : m->phrases) {
      if (p.pause_end - p.end < 0.01) continue;
      ++joins;
      EXPECT_LT(largest_step(p.end - 0.002, p.end + 0.002), 0.01) << text << " ends " << p.end;
      EXPECT_LT(largest_step(p.pause_end - 0.002, p.pause_end + 0.002), 0.01)
          << text << " resumes " << p.pause_end;
    }
  }
  EXPECT_GE(joins, 10u);
}

TEST(VoiceProfileMeasureTest, RefusesNothingToMeasure) {
  EXPECT_EQ(MeasureVoiceProfile({}).status().reason(), "no_voiced_audio");
  speech::Speech silence;
  silence.audio.sample_rate = 24000;
  silence.audio.samples.assign(24000, 0.0f);
  silence.phonemes.push_back({std::string(speech::kPauseSymbol), 0, 1});
  EXPECT_EQ(MeasureVoiceProfile({&silence, 1}).status().reason(), "no_voiced_audio");
  VoiceProfile a, b;
  a.vowels["a"] = {700, 1200, 20};
  b.vowels["i"] = {300, 2000, 20};
  EXPECT_EQ(FormantShiftOf(a, b).status().reason(), "no_common_vowels");
}

}  // namespace
}  // namespace vmsg::library
