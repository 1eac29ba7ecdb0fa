// FluidSynth rendering with our own sample-accurate sequencing (see render.h).
#include "music/render.h"

#include <fluidsynth.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numbers>
#include <system_error>
#include <tuple>

namespace vmsg::music {
namespace {

// FluidSynth applies events at the start of its next 64-frame block; placing every event on
// a block boundary makes that exact and the two passes identical.
constexpr int64_t kBlockFrames = 64;
constexpr int kPolyphony = 256;
// Frames rendered per FluidSynth call between events.
constexpr int64_t kMaxWriteFrames = 4096;
constexpr int kCcVolume = 7;
constexpr int kCcPan = 10;
constexpr int kCcReverb = 91;
constexpr int kCcChorus = 93;
// A warm hall, not a cathedral: the tail must die well within one loop.
constexpr double kReverbRoomSize = 0.55;
constexpr double kReverbDamping = 0.4;
constexpr double kReverbWidth = 0.8;
constexpr double kReverbLevel = 0.7;
// How long the loop's end fades into the first pass's end (see RenderLoop).
constexpr double kSeamCrossfadeSeconds = 0.05;

struct Event {
  int64_t frame = 0;
  bool on = false;
  int channel = 0;
  int key = 0;
  int velocity = 0;
};

int64_t ToBlockFrame(double beat, double frames_per_beat) {
  return static_cast<int64_t>(std::llround(beat * frames_per_beat / kBlockFrames)) * kBlockFrames;
}

struct SettingsDeleter {
  void operator()(fluid_settings_t* s) const { delete_fluid_settings(s); }
};
struct SynthDeleter {
  void operator()(fluid_synth_t* s) const { delete_fluid_synth(s); }
};

// FluidSynth prints to stderr by default; its messages are not ours to show (errors are
// reported through the return values we check).
void SilenceFluidSynth() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int level : {FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG}) {
      fluid_set_log_function(level, nullptr, nullptr);
    }
  });
}

}  // namespace

