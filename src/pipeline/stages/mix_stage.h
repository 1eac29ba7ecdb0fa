// Step 7 (80 %): the message over its music. The speech step 6 delivered is mixed over the
// request's track (looped, ducked under the speech, faded; or no music) and the whole is
// normalised to -14 LUFS with true peak at most -1 dBTP (audio/mix.h), then stored as
// voices/generated/{task_id}/final_mixed.mp3. The mix starts kLead seconds before the speech,
// so the later steps place the speech's timings at MixStage::Params::mix.lead_seconds.
#pragma once

#include "audio/mix.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

class MixStage final : public Stage {
 public:
  struct Params {
    audio::MixOptions mix;
    int mp3_bit_rate = 192000;
    Status Validate() const;  // the mix options', and a bit rate in 32-320 kbit/s
  };

  static Result<std::unique_ptr<MixStage>> Make(const Params& params);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // Reads the music from request.music_key (none when empty). Errors: the mix's
  // (speech_empty, music_too_short), the music decoder's (unsupported_audio, audio_corrupt)
  // and NotFound for a music key that is not in the store.
  Status Run(StageContext& ctx, WorkItem& item) const override;

  const Params& params() const { return params_; }

 private:
  explicit MixStage(const Params& params) : params_(params) {}
  const Params params_;
};

}  // namespace vmsg::pipeline
