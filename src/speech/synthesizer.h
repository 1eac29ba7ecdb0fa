// SpeechSynthesizer: one speech engine for one language, turning a short piece of cleaned
// text (no pause punctuation inside; the Speaker splits there) into Speech whose timings
// come from the engine itself. Two engines: Open JTalk (Japanese, a subprocess) and flite
// (English, linked).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "speech/speech.h"

namespace vmsg::speech {

// How one piece is spoken. Pitch and speed act inside the engine (Open JTalk's -fm and
// frame period -p, flite's f0 targets and duration_stretch), so the timings it reports
// stay exact.
struct SynthesisParams {
  std::string voice;               // engine voice name; see each factory
  double pitch_semitones = 0;      // added to the voice's own pitch
  double speed = 1;                // > 0; 2 is twice as fast
  std::optional<double> all_pass;  // Open JTalk's frequency warping (0..1); voice default if unset
  // Open JTalk's global-variance weight for log F0 (-jf, 0..2; 1 when unset): above 1 the
  // pitch contour swings wider around its mean, a livelier intonation; flite ignores it.
  std::optional<double> pitch_range;
};

class SpeechSynthesizer {
 public:
  virtual ~SpeechSynthesizer() = default;

  virtual Language language() const = 0;

  // The voice names Synthesize accepts.
  virtual std::vector<std::string> Voices() const = 0;

  // Speaks `text` (valid UTF-8, already cleaned). On success the Speech satisfies
  // CheckTimings, includes the engine's leading and trailing silence as pause phonemes, and
  // may be empty of units when the text held nothing speakable. Errors: InvalidArgument
  // for an unknown voice or out-of-range params; Unavailable when the engine cannot run
  // (binary, dictionary or voice missing); Internal when it fails or its output cannot be
  // parsed; DeadlineExceeded when a subprocess runs over its limit. Thread-safe.
  virtual Result<Speech> Synthesize(std::string_view text, const SynthesisParams& params) const = 0;
};

struct OpenJTalkConfig {
  std::filesystem::path binary = "/usr/bin/open_jtalk";
  std::filesystem::path dictionary = "/var/lib/mecab/dic/open-jtalk/naist-jdic";
  // Voice name → .htsvoice file. The default holds Debian's one Japanese voice.
  std::vector<std::pair<std::string, std::filesystem::path>> voices = {
      {"nitech_m001", "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice"}};
  // Where each call makes its private working directory (text, wav and trace files).
  std::filesystem::path temp_dir = std::filesystem::temp_directory_path();
  double timeout_seconds = 30;
};

// Open JTalk run as a subprocess with an argument vector (never a shell); the text goes
// through a file in a private temporary directory; timings come from its -ot trace. Fails
// with Unavailable when the binary, dictionary or a voice file is missing.
Result<std::unique_ptr<SpeechSynthesizer>> NewOpenJTalkSynthesizer(OpenJTalkConfig config = {});

// flite linked as a library, voices "slt" (female), "rms" (male), "awb" (male, Scottish),
// "kal" (male, diphone, 8 kHz) and "kal16" (the same at 16 kHz). Timings come from the
// utterance's Segment relation, words from its Word relation.
std::unique_ptr<SpeechSynthesizer> NewFliteSynthesizer();

}  // namespace vmsg::speech
