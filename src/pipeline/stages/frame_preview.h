// The framed still before any task is made: steps 3 and 4 for a photo the detect endpoint
// stored (images/uploads/{image_id}/original.jpg and persons.json), for the page to show
// while the person, the framing or the background change. The chosen person's cut-out is made
// once per image and person and kept beside the photo (person_{i}_bg_removed.png, the
// spec's name), so that a change of framing or background costs only the framing.
#pragma once

#include <memory>

#include "base/result.h"
#include "image/framing.h"
#include "image/segmenter.h"
#include "pipeline/stage.h"
#include "pipeline/stages/background_removal_stage.h"
#include "pipeline/stages/framing_stage.h"

namespace vmsg::pipeline {

class FramePreviewer {
 public:
  // InvalidArgument without a segmenter.
  static Result<std::unique_ptr<FramePreviewer>> Make(const image::Segmenter* segmenter);

  // Frames the photo of `item.task_id` (the image id) as `item.request` asks (person,
  // framing, background). Errors: NotFound "image_not_found" when the image id has no
  // detected photo; person_index_out_of_range, no_person_detected, unknown_background and
  // the background upload's refusals (InvalidArgument); the store's. Thread-safe.
  Result<image::Framed> Frame(StageContext& ctx, WorkItem& item) const;

 private:
  FramePreviewer(std::unique_ptr<BackgroundRemovalStage> removal,
                 std::unique_ptr<FramingStage> framing)
      : removal_(std::move(removal)), framing_(std::move(framing)) {}

  const std::unique_ptr<BackgroundRemovalStage> removal_;
  const std::unique_ptr<FramingStage> framing_;
};

}  // namespace vmsg::pipeline
