// A voice's measured profile: what a listener hears of a voice, as numbers. Pitch (median
// and range), the vocal tract's length (LPC formants per vowel, compared with another
// voice's on the same vowels), speaking rate, loudness and voice quality (harmonics-to-noise
// ratio), over a set of ordinary messages. The voice profile test holds every system voice
// inside stated bands with it and bench/voice prints it; docs/voice.md has the table.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "speech/speaker.h"
#include "speech/speech.h"

namespace vmsg::library {

// F1 and F2 medians over the steady middle of one vowel's occurrences.
struct VowelFormants {
  double f1_hz = 0;
  double f2_hz = 0;
  size_t frames = 0;
};

struct VoiceProfile {
  double median_pitch_hz = 0;
  double p10_pitch_hz = 0;
  double p90_pitch_hz = 0;
  // By the engine's vowel symbol ("a" … "o" for Open JTalk, CMU's "aa" … "uw" for flite);
  // devoiced vowels are left out.
  std::map<std::string, VowelFormants> vowels;
  double hnr_db = 0;  // median harmonics-to-noise ratio of voiced vowel frames
  // Morae (Japanese) or syllables (English: vowel phones) per second of speaking time,
  // pauses left out.
  double rate = 0;
  double loudness_lufs = 0;  // integrated (EBU R128) over all the messages
  double speaking_seconds = 0;

  double pitch_range() const { return p10_pitch_hz > 0 ? p90_pitch_hz / p10_pitch_hz : 0; }
};

// How much higher a voice's formants are than a reference voice's: for F1 and for F2, the
// mean over the vowels both have at least `kMinVowelFrames` frames of, of the ratio of
// their medians (1.15: 15 % higher). Comparing vowel by vowel keeps the mix of front and
// back vowels out of the figure.
struct FormantShift {
  double f1 = 1;
  double f2 = 1;
  size_t vowels = 0;  // how many vowels the means are over
};

inline constexpr size_t kMinVowelFrames = 8;

// FailedPrecondition "no_common_vowels" when the two share no vowel with enough frames.
Result<FormantShift> FormantShiftOf(const VoiceProfile& voice, const VoiceProfile& reference);

// Measures spoken messages (each a Speech with its phoneme timings). InvalidArgument
// "no_voiced_audio" when nothing in them is voiced.
Result<VoiceProfile> MeasureVoiceProfile(std::span<const speech::Speech> messages);

// Ten ordinary messages of the kind people send, in the language.
std::span<const std::string_view> ProfileMessages(speech::Language language);

// Speaks ProfileMessages(language) with `voice` and `preset` and measures them.
Result<VoiceProfile> ProfileVoice(const speech::Speaker& speaker, const speech::VoiceParams& voice,
                                  speech::Language language,
                                  speech::ProsodyPreset preset = speech::ProsodyPreset::kNeutral);

}  // namespace vmsg::library