Result<audio::Sound> RenderLoop(const Score& score, const RenderOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.soundfont, ec)) {
    return Status::FailedPrecondition(
        "the soundfont " + options.soundfont.string() +
            " does not exist (install Debian's fluid-soundfont-gm: scripts/setup.sh)",
        std::string(kSoundfontMissing));
  }
  if (options.sample_rate <= 0 || score.loop_beats <= 0) {
    return Status::InvalidArgument("nothing to render");
  }
  SilenceFluidSynth();
  std::unique_ptr<fluid_settings_t, SettingsDeleter> settings(new_fluid_settings());
  if (!settings) return Status::Internal("FluidSynth settings could not be created");
  fluid_settings_setnum(settings.get(), "synth.sample-rate", options.sample_rate);
  fluid_settings_setnum(settings.get(), "synth.gain", options.gain);
  fluid_settings_setint(settings.get(), "synth.polyphony", kPolyphony);
  // The chorus's free-running LFO would make the two passes differ at the loop point.
  fluid_settings_setint(settings.get(), "synth.chorus.active", 0);
  fluid_settings_setint(settings.get(), "synth.reverb.active", 1);
  fluid_settings_setint(settings.get(), "synth.cpu-cores", 1);
  // Only the presets a score selects are read from the 148 MB soundfont.
  fluid_settings_setint(settings.get(), "synth.dynamic-sample-loading", 1);
  std::unique_ptr<fluid_synth_t, SynthDeleter> synth(new_fluid_synth(settings.get()));
  if (!synth) return Status::Internal("FluidSynth could not be created");
  if (fluid_synth_sfload(synth.get(), options.soundfont.c_str(), 1) == FLUID_FAILED) {
    return Status::FailedPrecondition(
        "the soundfont " + options.soundfont.string() + " could not be loaded",
        std::string(kSoundfontMissing));
  }
  fluid_synth_set_reverb_group_roomsize(synth.get(), -1, kReverbRoomSize);
  fluid_synth_set_reverb_group_damp(synth.get(), -1, kReverbDamping);
  fluid_synth_set_reverb_group_width(synth.get(), -1, kReverbWidth);
  fluid_synth_set_reverb_group_level(synth.get(), -1, kReverbLevel);
  for (const Instrument& inst : score.instruments) {
    if (inst.channel != kDrumChannel) {
      fluid_synth_program_change(synth.get(), inst.channel, inst.program);
    }
    fluid_synth_cc(synth.get(), inst.channel, kCcVolume, inst.volume);
    fluid_synth_cc(synth.get(), inst.channel, kCcPan, inst.pan);
    fluid_synth_cc(synth.get(), inst.channel, kCcReverb, inst.reverb);
    fluid_synth_cc(synth.get(), inst.channel, kCcChorus, 0);
  }

  const double frames_per_beat = 60.0 / score.bpm * options.sample_rate;
  const int64_t loop = ToBlockFrame(score.loop_beats, frames_per_beat);
  // Two passes; a note is cut short where the next note of the same key on the same channel
  // starts, so that its note-off never silences its successor.
  std::vector<Note> notes;
  notes.reserve(score.notes.size() * 2);
  for (int pass = 0; pass < 2; ++pass) {
    for (Note n : score.notes) {
      n.beat += pass * score.loop_beats;
      notes.push_back(n);
    }
  }
  std::sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
    return std::tie(a.channel, a.key, a.beat) < std::tie(b.channel, b.key, b.beat);
  });
  std::vector<Event> events;
  events.reserve(notes.size() * 2);
  for (size_t i = 0; i < notes.size(); ++i) {
    const Note& n = notes[i];
    const int64_t on = ToBlockFrame(n.beat, frames_per_beat);
    int64_t off = ToBlockFrame(n.beat + n.length, frames_per_beat);
    if (i + 1 < notes.size() && notes[i + 1].channel == n.channel && notes[i + 1].key == n.key) {
      off = std::min(off, ToBlockFrame(notes[i + 1].beat, frames_per_beat));
    }
    off = std::max(off, on + kBlockFrames);
    events.push_back({on, true, n.channel, n.key, n.velocity});
    events.push_back({off, false, n.channel, n.key, 0});
  }
  // At one frame, note-offs go first.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.frame, a.on) < std::tie(b.frame, b.on);
  });

  const int64_t total = 2 * loop;
  std::vector<float> rendered(static_cast<size_t>(total) * 2, 0.0f);
  int64_t cursor = 0;
  auto render_to = [&](int64_t frame) {
    frame = std::min(frame, total);
    while (cursor < frame) {
      const int n = static_cast<int>(std::min(frame - cursor, kMaxWriteFrames));
      float* out = rendered.data() + cursor * 2;
      fluid_synth_write_float(synth.get(), n, out, 0, 2, out, 1, 2);
      cursor += n;
    }
  };
  for (const Event& e : events) {
    render_to(e.frame);
    if (e.frame >= total) break;
    if (e.on) {
      fluid_synth_noteon(synth.get(), e.channel, e.key, e.velocity);
    } else {
      fluid_synth_noteoff(synth.get(), e.channel, e.key);
    }
  }
  render_to(total);

  audio::Sound sound{.sample_rate = options.sample_rate, .channels = 2};
  sound.samples.assign(rendered.begin() + loop * 2, rendered.end());
  // The two passes end almost alike, but not exactly: the reverb's delay lines are
  // modulated by a free-running LFO. The loop's last frames therefore fade into the first
  // pass's last frames, which are what truly preceded the loop's first frame in the render,
  // so the join is the synthesizer's own continuous output.
  const int64_t fade = std::min<int64_t>(
      loop / 2, static_cast<int64_t>(kSeamCrossfadeSeconds * options.sample_rate));
  for (int64_t i = 0; i < fade; ++i) {
    const double w = 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(i + 1) /
                                          static_cast<double>(fade));
    const int64_t in_loop = loop - fade + i;  // this frame of the kept pass...
    const int64_t in_first = in_loop;         // ...and its twin in the first pass
    for (int64_t c = 0; c < 2; ++c) {
      float& out = sound.samples[static_cast<size_t>(in_loop * 2 + c)];
      out = static_cast<float>((1 - w) * out + w * rendered[static_cast<size_t>(in_first * 2 + c)]);
    }
  }
  return sound;
}

}  // namespace vmsg::music
