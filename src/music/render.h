// Renders a Score to audio in-process with FluidSynth and a General MIDI soundfont, as a
// seamless loop: the form is played twice and the second pass kept, so the release and
// reverb tails of the loop's end are already sounding under its start, exactly as they will
// when the track repeats.
#pragma once

#include <filesystem>

#include "audio/sound.h"
#include "base/result.h"
#include "music/score.h"

namespace vmsg::music {

// Debian's fluid-soundfont-gm (FluidR3 GM, MIT licence).
inline constexpr std::string_view kDefaultSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
// Stable refusal reason when the soundfont cannot be used.
inline constexpr std::string_view kSoundfontMissing = "soundfont_missing";

struct RenderOptions {
  std::filesystem::path soundfont = std::filesystem::path(kDefaultSoundfont);
  int sample_rate = 48000;
  // FluidSynth's master gain: low enough that a full arrangement does not clip before the
  // loudness normalisation that follows.
  double gain = 0.3;
};

// One loop of `score` as 32-bit float stereo at options.sample_rate; its length is the
// score's loop rounded to FluidSynth's 64-frame block, so every note of the second pass
// starts exactly one loop after its twin in the first. Errors: FailedPrecondition
// "soundfont_missing" naming the file when it does not exist or FluidSynth cannot load it;
// Internal when FluidSynth cannot be set up. Thread-safe (one synthesizer per call).
Result<audio::Sound> RenderLoop(const Score& score, const RenderOptions& options = {});

}  // namespace vmsg::music
