// Score parsing: instruments, sections (chords, written lines, rhythm grids) and the form.
#include "music/score.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "base/json.h"

namespace vmsg::music {
namespace {

constexpr std::string_view kReason = "invalid_score";
// Written notes sound slightly shorter than written so repeated keys re-articulate.
constexpr double kLegato = 0.92;
// Grid accents: 'X' louder, 'o' softer than the part's velocity.
constexpr int kAccent = 22;
constexpr int kGhost = 30;
constexpr int kDefaultVelocity = 90;
// How far apart a bar's beats may be from beats_per_bar before it counts as wrong
// (durations like 1/3 do not add up exactly in floating point).
constexpr double kBeatEpsilon = 1e-6;

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("score: " + where + ": " + what, std::string(kReason));
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

int Clamp(int v, int lo, int hi) { return std::max(lo, std::min(hi, v)); }

// Pitch class of a letter with an optional '#' or 'b' ("C", "f#", "Bb"); -1 if none.
int PitchClass(std::string_view text, size_t& used) {
  static constexpr std::array<int, 7> kLetters = {9, 11, 0, 2, 4, 5, 7};  // a..g
  if (text.empty()) return -1;
  const char letter = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  if (letter < 'a' || letter > 'g') return -1;
  int pc = kLetters[letter - 'a'];
  used = 1;
  if (text.size() > 1 && (text[1] == '#' || text[1] == 'b')) {
    pc += text[1] == '#' ? 1 : -1;
    used = 2;
  }
  return (pc + 12) % 12;
}

struct Chord {
  int root = 0;                // pitch class
  int bass = 0;                // pitch class of the bass note (the root unless a slash chord)
  std::vector<int> intervals;  // semitones above the root, starting with 0
};

Result<Chord> ParseChord(std::string_view symbol) {
  static const std::map<std::string, std::vector<int>, std::less<>> kQualities = {
      {"", {0, 4, 7}},          {"m", {0, 3, 7}},         {"7", {0, 4, 7, 10}},
      {"maj7", {0, 4, 7, 11}},  {"m7", {0, 3, 7, 10}},    {"sus2", {0, 2, 7}},
      {"sus4", {0, 5, 7}},      {"dim", {0, 3, 6}},       {"aug", {0, 4, 8}},
      {"6", {0, 4, 7, 9}},      {"m6", {0, 3, 7, 9}},     {"add9", {0, 4, 7, 14}},
      {"9", {0, 4, 7, 10, 14}}, {"madd9", {0, 3, 7, 14}}, {"7sus4", {0, 5, 7, 10}}};
  if (symbol.empty() || !std::isupper(static_cast<unsigned char>(symbol[0]))) {
    return Bad("chord '" + std::string(symbol) + "'", "must start with a root A-G");
  }
  size_t used = 0;
  Chord chord;
  chord.root = PitchClass(symbol, used);
  if (chord.root < 0) return Bad("chord '" + std::string(symbol) + "'", "bad root");
  std::string_view rest = symbol.substr(used);
  std::string_view quality = rest;
  chord.bass = chord.root;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    quality = rest.substr(0, slash);
    std::string_view bass = rest.substr(slash + 1);
    size_t bass_used = 0;
    chord.bass = PitchClass(bass, bass_used);
    if (chord.bass < 0 || bass_used != bass.size()) {
      return Bad("chord '" + std::string(symbol) + "'", "bad bass note");
    }
  }
  auto it = kQualities.find(quality);
  if (it == kQualities.end()) {
    return Bad("chord '" + std::string(symbol) + "'",
               "unknown quality '" + std::string(quality) + "'");
  }
  chord.intervals = it->second;
  return chord;
}

// A chord in effect from `beat` (relative to the section) on.
struct TimedChord {
  double beat = 0;
  Chord chord;
};

const Chord& ChordAt(const std::vector<TimedChord>& chords, double beat) {
  const TimedChord* found = &chords.front();
  for (const TimedChord& c : chords) {
    if (c.beat <= beat + kBeatEpsilon) found = &c;
  }
  return found->chord;
}

// The chord's tones folded into the octave from the F below C of `octave` up, so that
// successive chords keep close voicings (smooth voice leading without a rule engine).
std::vector<int> Voicing(const Chord& chord, int octave) {
  const int low = 12 * (octave + 1) - 7;
  std::vector<int> keys;
  for (int interval : chord.intervals) {
    int key = low + ((chord.root + interval - low) % 12 + 12) % 12;
    keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

Result<double> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  double value = 0;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    const double num = std::strtod(std::string(text.substr(0, slash)).c_str(), nullptr);
    const double den = std::strtod(std::string(text.substr(slash + 1)).c_str(), nullptr);
    if (den <= 0) return Status::InvalidArgument("bad duration");
    value = num / den;
  } else {
    char* end = nullptr;
    const std::string s(text);
    value = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return Status::InvalidArgument("bad duration");
  }
  if (!(value > 0) || value > 64) return Status::InvalidArgument("bad duration");
  return value;
}

struct PartContext {
  std::string where;
  double start = 0;  // the section's first beat in the loop
  int bars = 0;
  int beats_per_bar = 4;
  int channel = 0;
  int velocity = kDefaultVelocity;
  int octave = 4;
  const std::vector<TimedChord>* chords = nullptr;
};

// Written notes: "e5:1 d5:0.5 c5 | g4+c5:2 r:2 |"; a duration applies to the tokens after
// it until the next; '|' must fall on a bar line.
Status WrittenLine(const PartContext& p, std::string_view text, std::vector<Note>& out) {
  double beat = 0;
  double duration = 1;
  double bar_start = 0;
  for (const std::string& token : Words(text)) {
    const std::string at = p.where + " token '" + token + "'";
    if (token == "|") {
      if (std::abs(beat - bar_start - p.beats_per_bar) > kBeatEpsilon) {
        return Bad(at, "the bar holds " + std::to_string(beat - bar_start) + " beats, not " +
                           std::to_string(p.beats_per_bar));
      }
      bar_start = beat;
      continue;
    }
    std::string_view body = token;
    int velocity = p.velocity;
    if (size_t v = body.find('@'); v != std::string_view::npos) {
      velocity = std::atoi(std::string(body.substr(v + 1)).c_str());
      if (velocity < 1 || velocity > 127) return Bad(at, "velocity must be 1..127");
      body = body.substr(0, v);
    }
    if (size_t colon = body.find(':'); colon != std::string_view::npos) {
      Result<double> d = ParseDuration(body.substr(colon + 1));
      if (!d.ok()) return Bad(at, "bad duration");
      duration = *d;
      body = body.substr(0, colon);
    }
    if (body != "r") {
      for (const std::string& name : Split(body, '+')) {
        Result<int> key = ParseNoteName(name);
        if (!key.ok()) return Bad(at, "bad note name '" + name + "'");
        out.push_back({.beat = p.start + beat,
                       .length = duration * kLegato,
                       .channel = p.channel,
                       .key = *key,
                       .velocity = velocity});
      }
    }
    beat += duration;
  }
  const double expected = static_cast<double>(p.bars) * p.beats_per_bar;
  if (std::abs(beat - expected) > kBeatEpsilon) {
    return Bad(p.where, "the line holds " + std::to_string(beat) + " beats, the section " +
                            std::to_string(expected));
  }
  return Status::Ok();
}

enum class GridStyle { kChords, kArp, kBass, kDrum };

// A rhythm grid of one or more bars ("x-x.|x---"), cycled over the section. Each bar's
// characters divide it evenly: an onset ('x', 'X' accented, 'o' soft, or for the bass
// '3', '5', '8' for the chord's third, fifth and the octave), '-' holds, '.' rests.
Status GridLine(const PartContext& p, std::string_view grid, GridStyle style, int drum_key,
                std::vector<Note>& out) {
  const std::vector<std::string> bars = Split(grid, '|');
  for (const std::string& bar : bars) {
    if (bar.empty()) return Bad(p.where, "empty grid bar in '" + std::string(grid) + "'");
    for (char c : bar) {
      const bool ok = c == 'x' || c == 'X' || c == 'o' || c == '-' || c == '.' ||
                      (style == GridStyle::kBass && (c == '3' || c == '5' || c == '8'));
      if (!ok) return Bad(p.where, std::string("bad grid character '") + c + "'");
    }
  }
  size_t arp_index = 0;
  for (int bar = 0; bar < p.bars; ++bar) {
    const std::string& cells = bars[static_cast<size_t>(bar) % bars.size()];
    const double step = static_cast<double>(p.beats_per_bar) / static_cast<double>(cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      const char c = cells[i];
      if (c == '-' || c == '.') continue;
      size_t held = 1;
      while (i + held < cells.size() && cells[i + held] == '-') ++held;
      const double beat =
          static_cast<double>(bar * p.beats_per_bar) + step * static_cast<double>(i);
      const double length = style == GridStyle::kDrum ? step : step * static_cast<double>(held);
      int velocity = p.velocity + (c == 'X' ? kAccent : 0) - (c == 'o' ? kGhost : 0);
      velocity = Clamp(velocity, 1, 127);
      auto emit = [&](int key) {
        out.push_back({.beat = p.start + beat,
                       .length = length * (style == GridStyle::kDrum ? 1.0 : kLegato),
                       .channel = p.channel,
                       .key = Clamp(key, 0, 127),
                       .velocity = velocity});
      };
      if (style == GridStyle::kDrum) {
        emit(drum_key);
        continue;
      }
      const Chord& chord = ChordAt(*p.chords, beat);
      if (style == GridStyle::kChords) {
        for (int key : Voicing(chord, p.octave)) emit(key);
      } else if (style == GridStyle::kArp) {
        std::vector<int> keys = Voicing(chord, p.octave);
        keys.push_back(keys.front() + 12);
        emit(keys[arp_index++ % keys.size()]);
      } else {
        const int root = 12 * (p.octave + 1) + chord.bass;
        int key = root;
        if (c == '8') key = root + 12;
        if (c == '5') key = 12 * (p.octave + 1) + (chord.root + 7) % 12;
        if (c == '3') key = 12 * (p.octave + 1) + (chord.root + chord.intervals[1]) % 12;
        if (key < root - 5) key += 12;
        emit(key);
      }
    }
  }
  return Status::Ok();
}

int DrumKey(std::string_view name) {
  static const std::map<std::string, int, std::less<>> kKit = {
      {"kick", 36},      {"rim", 37},      {"snare", 38},     {"clap", 39},       {"hat", 42},
      {"pedal_hat", 44}, {"open_hat", 46}, {"tom_low", 45},   {"tom_mid", 47},    {"tom_high", 50},
      {"crash", 49},     {"ride", 51},     {"ride_bell", 53}, {"tambourine", 54}, {"cowbell", 56},
      {"shaker", 70},    {"triangle", 81}, {"brush", 40}};
  auto it = kKit.find(name);
  return it == kKit.end() ? -1 : it->second;
}

Result<std::string> String(const Json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) return Bad(where, "needs string '" + key + "'");
  return j[key].get<std::string>();
}

