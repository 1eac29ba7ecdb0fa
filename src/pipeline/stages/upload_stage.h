// Step 1 (5 %): validate the upload (type by magic bytes, size, dimensions from the header
// before decoding), apply its EXIF orientation, drop its metadata and store it as
// images/uploads/{task_id}/original.jpg. A refused upload stores nothing.
#pragma once

#include <memory>

#include "base/result.h"
#include "image/image_io.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

// The stored original is at most this many pixels on its longer side: the video is 512x910,
// and every later step is faster on a smaller picture (a 12 MP JPEG decodes at half scale).
inline constexpr int kStoredOriginalMaxSide = 2048;

class UploadStage final : public Stage {
 public:
  struct Params {
    int max_side = kStoredOriginalMaxSide;
    int jpeg_quality = image::kDefaultJpegQuality;
    // OK when max_side >= image::kMinImageSide and jpeg_quality is 1..100.
    Status Validate() const;
  };

  static Result<std::unique_ptr<UploadStage>> Make(const Params& params);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // Refusals are InvalidArgument with media's reasons (unsupported_image_type,
  // image_too_large, image_too_many_pixels, image_too_small, image_corrupt).
  Status Run(StageContext& ctx, WorkItem& item) const override;

 private:
  explicit UploadStage(const Params& params) : params_(params) {}
  const Params params_;
};

}  // namespace vmsg::pipeline
