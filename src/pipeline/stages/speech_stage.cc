#include "pipeline/stages/speech_stage.h"

#include "base/json.h"
#include "speech/speech_json.h"

namespace vmsg::pipeline {
namespace {

// Speaks the request's text with `prosody` and stores the WAV and its timings.
Result<speech::SpokenMessage> SpeakAndStore(const speech::Speaker& speaker, StageContext& ctx,
                                            const WorkItem& item,
                                            const speech::ProsodyParams& prosody,
                                            std::string_view wav_object,
                                            std::string_view timings_object) {
  VMSG_ASSIGN_OR_RETURN(speech::SpokenMessage spoken,
                        speaker.Synthesize(item.request.text, item.request.voice, prosody));
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
  // The timings go first: the WAV is the output whose presence marks the step done.
  VMSG_RETURN_IF_ERROR(ctx.store.Put(ObjectKey(item, timings_object),
                                     DumpJson(speech::SpeechTimingsToJson(spoken.speech)),
                                     {"application/json"}));
  VMSG_RETURN_IF_ERROR(ctx.store.Put(ObjectKey(item, wav_object),
                                     audio::EncodeWav(spoken.speech.audio), {"audio/wav"}));
  return spoken;
}

}  // namespace

const StepInfo& SpeechStage::Step() const {
  static const StepInfo step{"voice_synthesis", 60, "音声を合成中...", "Synthesizing the voice..."};
  return step;
}

std::vector<std::string> SpeechStage::Outputs() const {
  return {std::string(keys::kBaseTimings), std::string(keys::kBaseVoice)};
}

Status SpeechStage::Run(StageContext& ctx, WorkItem& item) const {
  speech::ProsodyParams neutral;
  neutral.preset = speech::ProsodyPreset::kNeutral;
  return SpeakAndStore(speaker_, ctx, item, neutral, keys::kBaseVoice, keys::kBaseTimings).status();
}

const StepInfo& ProsodyStage::Step() const {
  static const StepInfo step{"prosody_adjustment", 70, "プロソディを調整中...",
                             "Adjusting the delivery..."};
  return step;
}

std::vector<std::string> ProsodyStage::Outputs() const {
  return {std::string(keys::kAdjustedTimings), std::string(keys::kAdjustedVoice)};
}

Status ProsodyStage::Run(StageContext& ctx, WorkItem& item) const {
  VMSG_RETURN_IF_ERROR(item.request.prosody.Validate());
  VMSG_ASSIGN_OR_RETURN(speech::SpokenMessage spoken,
                        SpeakAndStore(speaker_, ctx, item, item.request.prosody,
                                      keys::kAdjustedVoice, keys::kAdjustedTimings));
  item.applied_preset = spoken.preset;
  item.speech = std::move(spoken.speech);
  return Status::Ok();
}

Status ProsodyStage::Restore(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(std::string wav, ctx.store.GetBytes(ObjectKey(item, keys::kAdjustedVoice)));
  VMSG_ASSIGN_OR_RETURN(std::string timings,
                        ctx.store.GetBytes(ObjectKey(item, keys::kAdjustedTimings)));
  VMSG_ASSIGN_OR_RETURN(audio::Sound audio, audio::DecodeWav(wav));
  auto json = ParseJson(timings);
  if (!json.ok())
    return Status::DataLoss("stored timings are not JSON: " + json.status().message());
  VMSG_ASSIGN_OR_RETURN(speech::Speech speech, speech::SpeechFromJson(*json, std::move(audio)));
  item.speech = std::move(speech);
  return Status::Ok();
}

}  // namespace vmsg::pipeline
