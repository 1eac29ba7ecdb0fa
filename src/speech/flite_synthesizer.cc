// flite linked as a library. Each call builds its own utterance and sets pitch and tempo
// on the utterance's features (which fall back to the voice's), so the shared voices are
// never modified. flite keeps some process-wide state (error handling, lexicon caches), so
// calls are serialised by one mutex; a piece takes a few milliseconds. Clustergen voices
// draw excitation noise from libc rand(): each call reseeds it (under the mutex) so the same
// text and voice always give the same samples and a rerun task rewrites identical audio.
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>

#include "speech/synthesizer.h"

extern "C" {
#include <cst_cg.h>
#include <flite.h>

cst_voice* register_cmu_us_slt(const char* voxdir);
cst_voice* register_cmu_us_rms(const char* voxdir);
cst_voice* register_cmu_us_awb(const char* voxdir);
cst_voice* register_cmu_us_kal(const char* voxdir);
cst_voice* register_cmu_us_kal16(const char* voxdir);
}

namespace vmsg::speech {
namespace {

constexpr double kSemitonesPerOctave = 12.0;
constexpr unsigned kNoiseSeed = 1;
// flite's own defaults for diphone voices' F0 targets (cst_voice features), used only when
// a voice does not set them.
constexpr float kDefaultF0Mean = 100.0f;
constexpr float kDefaultF0Stddev = 12.0f;

std::mutex& FliteMutex() {
  static std::mutex mutex;
  return mutex;
}

// The registered voices, made once per process; flite voices are never freed.
const std::map<std::string, cst_voice*>& FliteVoices() {
  static const std::map<std::string, cst_voice*> voices = [] {
    flite_init();
    return std::map<std::string, cst_voice*>{
        {"slt", register_cmu_us_slt(nullptr)},     {"rms", register_cmu_us_rms(nullptr)},
        {"awb", register_cmu_us_awb(nullptr)},     {"kal", register_cmu_us_kal(nullptr)},
        {"kal16", register_cmu_us_kal16(nullptr)},
    };
  }();
  return voices;
}

// Raises the F0 the utterance will get by `semitones`, for both kinds of flite voice: a
// clustergen voice maps its predicted F0 as (f0 - db_mean) / db_stddev * stddev + mean *
// f0_shift, so scaling f0_shift and the stddev by the same factor scales every F0 value
// exactly; a diphone voice draws its contour from int_f0_target_mean and _stddev.
void SetPitch(cst_utterance* u, cst_voice* voice, double semitones) {
  if (semitones == 0) return;
  const float factor = static_cast<float>(std::pow(2.0, semitones / kSemitonesPerOctave));
  const cst_val* cg = feat_val(voice->features, "cg_db");
  if (cg != nullptr) {
    const cst_cg_db* db = val_cg_db(cg);
    feat_set_float(u->features, "f0_shift", factor);
    feat_set_float(
        u->features, "int_f0_target_stddev",
        get_param_float(voice->features, "int_f0_target_stddev", db->f0_stddev) * factor);
    return;
  }
  feat_set_float(u->features, "int_f0_target_mean",
                 get_param_float(voice->features, "int_f0_target_mean", kDefaultF0Mean) * factor);
  feat_set_float(
      u->features, "int_f0_target_stddev",
      get_param_float(voice->features, "int_f0_target_stddev", kDefaultF0Stddev) * factor);
}

class FliteSynthesizer final : public SpeechSynthesizer {
 public:
  Language language() const override { return Language::kEnglish; }

  std::vector<std::string> Voices() const override {
    std::vector<std::string> names;
    for (const auto& [name, voice] : FliteVoices()) names.push_back(name);
    return names;
  }

  Result<Speech> Synthesize(std::string_view text, const SynthesisParams& params) const override {
    std::lock_guard lock(FliteMutex());
    auto it = FliteVoices().find(params.voice);
    if (it == FliteVoices().end() || it->second == nullptr) {
      return Status::InvalidArgument("unknown English voice: " + params.voice, "unknown_voice");
    }
    if (!std::isfinite(params.speed) || params.speed <= 0 ||
        !std::isfinite(params.pitch_semitones)) {
      return Status::InvalidArgument("synthesis parameters out of range", "invalid_prosody");
    }
    cst_voice* voice = it->second;
    std::srand(kNoiseSeed);
    cst_utterance* u = new_utterance();
    utt_set_input_text(u, std::string(text).c_str());
    utt_init(u, voice);
    feat_set_float(u->features, "duration_stretch",
                   static_cast<float>(get_param_float(voice->features, "duration_stretch", 1.0f) /
                                      params.speed));
    SetPitch(u, voice, params.pitch_semitones);
    if (utt_synth(u) == nullptr) {
      delete_utterance(u);
      return Status::Internal("flite could not synthesise the text");
    }
    Speech speech = ToSpeech(u);
    delete_utterance(u);
    VMSG_RETURN_IF_ERROR(CheckTimings(speech));
    return speech;
  }

