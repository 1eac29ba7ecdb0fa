// Scores of the system music: a small JSON format (assets/music/*.json, described in
// docs/audio.md) parsed into timed notes for the synthesizer. A score names its instruments
// (General MIDI programs, channel 9 for drums), its sections (bars, chord symbols and one
// line per instrument: written notes, or a one-bar rhythm grid that plays the section's
// chords as a pad, an arpeggio, a bass line or a drum pattern) and the form (the order the
// sections play in). One pass through the form is one loop of the track.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::music {

// The General MIDI channel of the drum kit (channel 10 counted from 1).
inline constexpr int kDrumChannel = 9;
inline constexpr int kMidiChannels = 16;
// Limits that keep a score file from asking for absurd work.
inline constexpr int kMaxSections = 32;
inline constexpr int kMaxFormLength = 64;
inline constexpr int kMaxBarsPerSection = 64;
inline constexpr double kMinScoreBpm = 30;
inline constexpr double kMaxScoreBpm = 240;

struct Instrument {
  std::string name;
  int channel = 0;   // 0..15; kDrumChannel plays the GM drum kit
  int program = 0;   // General MIDI program 0..127 (ignored on the drum channel)
  int volume = 100;  // CC 7
  int pan = 64;      // CC 10: 0 left, 64 centre, 127 right
  int reverb = 40;   // CC 91 send
};

struct Note {
  double beat = 0;    // onset in beats from the start of the loop
  double length = 0;  // in beats
  int channel = 0;
  int key = 60;  // MIDI key, 60 = C4
  int velocity = 90;
};

struct Score {
  std::string id;
  std::string name;
  std::string mood;
  std::string genre;
  std::string description;
  double bpm = 120;
  int beats_per_bar = 4;
  std::vector<Instrument> instruments;
  std::vector<Note> notes;  // one loop, sorted by onset
  double loop_beats = 0;    // the length of one loop

  double loop_seconds() const { return loop_beats * 60.0 / bpm; }
};

// Parses a score. InvalidArgument (reason "invalid_score") naming the section, part and
// token at fault for anything malformed: unknown fields, a bad note or chord symbol, a bar
// whose notes do not add up to beats_per_bar, a part for an undeclared instrument.
Result<Score> ParseScore(std::string_view json_text);

// The MIDI key of a note name ("c4" = 60, "f#3", "bb5"); nullopt-like error for others.
Result<int> ParseNoteName(std::string_view name);

}  // namespace vmsg::music
