// Viseme tables and the timing-preserving operations on Speech (append, silence, trim).
//
// English phoneme → viseme table (CMU phone set as flite uses it), chosen for a jaw-drop
// animation with six shapes:
//   closed: p b m (lips together), f v (lower lip on the teeth, jaw closed), pau
//   a:      aa ae ah ax ay aw hh      (open jaw)
//   i:      iy ih y, and the spread or neutral consonants t d n l s z th dh k g ng
//   u:      uw uh w r, and the rounded consonants sh zh ch jh
//   e:      eh ey er axr
//   o:      ao ow oy
#include "speech/speech.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace vmsg::speech {

std::string_view LanguageCode(Language language) {
  return language == Language::kJapanese ? "ja" : "en";
}

std::string_view WordBreakName(WordBreak wb) {
  switch (wb) {
    case WordBreak::kNone:
      return "none";
    case WordBreak::kPhrase:
      return "phrase";
    default:
      return "word";
  }
}

bool IsVowelPhone(std::string_view symbol) {
  return !symbol.empty() &&
         std::string_view("aeiouAEIOU").find(symbol[0]) != std::string_view::npos;
}

std::string_view VisemeName(Viseme viseme) {
  switch (viseme) {
    case Viseme::kClosed:
      return "closed";
    case Viseme::kA:
      return "a";
    case Viseme::kI:
      return "i";
    case Viseme::kU:
      return "u";
    case Viseme::kE:
      return "e";
    case Viseme::kO:
      return "o";
  }
  return "closed";
}

Viseme JapaneseViseme(std::string_view p, Viseme mora_vowel) {
  if (p.size() == 1) {
    switch (p[0]) {
      case 'a':
      case 'A':
        return Viseme::kA;
      case 'i':
      case 'I':
        return Viseme::kI;
      case 'u':
      case 'U':
        return Viseme::kU;
      case 'e':
      case 'E':
        return Viseme::kE;
      case 'o':
      case 'O':
        return Viseme::kO;
      case 'm':
      case 'b':
      case 'p':
      case 'N':
        return Viseme::kClosed;
      default:
        break;
    }
  }
  if (p == "cl" || p == "pau" || p == "sil" || p == "my" || p == "by" || p == "py") {
    return Viseme::kClosed;
  }
  return mora_vowel;
}

Viseme EnglishViseme(std::string_view p) {
  static const std::map<std::string_view, Viseme> kTable = {
      {"p", Viseme::kClosed}, {"b", Viseme::kClosed}, {"m", Viseme::kClosed},
      {"f", Viseme::kClosed}, {"v", Viseme::kClosed}, {"pau", Viseme::kClosed},
      {"aa", Viseme::kA},     {"ae", Viseme::kA},     {"ah", Viseme::kA},
      {"ax", Viseme::kA},     {"ay", Viseme::kA},     {"aw", Viseme::kA},
      {"hh", Viseme::kA},     {"iy", Viseme::kI},     {"ih", Viseme::kI},
      {"y", Viseme::kI},      {"t", Viseme::kI},      {"d", Viseme::kI},
      {"n", Viseme::kI},      {"l", Viseme::kI},      {"s", Viseme::kI},
      {"z", Viseme::kI},      {"th", Viseme::kI},     {"dh", Viseme::kI},
      {"k", Viseme::kI},      {"g", Viseme::kI},      {"ng", Viseme::kI},
      {"uw", Viseme::kU},     {"uh", Viseme::kU},     {"w", Viseme::kU},
      {"r", Viseme::kU},      {"sh", Viseme::kU},     {"zh", Viseme::kU},
      {"ch", Viseme::kU},     {"jh", Viseme::kU},     {"eh", Viseme::kE},
      {"ey", Viseme::kE},     {"er", Viseme::kE},     {"axr", Viseme::kE},
      {"ao", Viseme::kO},     {"ow", Viseme::kO},     {"oy", Viseme::kO},
  };
  auto it = kTable.find(p);
  return it == kTable.end() ? Viseme::kClosed : it->second;
}

void AppendSilence(Speech& speech, double silence_seconds) {
  const auto n = static_cast<long>(std::lround(silence_seconds * speech.audio.sample_rate));
  if (n <= 0) return;
  const double start = speech.duration_seconds();
  speech.audio.samples.resize(speech.audio.samples.size() + static_cast<size_t>(n), 0.0f);
  // Merge with a pause that already ends the speech, so pauses stay one phoneme.
  if (!speech.phonemes.empty() && speech.phonemes.back().symbol == kPauseSymbol) {
    speech.phonemes.back().end = speech.duration_seconds();
    return;
  }
  speech.phonemes.push_back(
      {std::string(kPauseSymbol), start, speech.duration_seconds(), Viseme::kClosed});
}

Status Append(Speech& speech, const Speech& piece) {
  if (speech.audio.sample_rate != piece.audio.sample_rate) {
    return Status::Internal("appending speech at a different sample rate");
  }
  const double offset = speech.duration_seconds();
  const size_t phoneme_offset = speech.phonemes.size();
  speech.audio.samples.insert(speech.audio.samples.end(), piece.audio.samples.begin(),
                              piece.audio.samples.end());
  for (Phoneme p : piece.phonemes) {
    p.start += offset;
    p.end += offset;
    speech.phonemes.push_back(std::move(p));
  }
  for (auto [from, to] : {std::pair{&piece.units, &speech.units}, {&piece.words, &speech.words}}) {
    for (SpeechUnit u : *from) {
      u.start += offset;
      u.end += offset;
      u.first_phoneme += phoneme_offset;
      u.end_phoneme += phoneme_offset;
      to->push_back(std::move(u));
    }
  }
  // Sample rounding can leave the last phoneme a fraction of a sample off; pin it.
  if (!speech.phonemes.empty()) speech.phonemes.back().end = speech.duration_seconds();
  return Status::Ok();
}

