// The music mix (pipeline step 7): speech over a looped, ducked, faded music bed, the
// whole normalised to broadcast loudness. Times and levels are in MixOptions; docs/audio.md
// explains the numbers.
#pragma once

#include <vector>

#include "audio/loudness.h"
#include "audio/sound.h"
#include "base/result.h"
#include "base/status.h"
#include "speech/speech.h"

namespace vmsg::audio {

struct MixOptions {
  int sample_rate = 48000;              // of the stereo output
  double lead_seconds = 1.0;            // music alone before the speech starts
  double tail_seconds = 1.5;            // music alone after the speech ends
  double fade_in_seconds = 0.5;         // music fade at the start (raised cosine)
  double fade_out_seconds = 2.0;        // music fade at the end (raised cosine)
  double loop_crossfade_seconds = 0.5;  // at each loop point (equal power)
  // The music's level where it plays alone, relative to the speech's integrated loudness.
  double music_bed_db = -6.0;
  double duck_db = 10.0;              // how far the music drops while speech is active
  double duck_attack_seconds = 0.08;  // the drop, finished as the speech starts
  double duck_release_seconds = 0.4;  // the return, starting as the speech stops
  // Speech over music, per stretch of speech activity (RMS over the stretch): ducking
  // deepens where the music would come closer than this.
  double min_speech_over_music_db = 12.0;
  // Pauses shorter than this do not let the music back up (it would pump between words).
  double activity_merge_gap_seconds = 0.5;
  NormalizeOptions loudness;  // the whole mix: -14 LUFS, <= -1 dBTP

  // InvalidArgument "invalid_mix_options" naming the first bad field.
  Status Validate() const;
};

// The shortest music accepted: a loop shorter than this would repeat audibly.
inline constexpr double kMinMusicSeconds = 2.0;

// A stretch [start, end) in seconds of the speech audio where speech is active.
struct Span {
  double start = 0;
  double end = 0;
};

// Where `speech` is speaking: its non-pause phonemes when it has timings, else where its
// envelope is within kActivityRangeDb of its loudest 10 ms; gaps shorter than `merge_gap`
// are closed. Sorted, disjoint.
inline constexpr double kActivityRangeDb = 35.0;
std::vector<Span> SpeechActivity(const speech::Speech& speech, double merge_gap);

// `music` repeated to exactly `frames` frames; each repeat is joined by an equal-power
// crossfade of `crossfade_seconds` (shortened to a quarter of the music when longer) between
// the music's end and its start, so the loop point has no click. Music longer than needed
// is cut.
Sound LoopMusic(const Sound& music, size_t frames, double crossfade_seconds);

struct MixResult {
  Sound mix;  // stereo at options.sample_rate, normalised
  // The two buses after every gain the mix applied (the sum of the two is `mix`), kept so
  // the speech-over-music ratio can be measured; the music bus is silent without music.
  Sound speech_bus;
  Sound music_bus;
  std::vector<Span> activity;  // in output seconds
  double speech_start = 0;     // where the speech audio starts in the output (seconds)
  double music_gain_db = 0;    // applied to the music before ducking and normalisation
  // Lowest speech-over-music ratio over the activity spans (dB); +infinity without music.
  double min_speech_over_music_db = 0;
  Loudness loudness;  // of `mix`
};

// Mixes `speech` (any rate, mono) over `music` (any rate, mono or stereo; null for "no
// music") into stereo at options.sample_rate: lead_seconds of music, the speech, then
// tail_seconds, so the output lasts speech + lead + tail. Errors: the options'
// (invalid_mix_options), InvalidArgument "speech_empty" for no speech samples or a silent
// speech, InvalidArgument "music_too_short" under kMinMusicSeconds, conversion errors.
Result<MixResult> Mix(const speech::Speech& speech, const Sound* music,
                      const MixOptions& options = {});

}  // namespace vmsg::audio
