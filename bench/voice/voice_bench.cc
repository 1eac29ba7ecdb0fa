// bench/voice: real-time factor (synthesis wall time / audio duration) of a 100-character
// message spoken through the Speaker — text cleaning, punctuation pauses, the engine and
// prosody — in Japanese (Open JTalk subprocesses) and English (flite). Goal: ≤ 0.1.
// Then every system voice's profile (pitch, range, formant shift, HNR, rate, loudness).
// Usage: voice_bench [rounds] [--wav-dir DIR]; prints one line per language with the median
// of the rounds, then the profiles.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "speech/pitch.h"
#include "speech/speaker.h"
#include "speech/system_voices.h"
#include "speech/text.h"
#include "speech/voice_profile.h"

namespace vmsg::speech {
namespace {

constexpr int kDefaultRounds = 5;
constexpr double kGoalRealTimeFactor = 0.1;

// 100 characters each, with the punctuation a real message has.
const char* const kJapanese =
    "お誕生日おめでとうございます！今年も素敵な一年になりますように。い"
    "つも優しくしてくれて本当にありがとう。これからもよろしくね。来月は"
    "一緒に旅行に行こう、楽しみにしています。写真もたくさん撮りたいです。";
const char* const kEnglish =
    "Happy birthday, Ann! I hope this year brings you joy. Thank you for always bein"
    "g so kind to me. Bye.";

struct Figures {
  double rtf = 0;
  double wall = 0;
  double audio = 0;
};

int Run(const Speaker& speaker, const char* name, const std::string& text, const VoiceParams& voice,
        int rounds, Figures& out) {
  std::vector<Figures> runs;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto m = speaker.Synthesize(text, voice, ProsodyParams{});
    const auto t1 = std::chrono::steady_clock::now();
    if (!m.ok()) {
      std::fprintf(stderr, "%s: %s\n", name, m.status().ToString().c_str());
      return 1;
    }
    Figures f;
    f.wall = std::chrono::duration<double>(t1 - t0).count();
    f.audio = m->speech.duration_seconds();
    f.rtf = f.wall / f.audio;
    runs.push_back(f);
  }
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.rtf < b.rtf; });
  out = runs[runs.size() / 2];
  std::printf("%-8s %3zu chars  audio %6.2f s  wall %6.3f s  RTF %.4f  (goal <= %.2f: %s)\n", name,
              CountChars(text), out.audio, out.wall, out.rtf, kGoalRealTimeFactor,
              out.rtf <= kGoalRealTimeFactor ? "met" : "MISSED");
  return 0;
}

// Every system voice's profile over the ten profile messages of its language: the figures
// the voice profile test holds in bands (speech/voice_profile_test.cc) and docs/voice.md
// tabulates. Formant shifts are against the male voice of the same language; Default Male
// moved to Default Female's pitch is the reference her harmonics-to-noise ratio is held to.
// With `wav_dir`, each voice's first message is written there as {id}.wav (the
// spectrograms in docs/voice.md are drawn from them).
int ReportProfiles(const Speaker& speaker, const char* wav_dir) {
  VoiceParams raised = DefaultMaleVoice();
  raised.pitch_semitones = kDefaultFemalePitchSemitones;
  const struct {
    const char* id;
    const char* name;
    VoiceParams voice;
    Language language;
    bool reference;  // the male voice the next rows' formants are compared with
  } voices[] = {
      {"default_male", "Default Male", DefaultMaleVoice(), Language::kJapanese, true},
      {"default_female", "Default Female", DefaultFemaleVoice(), Language::kJapanese, false},
      {"default_male_raised", "Male +9.8 st", raised, Language::kJapanese, false},
      {"english_male", "English Male", EnglishMaleVoice(), Language::kEnglish, true},
      {"english_female", "English Female", EnglishFemaleVoice(), Language::kEnglish, false},
  };
  std::printf(
      "\nvoice profiles (10 messages each, neutral prosody):\n"
      "%-15s %8s %7s %7s %6s %7s %7s %7s %11s %6s\n",
      "voice", "median", "p10", "p90", "range", "F1", "F2", "HNR", "rate", "LUFS");
  std::optional<library::VoiceProfile> male;
  for (const auto& v : voices) {
    auto p = library::ProfileVoice(speaker, v.voice, v.language);
    if (!p.ok()) {
      std::fprintf(stderr, "%s: %s\n", v.name, p.status().ToString().c_str());
      return 1;
    }
    if (v.reference) male = *p;
    auto shift = library::FormantShiftOf(*p, *male);
    std::printf("%-15s %5.1f Hz %7.1f %7.1f %6.2f %+6.1f%% %+6.1f%% %4.1f dB %4.2f %s/s %6.1f\n",
                v.name, p->median_pitch_hz, p->p10_pitch_hz, p->p90_pitch_hz, p->pitch_range(),
                shift.ok() ? 100 * (shift->f1 - 1) : 0.0, shift.ok() ? 100 * (shift->f2 - 1) : 0.0,
                p->hnr_db, p->rate, v.language == Language::kJapanese ? "mora" : "syll",
                p->loudness_lufs);
    std::printf("%-15s %+5.1f st vs the male voice; F1/F2 by vowel:", "",
                SemitonesBetween(male->median_pitch_hz, p->median_pitch_hz));
    for (const auto& [symbol, f] : p->vowels) {
      if (f.frames >= library::kMinVowelFrames) {
        std::printf(" %s %.0f/%.0f", symbol.c_str(), f.f1_hz, f.f2_hz);
      }
    }
    std::printf("\n");
    if (wav_dir != nullptr) {
      ProsodyParams neutral;
      neutral.preset = ProsodyPreset::kNeutral;
      auto m = speaker.Synthesize(library::ProfileMessages(v.language).front(), v.voice, neutral);
      const std::string path = std::string(wav_dir) + "/" + v.id + ".wav";
      if (!m.ok() || !WriteWavFile(path, m->speech.audio).ok()) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace vmsg::speech

int main(int argc, char** argv) {
  using namespace vmsg::speech;
  int rounds = kDefaultRounds;
  const char* wav_dir = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--wav-dir" && i + 1 < argc) {
      wav_dir = argv[++i];
    } else if (!arg.empty() && std::isdigit(static_cast<unsigned char>(arg[0]))) {
      rounds = std::max(1, std::atoi(arg.c_str()));
    } else {
      std::fprintf(stderr, "usage: voice_bench [rounds] [--wav-dir DIR]\n");
      return 2;
    }
  }
  auto jtalk = NewOpenJTalkSynthesizer();
  if (!jtalk.ok()) {
    std::fprintf(stderr, "%s\n", jtalk.status().ToString().c_str());
    return 1;
  }
  auto flite = NewFliteSynthesizer();
  Speaker speaker(jtalk->get(), flite.get());
  Figures ja, en;
  std::printf("bench/voice: median of %d rounds, synthesis + prosody\n", rounds);
  if (Run(speaker, "japanese", kJapanese, DefaultMaleVoice(), rounds, ja) != 0) return 1;
  if (Run(speaker, "english", kEnglish, EnglishFemaleVoice(), rounds, en) != 0) return 1;
  return ReportProfiles(speaker, wav_dir);
}
