// bench/voice: real-time factor (synthesis wall time / audio duration) of a 100-character
// message spoken through the Speaker — text cleaning, punctuation pauses, the engine and
// prosody — in Japanese (Open JTalk subprocesses) and English (flite). Goal: ≤ 0.1.
// Usage: voice_bench [rounds]; prints one line per language with the median of the rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "voice/pitch.h"
#include "voice/speaker.h"
#include "voice/system_voices.h"
#include "voice/text.h"

namespace vmsg::voice {
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

// The measured median pitch of each system voice speaking the same message: the figures
// voice matching starts from, and the check that Default Female sits well above Default Male.
void ReportPitch(const Speaker& speaker) {
  const struct {
    const char* name;
    VoiceParams voice;
    const char* text;
  } voices[] = {
      {"Default Male", DefaultMaleVoice(), kJapanese},
      {"Default Female", DefaultFemaleVoice(), kJapanese},
      {"English Male", EnglishMaleVoice(), kEnglish},
      {"English Female", EnglishFemaleVoice(), kEnglish},
  };
  double male_hz = 0;
  for (const auto& v : voices) {
    ProsodyParams neutral;
    neutral.preset = ProsodyPreset::kNeutral;
    auto m = speaker.Synthesize(v.text, v.voice, neutral);
    if (!m.ok()) continue;
    auto p = EstimatePitch(m->speech.audio);
    if (!p.ok()) continue;
    if (male_hz == 0) male_hz = p->median_hz;
    std::printf("%-15s median %6.1f Hz (p10 %6.1f, p90 %6.1f)  %+5.1f st vs Default Male\n", v.name,
                p->median_hz, p->p10_hz, p->p90_hz, SemitonesBetween(male_hz, p->median_hz));
  }
}

}  // namespace
}  // namespace vmsg::voice

int main(int argc, char** argv) {
  using namespace vmsg::voice;
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : kDefaultRounds;
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
  ReportPitch(speaker);
  return 0;
}
