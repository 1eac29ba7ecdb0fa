// See frame_preview.h.
#include "pipeline/stages/frame_preview.h"

#include "pipeline/stages/image_objects.h"

namespace vmsg::pipeline {

Result<std::unique_ptr<FramePreviewer>> FramePreviewer::Make(const image::Segmenter* segmenter) {
  VMSG_ASSIGN_OR_RETURN(auto removal, BackgroundRemovalStage::Make({.segmenter = segmenter}));
  VMSG_ASSIGN_OR_RETURN(auto framing, FramingStage::Make({}));
  return std::unique_ptr<FramePreviewer>(
      new FramePreviewer(std::move(removal), std::move(framing)));
}

Result<image::Framed> FramePreviewer::Frame(StageContext& ctx, WorkItem& item) const {
  for (std::string_view needed : {keys::kOriginal, keys::kPersons}) {
    VMSG_ASSIGN_OR_RETURN(bool stored, ctx.store.Exists(ObjectKey(item, needed)));
    if (!stored) {
      return Status::NotFound("no detected photo " + item.task_id +
                                  " (send it to /api/person-detection/detect first; it may "
                                  "have expired)",
                              "image_not_found");
    }
  }
  VMSG_RETURN_IF_ERROR(ChosenPerson(ctx, item).status());
  VMSG_ASSIGN_OR_RETURN(bool cut_out, ctx.store.Exists(ObjectKey(item, keys::kCutout)));
  if (!cut_out) VMSG_RETURN_IF_ERROR(removal_->Run(ctx, item));
  return framing_->Frame(ctx, item);
}

}  // namespace vmsg::pipeline
