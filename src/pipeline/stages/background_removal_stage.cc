// See background_removal_stage.h.
#include "pipeline/stages/background_removal_stage.h"

#include <opencv2/imgproc.hpp>

#include "image/framing.h"
#include "image/image_io.h"
#include "pipeline/stages/image_objects.h"

namespace vmsg::pipeline {

Status BackgroundRemovalStage::Params::Validate() const {
  if (segmenter == nullptr) return Status::InvalidArgument("background removal needs a segmenter");
  if (max_cutout_side < image::kFrameHeight) {
    return Status::InvalidArgument("max_cutout_side must be at least the frame height");
  }
  return Status::Ok();
}

Result<std::unique_ptr<BackgroundRemovalStage>> BackgroundRemovalStage::Make(const Params& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  return std::unique_ptr<BackgroundRemovalStage>(new BackgroundRemovalStage(params));
}

const StepInfo& BackgroundRemovalStage::Step() const {
  static const StepInfo step{"background_removal", 35, "背景を削除中...",
                             "Removing the background..."};
  return step;
}

std::vector<std::string> BackgroundRemovalStage::Inputs() const {
  return {std::string(keys::kOriginal), std::string(keys::kPersons)};
}
std::vector<std::string> BackgroundRemovalStage::Outputs() const {
  return {std::string(keys::kCutout)};
}

Status BackgroundRemovalStage::Run(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(image::Person person, ChosenPerson(ctx, item));
  VMSG_ASSIGN_OR_RETURN(cv::Mat original, LoadOriginal(ctx, item));
  const cv::Rect rect = CutoutRect(person, original.size());
  cv::Mat crop = original(rect);
  const int longer = std::max(crop.cols, crop.rows);
  if (longer > params_.max_cutout_side) {
    const double scale = double(params_.max_cutout_side) / longer;
    cv::resize(crop, crop, image::ScaledSize(crop.size(), scale), 0, 0, cv::INTER_AREA);
  }
  const double scale = double(crop.cols) / rect.width;
  auto scaled = [&](const cv::Rect& r) {
    return cv::Rect(
        cv::Point(int((r.x - rect.x) * scale), int((r.y - rect.y) * scale)),
        cv::Point(int((r.x + r.width - rect.x) * scale), int((r.y + r.height - rect.y) * scale)));
  };
  cv::Mat alpha;
  if (item.request.keep_original_background) {
    alpha = cv::Mat(crop.size(), CV_8UC1, cv::Scalar(255));
  } else {
    image::PersonHint hint{.body = scaled(person.bbox),
                           .open_left = rect.x == 0,
                           .open_top = rect.y == 0,
                           .open_right = rect.br().x == original.cols};
    if (person.face) hint.face = scaled(*person.face);
    for (const image::Person& other : item.detection->persons) {
      if (other.index == person.index) continue;
      image::PersonBoxes boxes{.body = scaled(other.bbox)};
      if (other.face) boxes.face = scaled(*other.face);
      hint.others.push_back(boxes);
    }
    VMSG_ASSIGN_OR_RETURN(alpha, params_.segmenter->Segment(crop, hint));
  }
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
  cv::Mat cutout;
  cv::cvtColor(crop, cutout, cv::COLOR_BGR2BGRA);
  cv::insertChannel(alpha, cutout, 3);
  VMSG_ASSIGN_OR_RETURN(std::string png, image::EncodePng(cutout));
  VMSG_RETURN_IF_ERROR(
      ctx.store.Put(ObjectKey(item, keys::kCutout), png, {.content_type = "image/png"}));
  item.cutout = std::move(cutout);
  item.cutout_rect = rect;
  return Status::Ok();
}

}  // namespace vmsg::pipeline
