#include "pipeline/stages/mix_stage.h"

#include "audio/codec.h"
#include "pipeline/stages/speech_stage.h"

namespace vmsg::pipeline {
namespace {

// The decoder's rate for music: the mix resamples to its own anyway.
constexpr int kMusicDecodeRate = 48000;
constexpr int kMinBitRate = 32000;
constexpr int kMaxBitRate = 320000;

}  // namespace

Status MixStage::Params::Validate() const {
  VMSG_RETURN_IF_ERROR(mix.Validate());
  if (mp3_bit_rate < kMinBitRate || mp3_bit_rate > kMaxBitRate) {
    return Status::InvalidArgument("mix stage: mp3_bit_rate must be 32000-320000",
                                   "invalid_mix_options");
  }
  return Status::Ok();
}

Result<std::unique_ptr<MixStage>> MixStage::Make(const Params& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  return std::unique_ptr<MixStage>(new MixStage(params));
}

const StepInfo& MixStage::Step() const {
  static const StepInfo step{"audio_mixing", 80, "BGMをミキシング中...", "Mixing the music..."};
  return step;
}

std::vector<std::string> MixStage::Inputs() const {
  return {std::string(keys::kAdjustedVoice), std::string(keys::kAdjustedTimings)};
}

std::vector<std::string> MixStage::Outputs() const { return {std::string(keys::kMixed)}; }

Status MixStage::Run(StageContext& ctx, WorkItem& item) const {
  if (!item.speech) {
    return Status::FailedPrecondition("mix stage: step 6 left no speech for this task");
  }
  std::optional<audio::Sound> music;
  if (!item.request.music_key.empty()) {
    Result<std::string> bytes = ctx.store.GetBytes(item.request.music_key);
    if (!bytes.ok()) {
      return bytes.status().WithContext("reading the music " + item.request.music_key);
    }
    VMSG_ASSIGN_OR_RETURN(music, audio::DecodeAudio(*bytes, kMusicDecodeRate, 2));
  }
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
  VMSG_ASSIGN_OR_RETURN(audio::MixResult mixed,
                        audio::Mix(*item.speech, music ? &*music : nullptr, params_.mix));
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
  VMSG_ASSIGN_OR_RETURN(std::string mp3,
                        audio::EncodeMp3(mixed.mix, {.bit_rate = params_.mp3_bit_rate}));
  return ctx.store.Put(ObjectKey(item, keys::kMixed), mp3, {"audio/mpeg"});
}

}  // namespace vmsg::pipeline
