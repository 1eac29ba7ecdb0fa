// Speaker: text → pieces → engine → trimmed pieces joined by exact pauses → gain.
#include "speech/speaker.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

namespace vmsg::speech {
namespace {

// Every piece spoken, in order. The engines are thread-safe and Open JTalk runs as a
// process per call, so the pieces are spoken side by side on up to one thread per core:
// a message of several sentences takes about as long as its longest one.
std::vector<Result<Speech>> SynthesizeAll(const SpeechSynthesizer& engine,
                                          const std::vector<TextPiece>& pieces,
                                          const SynthesisParams& params) {
  std::vector<Result<Speech>> spoken(pieces.size(), Status::Internal("not spoken"));
  const size_t threads =
      std::min<size_t>(pieces.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < pieces.size(); i = next++) {
      spoken[i] = engine.Synthesize(pieces[i].text, params);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  return spoken;
}

// Marks the last vowel of `piece` (a question) `question`.
void MarkQuestion(Speech& piece) {
  for (auto p = piece.phonemes.rbegin(); p != piece.phonemes.rend(); ++p) {
    if (IsVowelPhone(p->symbol)) {
      p->question = true;
      return;
    }
  }
}

// The span of `speech` between its first and last non-pause phoneme, or nothing.
std::optional<std::pair<double, double>> SoundSpan(const Speech& speech) {
  std::optional<std::pair<double, double>> span;
  for (const Phoneme& p : speech.phonemes) {
    if (p.symbol == kPauseSymbol) continue;
    if (!span) span = {p.start, p.end};
    span->second = p.end;
  }
  return span;
}

// Windows of this length are tested for sound when looking for where a piece really starts
// and ends: engines' phone boundaries lead or lag the waveform by a few tens of ms (flite's
// clustergen voices let the last vowel ring on after its segment ends).
constexpr double kEnergyWindowSeconds = 0.005;
// Quieter than this RMS (-50 dBFS) is silence.
constexpr double kQuietRms = 0.00316;
// How far past the engine's own boundary the sound may reach.
constexpr double kMaxOverhangSeconds = 0.15;

// Widens [start, end) to where the audio actually goes quiet, within kMaxOverhangSeconds.
std::pair<double, double> SoundBounds(const Speech& speech, double start, double end) {
  const audio::Sound& a = speech.audio;
  const auto window =
      std::max<size_t>(1, static_cast<size_t>(kEnergyWindowSeconds * a.sample_rate));
  const auto overhang = static_cast<size_t>(kMaxOverhangSeconds * a.sample_rate);
  auto first = static_cast<size_t>(start * a.sample_rate);
  auto last = std::min(a.samples.size(), static_cast<size_t>(std::ceil(end * a.sample_rate)));
  const size_t min_first = first > overhang ? first - overhang : 0;
  while (first >= min_first + window && Rms(a, first - window, first) >= kQuietRms) first -= window;
  const size_t max_last = std::min(a.samples.size(), last + overhang);
  while (last + window <= max_last && Rms(a, last, last + window) >= kQuietRms) last += window;
  return {static_cast<double>(first) / a.sample_rate, static_cast<double>(last) / a.sample_rate};
}

}  // namespace

Speaker::Speaker(const SpeechSynthesizer* japanese, const SpeechSynthesizer* english,
                 SpeakerOptions options)
    : japanese_(japanese), english_(english), options_(options) {}

Language Speaker::LanguageFor(const CleanText& text, const VoiceParams& voice) {
  if (voice.english_voice.empty()) return Language::kJapanese;
  if (voice.japanese_voice.empty()) return Language::kEnglish;
  return DetectLanguage(text.speech);
}

Status Speaker::Check(std::string_view text, const VoiceParams& voice) const {
  if (voice.japanese_voice.empty() && voice.english_voice.empty()) {
    return Status::InvalidArgument("the voice names no engine voice", "unknown_voice");
  }
  VMSG_ASSIGN_OR_RETURN(CleanText clean, CleanMessageText(text, options_.max_chars));
  return CheckSpeakable(clean.speech, LanguageFor(clean, voice));
}

Result<SpokenMessage> Speaker::Synthesize(std::string_view text, const VoiceParams& voice,
                                          const ProsodyParams& prosody) const {
  VMSG_RETURN_IF_ERROR(prosody.Validate());
  if (voice.japanese_voice.empty() && voice.english_voice.empty()) {
    return Status::InvalidArgument("the voice names no engine voice", "unknown_voice");
  }
  SpokenMessage out;
  VMSG_ASSIGN_OR_RETURN(out.text, CleanMessageText(text, options_.max_chars));
  const Language language = LanguageFor(out.text, voice);
  VMSG_RETURN_IF_ERROR(CheckSpeakable(out.text.speech, language));
  const SpeechSynthesizer* engine = language == Language::kJapanese ? japanese_ : english_;
  if (engine == nullptr) {
    return Status::Unavailable(std::string("no speech engine for ") +
                               std::string(LanguageCode(language)));
  }

  out.preset = prosody.preset.value_or(ChoosePreset(out.text.speech));
  const PresetShape shape = ShapeOf(out.preset);
  SynthesisParams params;
  params.voice = language == Language::kJapanese ? voice.japanese_voice : voice.english_voice;
  params.pitch_semitones = voice.pitch_semitones + shape.pitch_semitones + prosody.pitch_semitones;
  params.speed = voice.speed * shape.tempo * prosody.speed;
  params.all_pass = voice.all_pass;
  params.pitch_range = voice.pitch_range;

  Speech& speech = out.speech;
  speech.language = language;
  bool first = true;
  double pending_pause = options_.leading_silence;
  const std::vector<TextPiece> pieces = SplitAtPauses(out.text.speech, language);
  std::vector<Result<Speech>> spoken_pieces = SynthesizeAll(*engine, pieces, params);
  for (size_t index = 0; index < pieces.size(); ++index) {
    const TextPiece& piece = pieces[index];
    VMSG_ASSIGN_OR_RETURN(Speech spoken, std::move(spoken_pieces[index]));
    const auto span = SoundSpan(spoken);
    if (!span) {
      // The engine found nothing to say in this piece (symbols only): keep its pause.
      const double pause = piece.pause_seconds / prosody.speed;
      if (!out.phrases.empty() && pause > pending_pause) {
        out.phrases.back().pause_mark = piece.pause_mark;
        pending_pause = pause;
      }
      continue;
    }
    if (first) {
      speech.audio.sample_rate = spoken.audio.sample_rate;
      first = false;
    }
    // Drop the engine's own lead-in and tail so the pause is exactly what punctuation asks.
    const auto [sound_start, sound_end] = SoundBounds(spoken, span->first, span->second);
    Trim(spoken, sound_start, sound_end);
    AbsorbEdgePauses(spoken);
    AppendSilence(speech, pending_pause);
    Phrase phrase;
    phrase.text = piece.text;
    phrase.start = speech.duration_seconds();
    if (piece.pause_mark == U'?') MarkQuestion(spoken);
    VMSG_RETURN_IF_ERROR(Append(speech, spoken));
    phrase.end = speech.duration_seconds();
    phrase.pause_mark = piece.pause_mark;
    out.phrases.push_back(std::move(phrase));
    pending_pause = piece.pause_seconds / prosody.speed;
  }
  if (out.phrases.empty()) {
    // E.g. Japanese script given to an English-only voice: flite has no reading for it.
    return Status::InvalidArgument(
        "text: nothing in it can be spoken in " + std::string(LanguageCode(language)),
        "text_empty");
  }
  const double tail = std::max(pending_pause, options_.trailing_silence);
  AppendSilence(speech, tail);
  for (size_t i = 0; i < out.phrases.size(); ++i) {
    out.phrases[i].pause_end =
        i + 1 < out.phrases.size() ? out.phrases[i + 1].start : speech.duration_seconds();
  }

  ApplyGainDb(speech.audio, shape.energy_db + prosody.volume_db);
  float peak = 0;
  for (float s : speech.audio.samples) peak = std::max(peak, std::abs(s));
  if (peak > options_.max_peak) {
    for (float& s : speech.audio.samples) s *= static_cast<float>(options_.max_peak / peak);
  }
  VMSG_RETURN_IF_ERROR(CheckTimings(speech));
  return out;
}

}  // namespace vmsg::speech
