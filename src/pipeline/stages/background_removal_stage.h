// Step 3 (35 %): cut the chosen person out of the photo with a Segmenter and store the RGBA
// person_{i}_bg_removed.png (the padded person box down to the photo's bottom, alpha =
// the matte). When the request
// keeps the original background, the crop is stored fully opaque instead.
#pragma once

#include <memory>

#include "base/result.h"
#include "image/segmenter.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

class BackgroundRemovalStage final : public Stage {
 public:
  struct Params {
    const image::Segmenter* segmenter = nullptr;  // not owned; outlives the stage
    // The cutout is scaled down to at most this on its longer side: the frame shows a face
    // at most 25 % of 910 pixels high, so more detail than this is never seen.
    int max_cutout_side = 1024;
    // OK when segmenter is set and max_cutout_side is at least image::kFrameHeight.
    Status Validate() const;
  };

  static Result<std::unique_ptr<BackgroundRemovalStage>> Make(const Params& params);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // InvalidArgument "no_person_detected" when step 2 found nobody.
  Status Run(StageContext& ctx, WorkItem& item) const override;

 private:
  explicit BackgroundRemovalStage(const Params& params) : params_(params) {}
  const Params params_;
};

}  // namespace vmsg::pipeline
