// Speech timings as JSON, stored beside each generated WAV so that a later step (mixing,
// lip motion, karaoke subtitles), or a redelivered task, has them without re-synthesising:
//   {language: "ja"|"en", duration_seconds, sample_rate,
//    phonemes: [{symbol, start, end, viseme}],
//    units: [{text, start, end, viseme, first_phoneme, end_phoneme}], words: [...]}
#pragma once

#include "base/json.h"
#include "base/result.h"
#include "speech/speech.h"

namespace vmsg::speech {

Json SpeechTimingsToJson(const Speech& speech);

// Rebuilds the timings onto `audio` (read from the WAV they belong to). DataLoss when the
// JSON is malformed or the timings do not describe that audio (CheckTimings).
Result<Speech> SpeechFromJson(const Json& json, audio::Sound audio);

}  // namespace vmsg::speech
