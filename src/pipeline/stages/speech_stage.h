// Steps 5 and 6 (60 % and 70 %): speak the message. Step 5 (SpeechStage) speaks it in the
// chosen voice with a neutral delivery and stores voices/generated/{task_id}/base_voice.wav;
// step 6 (ProsodyStage) speaks it again with the request's delivery (a preset, named or
// chosen from the message, and the user's speed, pitch and volume) and stores
// prosody_adjusted.wav, which the later steps mix and animate. Pitch and tempo are set
// inside the engines, so a change of delivery is a second synthesis rather than a filter,
// and the timings (phonemes, moras or words, mouth shapes) stay exact. Each WAV has its
// timings beside it as JSON (speech/speech_json.h), so a redelivered task resumes with them.
#pragma once

#include <memory>

#include "pipeline/stage.h"
#include "speech/speaker.h"

namespace vmsg::pipeline {

class SpeechStage final : public Stage {
 public:
  // `speaker` must outlive the stage.
  explicit SpeechStage(const speech::Speaker& speaker) : speaker_(speaker) {}

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override { return {}; }
  std::vector<std::string> Outputs() const override;
  // The text's and the voice's refusals (invalid_text, text_too_long, text_empty,
  // unknown_voice) as the Speaker returns them.
  Status Run(StageContext& ctx, WorkItem& item) const override;

 private:
  const speech::Speaker& speaker_;
};

class ProsodyStage final : public Stage {
 public:
  explicit ProsodyStage(const speech::Speaker& speaker) : speaker_(speaker) {}

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override { return {}; }
  std::vector<std::string> Outputs() const override;
  // As SpeechStage, plus invalid_prosody naming the field out of range. Sets item.speech.
  Status Run(StageContext& ctx, WorkItem& item) const override;
  // Loads item.speech from the stored WAV and timings.
  Status Restore(StageContext& ctx, WorkItem& item) const override;

 private:
  const speech::Speaker& speaker_;
};

}  // namespace vmsg::pipeline