 private:
  static Speech ToSpeech(cst_utterance* u) {
    Speech speech;
    speech.language = Language::kEnglish;
    const cst_wave* wave = utt_wave(u);
    speech.audio.sample_rate = wave != nullptr ? cst_wave_sample_rate(wave) : 16000;
    if (wave != nullptr) {
      const int n = cst_wave_num_samples(wave) * cst_wave_num_channels(wave);
      speech.audio.samples.resize(static_cast<size_t>(cst_wave_num_samples(wave)));
      for (int i = 0, ch = cst_wave_num_channels(wave); i < n; i += ch) {
        speech.audio.samples[static_cast<size_t>(i / ch)] =
            static_cast<float>(cst_wave_samples(wave)[i] / 32768.0);
      }
    }
    const double duration = speech.duration_seconds();

    std::map<const cst_item*, size_t> index;  // Segment item → phoneme index
    double start = 0;
    for (const cst_item* s = relation_head(utt_relation(u, "Segment")); s; s = item_next(s)) {
      Phoneme p;
      p.symbol = item_feat_string(s, "name");
      p.start = start;
      p.end = std::min(duration, std::max(start, static_cast<double>(item_feat_float(s, "end"))));
      p.viseme = EnglishViseme(p.symbol);
      start = p.end;
      index[s] = speech.phonemes.size();
      speech.phonemes.push_back(std::move(p));
    }
    if (speech.phonemes.empty()) {
      if (duration > 0) speech.phonemes.push_back({std::string(kPauseSymbol), 0, duration});
      return speech;
    }
    speech.phonemes.back().end = duration;

    for (const cst_item* w = relation_head(utt_relation(u, "Word")); w; w = item_next(w)) {
      const cst_item* word = item_as(w, "SylStructure");
      if (word == nullptr) continue;
      const cst_item* first_syl = item_daughter(word);
      const cst_item* last_syl = item_last_daughter(word);
      if (first_syl == nullptr || last_syl == nullptr) continue;
      const cst_item* first_seg = item_as(item_daughter(first_syl), "Segment");
      const cst_item* last_seg = item_as(item_last_daughter(last_syl), "Segment");
      auto a = index.find(first_seg), b = index.find(last_seg);
      if (a == index.end() || b == index.end() || b->second < a->second) continue;
      SpeechUnit unit;
      unit.text = item_feat_string(w, "name");
      unit.first_phoneme = a->second;
      unit.end_phoneme = b->second + 1;
      unit.start = speech.phonemes[unit.first_phoneme].start;
      unit.end = speech.phonemes[b->second].end;
      unit.viseme = Viseme::kClosed;
      for (size_t i = unit.first_phoneme; i < unit.end_phoneme; ++i) {
        if (IsVowelPhone(speech.phonemes[i].symbol)) {
          unit.viseme = speech.phonemes[i].viseme;
          break;
        }
      }
      // The vowel of each syllable the intonation model accents is a nucleus.
      for (const cst_item* syl = first_syl; syl != nullptr; syl = item_next(syl)) {
        if (ffeature_int(syl, "accented") == 0) continue;
        for (const cst_item* seg = item_daughter(syl); seg != nullptr; seg = item_next(seg)) {
          auto at = index.find(item_as(seg, "Segment"));
          if (at != index.end() && IsVowelPhone(speech.phonemes[at->second].symbol)) {
            speech.phonemes[at->second].nucleus = true;
            break;
          }
        }
      }
      speech.units.push_back(std::move(unit));
    }
    speech.words = speech.units;
    return speech;
  }
};

}  // namespace

std::unique_ptr<SpeechSynthesizer> NewFliteSynthesizer() {
  return std::make_unique<FliteSynthesizer>();
}

}  // namespace vmsg::speech
