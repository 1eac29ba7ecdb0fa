#include "speech/speech_json.h"

#include <array>

namespace vmsg::speech {
namespace {

constexpr std::array<Viseme, 6> kVisemes = {Viseme::kClosed, Viseme::kA, Viseme::kI,
                                            Viseme::kU,      Viseme::kE, Viseme::kO};

constexpr std::array<WordBreak, 3> kWordBreaks = {WordBreak::kNone, WordBreak::kWord,
                                                  WordBreak::kPhrase};

Json UnitsToJson(const std::vector<SpeechUnit>& units, bool with_breaks) {
  Json out = Json::array();
  for (const SpeechUnit& u : units) {
    Json unit = {{"text", u.text},
                 {"start", u.start},
                 {"end", u.end},
                 {"viseme", VisemeName(u.viseme)},
                 {"first_phoneme", u.first_phoneme},
                 {"end_phoneme", u.end_phoneme}};
    if (with_breaks) unit["break"] = WordBreakName(u.break_before);
    out.push_back(std::move(unit));
  }
  return out;
}

// Timings stored before words carried breaks have none: every word boundary is a word's.
Result<WordBreak> WordBreakFrom(const Json& unit) {
  if (!unit.contains("break")) return WordBreak::kWord;
  const Json& j = unit["break"];
  if (!j.is_string()) return Status::DataLoss("break is not a string");
  for (WordBreak wb : kWordBreaks) {
    if (WordBreakName(wb) == j.get<std::string>()) return wb;
  }
  return Status::DataLoss("unknown break '" + j.get<std::string>() + "'");
}

Result<Viseme> VisemeFrom(const Json& j) {
  if (!j.is_string()) return Status::DataLoss("viseme is not a string");
  for (Viseme v : kVisemes) {
    if (VisemeName(v) == j.get<std::string>()) return v;
  }
  return Status::DataLoss("unknown viseme '" + j.get<std::string>() + "'");
}

Result<std::vector<SpeechUnit>> UnitsFrom(const Json& list) {
  if (!list.is_array()) return Status::DataLoss("units are not a list");
  std::vector<SpeechUnit> units;
  for (const Json& j : list) {
    SpeechUnit u;
    try {
      u.text = j.at("text").get<std::string>();
      u.start = j.at("start").get<double>();
      u.end = j.at("end").get<double>();
      u.first_phoneme = j.at("first_phoneme").get<size_t>();
      u.end_phoneme = j.at("end_phoneme").get<size_t>();
    } catch (const Json::exception& e) {
      return Status::DataLoss(std::string("a timing unit is malformed: ") + e.what());
    }
    VMSG_ASSIGN_OR_RETURN(u.viseme, VisemeFrom(j.at("viseme")));
    VMSG_ASSIGN_OR_RETURN(u.break_before, WordBreakFrom(j));
    units.push_back(std::move(u));
  }
  return units;
}

}  // namespace

Json SpeechTimingsToJson(const Speech& speech) {
  Json phonemes = Json::array();
  for (const Phoneme& p : speech.phonemes) {
    Json phoneme = {
        {"symbol", p.symbol}, {"start", p.start}, {"end", p.end}, {"viseme", VisemeName(p.viseme)}};
    if (p.nucleus) phoneme["nucleus"] = true;
    if (p.question) phoneme["question"] = true;
    phonemes.push_back(std::move(phoneme));
  }
  return {
      {"language", LanguageCode(speech.language)}, {"duration_seconds", speech.duration_seconds()},
      {"sample_rate", speech.audio.sample_rate},   {"phonemes", std::move(phonemes)},
      {"units", UnitsToJson(speech.units, false)}, {"words", UnitsToJson(speech.words, true)}};
}

Result<Speech> SpeechFromJson(const Json& json, audio::Sound audio) {
  auto bad = [](const std::string& why) {
    return Status::DataLoss("speech timings are malformed: " + why);
  };
  if (!json.is_object()) return bad("not an object");
  Speech speech;
  const Json& language = json.contains("language") ? json["language"] : Json();
  if (language == "ja") {
    speech.language = Language::kJapanese;
  } else if (language == "en") {
    speech.language = Language::kEnglish;
  } else {
    return bad("unknown language");
  }
  if (!json.contains("phonemes") || !json["phonemes"].is_array()) return bad("no phonemes");
  for (const Json& j : json["phonemes"]) {
    Phoneme p;
    try {
      p.symbol = j.at("symbol").get<std::string>();
      p.start = j.at("start").get<double>();
      p.end = j.at("end").get<double>();
      p.nucleus = j.value("nucleus", false);
      p.question = j.value("question", false);
    } catch (const Json::exception& e) {
      return bad(std::string("a phoneme: ") + e.what());
    }
    VMSG_ASSIGN_OR_RETURN(p.viseme, VisemeFrom(j.at("viseme")));
    speech.phonemes.push_back(std::move(p));
  }
  VMSG_ASSIGN_OR_RETURN(speech.units, UnitsFrom(json.value("units", Json::array())));
  VMSG_ASSIGN_OR_RETURN(speech.words, UnitsFrom(json.value("words", Json::array())));
  speech.audio = std::move(audio);
  if (Status ok = CheckTimings(speech); !ok.ok()) {
    return bad("they do not describe the audio: " + ok.message());
  }
  return speech;
}

}  // namespace vmsg::speech