Result<int> Int(const Json& j, const std::string& key, int lo, int hi, int fallback,
                const std::string& where) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number_integer()) return Bad(where, "'" + key + "' must be an integer");
  const int v = j[key].get<int>();
  if (v < lo || v > hi) {
    return Bad(where, "'" + key + "' must be " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return v;
}

Status OnlyFields(const Json& j, std::initializer_list<std::string_view> allowed,
                  const std::string& where) {
  if (!j.is_object()) return Bad(where, "must be an object");
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Bad(where, "unknown field '" + key + "'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<int> ParseNoteName(std::string_view name) {
  size_t used = 0;
  const int pc = PitchClass(name, used);
  if (pc < 0 || used >= name.size()) return Status::InvalidArgument("bad note name");
  const std::string octave_text(name.substr(used));
  if (!std::all_of(octave_text.begin(), octave_text.end(), ::isdigit) || octave_text.size() > 1) {
    return Status::InvalidArgument("bad note name");
  }
  // The letter's own octave: "cb4" is B3 and "b#3" is C4, as musicians write them.
  int letter_pc = PitchClass(name.substr(0, 1), used);
  int delta = pc - letter_pc;
  if (delta > 6) delta -= 12;
  if (delta < -6) delta += 12;
  const int key = 12 * (std::stoi(octave_text) + 1) + letter_pc + delta;
  if (key < 0 || key > 127) return Status::InvalidArgument("bad note name");
  return key;
}

Result<Score> ParseScore(std::string_view json_text) {
  Result<Json> parsed = ParseJson(json_text);
  if (!parsed.ok()) return Bad("json", parsed.status().message());
  const Json& j = *parsed;
  VMSG_RETURN_IF_ERROR(OnlyFields(j,
                                  {"id", "name", "mood", "genre", "description", "bpm",
                                   "beats_per_bar", "instruments", "sections", "form"},
                                  "score"));
  Score score;
  VMSG_ASSIGN_OR_RETURN(score.id, String(j, "id", "score"));
  VMSG_ASSIGN_OR_RETURN(score.name, String(j, "name", "score"));
  VMSG_ASSIGN_OR_RETURN(score.mood, String(j, "mood", "score"));
  VMSG_ASSIGN_OR_RETURN(score.genre, String(j, "genre", "score"));
  VMSG_ASSIGN_OR_RETURN(score.description, String(j, "description", "score"));
  if (!j.contains("bpm") || !j["bpm"].is_number()) return Bad("score", "needs number 'bpm'");
  score.bpm = j["bpm"].get<double>();
  if (!(score.bpm >= kMinScoreBpm && score.bpm <= kMaxScoreBpm)) {
    return Bad("score", "bpm out of range");
  }
  VMSG_ASSIGN_OR_RETURN(score.beats_per_bar, Int(j, "beats_per_bar", 2, 12, 4, "score"));

  std::map<std::string, int, std::less<>> channels;  // instrument name -> channel
  if (!j.contains("instruments") || !j["instruments"].is_object()) {
    return Bad("score", "needs an 'instruments' object");
  }
  std::set<int> used_channels;
  for (const auto& [name, spec] : j["instruments"].items()) {
    const std::string where = "instrument " + name;
    VMSG_RETURN_IF_ERROR(
        OnlyFields(spec, {"channel", "program", "volume", "pan", "reverb"}, where));
    Instrument inst{.name = name};
    VMSG_ASSIGN_OR_RETURN(inst.channel, Int(spec, "channel", 0, kMidiChannels - 1, -1, where));
    if (inst.channel < 0) return Bad(where, "needs 'channel'");
    if (!used_channels.insert(inst.channel).second) return Bad(where, "channel already used");
    VMSG_ASSIGN_OR_RETURN(inst.program, Int(spec, "program", 0, 127, 0, where));
    VMSG_ASSIGN_OR_RETURN(inst.volume, Int(spec, "volume", 0, 127, 100, where));
    VMSG_ASSIGN_OR_RETURN(inst.pan, Int(spec, "pan", 0, 127, 64, where));
    VMSG_ASSIGN_OR_RETURN(inst.reverb, Int(spec, "reverb", 0, 127, 40, where));
    channels[name] = inst.channel;
    score.instruments.push_back(inst);
  }

  if (!j.contains("sections") || !j["sections"].is_object() || j["sections"].empty() ||
      j["sections"].size() > static_cast<size_t>(kMaxSections)) {
    return Bad("score", "needs 1.." + std::to_string(kMaxSections) + " sections");
  }
  if (!j.contains("form") || !j["form"].is_array() || j["form"].empty() ||
      j["form"].size() > static_cast<size_t>(kMaxFormLength)) {
    return Bad("score", "needs a form of 1.." + std::to_string(kMaxFormLength) + " sections");
  }
  double beat = 0;
  for (const Json& entry : j["form"]) {
    if (!entry.is_string() || !j["sections"].contains(entry.get<std::string>())) {
      return Bad("form", "names an unknown section " + entry.dump());
    }
    const std::string section_name = entry.get<std::string>();
    const Json& section = j["sections"][section_name];
    const std::string where = "section " + section_name;
    VMSG_RETURN_IF_ERROR(OnlyFields(section, {"bars", "chords", "parts"}, where));
    VMSG_ASSIGN_OR_RETURN(int bars, Int(section, "bars", 1, kMaxBarsPerSection, 0, where));
    if (bars == 0) return Bad(where, "needs 'bars'");

    std::vector<TimedChord> chords;
    if (section.contains("chords")) {
      VMSG_ASSIGN_OR_RETURN(std::string text, String(section, "chords", where));
      const std::vector<std::string> chord_bars = Split(text, '|');
      if (static_cast<int>(chord_bars.size()) != bars) {
        return Bad(where, "has " + std::to_string(chord_bars.size()) + " chord bars for " +
                              std::to_string(bars) + " bars");
      }
      for (size_t b = 0; b < chord_bars.size(); ++b) {
        const std::vector<std::string> symbols = Words(chord_bars[b]);
        if (symbols.empty()) return Bad(where, "chord bar " + std::to_string(b + 1) + " is empty");
        for (size_t s = 0; s < symbols.size(); ++s) {
          VMSG_ASSIGN_OR_RETURN(Chord chord, ParseChord(symbols[s]));
          chords.push_back({.beat = static_cast<double>(b * score.beats_per_bar) +
                                    static_cast<double>(score.beats_per_bar * s) /
                                        static_cast<double>(symbols.size()),
                            .chord = chord});
        }
      }
    }
    if (!section.contains("parts") || !section["parts"].is_object()) {
      return Bad(where, "needs a 'parts' object");
    }
    for (const auto& [part_name, part] : section["parts"].items()) {
      const std::string part_where = where + " part " + part_name;
      auto channel = channels.find(part_name);
      if (channel == channels.end()) return Bad(part_where, "is not a declared instrument");
      VMSG_RETURN_IF_ERROR(OnlyFields(
          part, {"notes", "chords", "arp", "bass", "drums", "velocity", "octave"}, part_where));
      PartContext p{.where = part_where,
                    .start = beat,
                    .bars = bars,
                    .beats_per_bar = score.beats_per_bar,
                    .channel = channel->second,
                    .chords = &chords};
      VMSG_ASSIGN_OR_RETURN(p.velocity,
                            Int(part, "velocity", 1, 127, kDefaultVelocity, part_where));
      VMSG_ASSIGN_OR_RETURN(p.octave, Int(part, "octave", 0, 8, 4, part_where));
      int styles = 0;
      for (std::string_view s : {"notes", "chords", "arp", "bass", "drums"}) {
        styles += part.contains(s) ? 1 : 0;
      }
      if (styles != 1)
        return Bad(part_where, "needs exactly one of notes, chords, arp, bass, drums");
      if (part.contains("notes")) {
        VMSG_ASSIGN_OR_RETURN(std::string text, String(part, "notes", part_where));
        VMSG_RETURN_IF_ERROR(WrittenLine(p, text, score.notes));
        continue;
      }
      if (part.contains("drums")) {
        if (p.channel != kDrumChannel) return Bad(part_where, "drums need the drum channel");
        if (!part["drums"].is_object()) return Bad(part_where, "drums must be an object");
        for (const auto& [drum, grid] : part["drums"].items()) {
          const int key = DrumKey(drum);
          if (key < 0) return Bad(part_where, "unknown drum '" + drum + "'");
          if (!grid.is_string()) return Bad(part_where, "drum grids are strings");
          VMSG_RETURN_IF_ERROR(
              GridLine(p, grid.get<std::string>(), GridStyle::kDrum, key, score.notes));
        }
        continue;
      }
      if (chords.empty()) return Bad(part_where, "plays chords but the section has none");
      const auto [field, style] = part.contains("chords") ? std::pair{"chords", GridStyle::kChords}
                                  : part.contains("arp")  ? std::pair{"arp", GridStyle::kArp}
                                                          : std::pair{"bass", GridStyle::kBass};
      VMSG_ASSIGN_OR_RETURN(std::string grid, String(part, field, part_where));
      VMSG_RETURN_IF_ERROR(GridLine(p, grid, style, 0, score.notes));
    }
    beat += static_cast<double>(bars * score.beats_per_bar);
  }
  score.loop_beats = beat;
  std::stable_sort(score.notes.begin(), score.notes.end(),
                   [](const Note& a, const Note& b) { return a.beat < b.beat; });
  return score;
}

}  // namespace vmsg::music
