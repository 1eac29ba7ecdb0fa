// Speech with made-up timings for the video tests: words one after another, each
// `seconds_each` long, over silence. Tests only.
#pragma once

#include <string>
#include <vector>

#include "speech/speech.h"

namespace vmsg::test {

inline speech::Speech TimedSpeech(const std::vector<std::string>& words, double seconds_each,
                                  speech::Language language) {
  constexpr int kRate = 16000;
  speech::Speech speech;
  speech.language = language;
  double t = 0;
  for (const std::string& w : words) {
    speech.words.push_back({w, t, t + seconds_each});
    t += seconds_each;
  }
  speech.units = speech.words;
  speech.audio = {kRate, 1, std::vector<float>(static_cast<size_t>(t * kRate), 0.0f)};
  return speech;
}

}  // namespace vmsg::test
