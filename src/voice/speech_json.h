// Speech timings as JSON, stored beside each generated WAV so that a later step (mixing,
// lip motion, karaoke subtitles), or a redelivered task, has them without re-synthesising:
//   {language: "ja"|"en", duration_seconds, sample_rate,
//    phonemes: [{symbol, start, end, viseme}],
//    units: [{text, start, end, viseme, first_phoneme, end_phoneme}], words: [...]}
#pragma once

#include "common/json.h"
#include "common/result.h"
#include "voice/speech.h"

namespace vmsg::voice {

Json SpeechTimingsToJson(const Speech& speech);

// Rebuilds the timings onto `audio` (read from the WAV they belong to). DataLoss when the
// JSON is malformed or the timings do not describe that audio (CheckTimings).
Result<Speech> SpeechFromJson(const Json& json, Audio audio);

}  // namespace vmsg::voice