void Trim(Speech& speech, double start, double end) {
  const int rate = speech.audio.sample_rate;
  const size_t n = speech.audio.samples.size();
  const size_t first = std::min(n, static_cast<size_t>(std::max(0L, std::lround(start * rate))));
  const size_t last =
      std::clamp(static_cast<size_t>(std::max(0L, std::lround(end * rate))), first, n);
  std::vector<float> kept(speech.audio.samples.begin() + static_cast<long>(first),
                          speech.audio.samples.begin() + static_cast<long>(last));
  speech.audio.samples = std::move(kept);
  const double t0 = static_cast<double>(first) / rate;
  const double t1 = static_cast<double>(last) / rate;

  std::vector<Phoneme> phonemes;
  std::vector<size_t> new_index(speech.phonemes.size() + 1, 0);
  for (size_t i = 0; i < speech.phonemes.size(); ++i) {
    new_index[i] = phonemes.size();
    Phoneme p = speech.phonemes[i];
    if (p.end <= t0 || p.start >= t1) continue;
    p.start = std::max(p.start, t0) - t0;
    p.end = std::min(p.end, t1) - t0;
    phonemes.push_back(std::move(p));
  }
  new_index[speech.phonemes.size()] = phonemes.size();
  if (!phonemes.empty()) {
    phonemes.front().start = 0;
    phonemes.back().end = t1 - t0;
  }
  speech.phonemes = std::move(phonemes);
  for (auto* list : {&speech.units, &speech.words}) {
    std::vector<SpeechUnit> kept_units;
    for (SpeechUnit u : *list) {
      if (u.end <= t0 || u.start >= t1) continue;
      u.start = std::max(u.start, t0) - t0;
      u.end = std::min(u.end, t1) - t0;
      u.first_phoneme = new_index[u.first_phoneme];
      u.end_phoneme = new_index[u.end_phoneme];
      kept_units.push_back(std::move(u));
    }
    *list = std::move(kept_units);
  }
}

void AbsorbEdgePauses(Speech& speech) {
  auto& ph = speech.phonemes;
  if (ph.size() > 1 && ph.back().symbol == kPauseSymbol) {
    const double end = ph.back().end;
    ph.pop_back();
    ph.back().end = end;
    for (auto* list : {&speech.units, &speech.words}) {
      for (SpeechUnit& u : *list) {
        if (u.end_phoneme == ph.size()) u.end = end;
        u.end_phoneme = std::min(u.end_phoneme, ph.size());
      }
    }
  }
  if (ph.size() > 1 && ph.front().symbol == kPauseSymbol) {
    ph.erase(ph.begin());
    ph.front().start = 0;
    for (auto* list : {&speech.units, &speech.words}) {
      for (SpeechUnit& u : *list) {
        if (u.first_phoneme == 1) u.start = 0;
        u.first_phoneme = u.first_phoneme > 0 ? u.first_phoneme - 1 : 0;
        u.end_phoneme = u.end_phoneme > 0 ? u.end_phoneme - 1 : 0;
      }
    }
  }
}

Status CheckTimings(const Speech& speech) {
  constexpr double kTolerance = 1e-6;
  const double duration = speech.duration_seconds();
  if (speech.phonemes.empty()) {
    return duration == 0 ? Status::Ok() : Status::Internal("audio without phonemes");
  }
  if (std::abs(speech.phonemes.front().start) > kTolerance) {
    return Status::Internal("first phoneme does not start at 0");
  }
  for (size_t i = 0; i < speech.phonemes.size(); ++i) {
    const Phoneme& p = speech.phonemes[i];
    if (p.end < p.start) return Status::Internal("phoneme " + std::to_string(i) + " ends first");
    if (i > 0 && std::abs(p.start - speech.phonemes[i - 1].end) > kTolerance) {
      return Status::Internal("phoneme " + std::to_string(i) + " is not contiguous");
    }
  }
  if (std::abs(speech.phonemes.back().end - duration) > kTolerance) {
    return Status::Internal("phonemes end at " + std::to_string(speech.phonemes.back().end) +
                            " s, audio at " + std::to_string(duration) + " s");
  }
  for (auto* list : {&speech.units, &speech.words}) {
    double previous_end = 0;
    for (size_t i = 0; i < list->size(); ++i) {
      const SpeechUnit& u = (*list)[i];
      if (u.start < previous_end - kTolerance || u.end < u.start || u.end > duration + kTolerance ||
          u.first_phoneme >= u.end_phoneme || u.end_phoneme > speech.phonemes.size() ||
          std::abs(u.start - speech.phonemes[u.first_phoneme].start) > kTolerance ||
          std::abs(u.end - speech.phonemes[u.end_phoneme - 1].end) > kTolerance) {
        return Status::Internal(std::string(list == &speech.units ? "unit " : "word ") +
                                std::to_string(i) + " (" + u.text + ") is out of order");
      }
      previous_end = u.end;
    }
  }
  return Status::Ok();
}

}  // namespace vmsg::speech
