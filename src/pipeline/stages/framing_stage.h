// Step 4 (50 %): frame the chosen person for the request's format (512x910, the spec's 9:16
// phone screen, by default; 1080x1920, 1080x1080 or 1920x1080 on request), face-aware, over
// the background the request chose (one of the ten presets, the original photo, the blurred
// original, or an uploaded image validated as in step 1), and store optimized_{w}x{h}.png.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "base/result.h"
#include "image/framing.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

class FramingStage final : public Stage {
 public:
  struct Params {
    // An uploaded background is decoded to at most this size (it is cover-cropped to the
    // frame).
    int max_background_side = 2048;
    Status Validate() const;  // OK when max_background_side >= image::kLargestFrameSide
  };

  static Result<std::unique_ptr<FramingStage>> Make(const Params& params);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // InvalidArgument "unknown_background" for a preset id that does not exist, and step 1's
  // refusal codes for a bad uploaded background. A request that keeps the original
  // background (step 3 stored an opaque crop) is framed over the original photo.
  Status Run(StageContext& ctx, WorkItem& item) const override;
  // The framed picture Run stores, without storing anything: the chosen person (step 2's
  // persons.json) and their cut-out (item.cutout, or step 3's stored one) framed as the
  // request asks. Errors as Run's.
  Result<image::Framed> Frame(StageContext& ctx, WorkItem& item) const;
  // Loads the framed landmarks (framed_face.json) into the item; DataLoss when malformed.
  Status Restore(StageContext& ctx, WorkItem& item) const override;

 private:
  explicit FramingStage(const Params& params) : params_(params) {}
  Result<cv::Mat> Preset(const std::string& id, cv::Size size) const;

  const Params params_;
  mutable std::mutex mutex_;
  // Presets drawn at each frame size asked for, once per process ("id@WxH").
  mutable std::map<std::string, cv::Mat, std::less<>> presets_;  // GUARDED_BY(mutex_)
};

}  // namespace vmsg::pipeline
