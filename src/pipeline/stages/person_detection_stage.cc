// See person_detection_stage.h.
#include "pipeline/stages/person_detection_stage.h"

#include <opencv2/imgproc.hpp>

#include "image/image_io.h"
#include "pipeline/pipeline.h"
#include "pipeline/stages/image_objects.h"
#include "pipeline/stages/upload_stage.h"

namespace vmsg::pipeline {

Status PersonDetectionStage::Params::Validate() const {
  if (detector == nullptr) return Status::InvalidArgument("person detection needs a detector");
  constexpr int kMinPreview = 16, kMaxPreview = 1024;
  if (preview_side < kMinPreview || preview_side > kMaxPreview) {
    return Status::InvalidArgument("preview_side must be 16..1024");
  }
  return Status::Ok();
}

Result<std::unique_ptr<PersonDetectionStage>> PersonDetectionStage::Make(const Params& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  return std::unique_ptr<PersonDetectionStage>(new PersonDetectionStage(params));
}

const StepInfo& PersonDetectionStage::Step() const {
  static const StepInfo step{"person_detection", 15, "人物を検出中...", "Detecting people..."};
  return step;
}

std::vector<std::string> PersonDetectionStage::Inputs() const {
  return {std::string(keys::kOriginal)};
}
std::vector<std::string> PersonDetectionStage::Outputs() const {
  return {std::string(keys::kPersons)};
}

Status StorePersonImages(objects::ObjectStore& store, const std::string& id,
                         const cv::Mat& original, const image::Detection& detection,
                         int preview_side) {
  for (const image::Person& person : detection.persons) {
    const cv::Mat crop = original(PaddedBox(person.bbox, original.size()));
    VMSG_ASSIGN_OR_RETURN(std::string jpeg, image::EncodeJpeg(crop));
    VMSG_RETURN_IF_ERROR(
        store.Put(keys::PersonCrop(id, person.index), jpeg, {.content_type = "image/jpeg"}));
    const double scale = double(preview_side) / std::max(crop.cols, crop.rows);
    cv::Mat preview;
    cv::resize(crop, preview, image::ScaledSize(crop.size(), scale), 0, 0,
               scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    VMSG_ASSIGN_OR_RETURN(std::string preview_jpeg, image::EncodeJpeg(preview));
    VMSG_RETURN_IF_ERROR(store.Put(keys::PersonPreview(id, person.index), preview_jpeg,
                                   {.content_type = "image/jpeg"}));
  }
  return Status::Ok();
}

Status PersonDetectionStage::Run(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(cv::Mat original, LoadOriginal(ctx, item));
  VMSG_ASSIGN_OR_RETURN(image::Detection detection, params_.detector->Detect(original));
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
  item.detection = detection;
  // Refuse a missing person before writing anything the next run would take as done.
  VMSG_RETURN_IF_ERROR(ChoosePerson(item));
  VMSG_RETURN_IF_ERROR(
      StorePersonImages(ctx.store, item.task_id, original, detection, params_.preview_side));
  ctx.logger.Info("pipeline", "persons detected",
                  {{"task_id", item.task_id}, {"persons", detection.persons.size()}});
  return ctx.store.Put(ObjectKey(item, keys::kPersons), image::DetectionToJson(detection).dump(),
                       {.content_type = "application/json"});
}

Status PersonDetectionStage::Restore(StageContext& ctx, WorkItem& item) const {
  VMSG_RETURN_IF_ERROR(LoadDetection(ctx, item).status());
  return ChoosePerson(item);
}

Result<image::Detection> DetectPersonsInUpload(StageContext& ctx,
                                               const image::PersonDetector& detector,
                                               const std::string& image_id, std::string upload) {
  std::vector<std::unique_ptr<Stage>> stages;
  VMSG_ASSIGN_OR_RETURN(auto upload_stage, UploadStage::Make({}));
  stages.push_back(std::move(upload_stage));
  VMSG_ASSIGN_OR_RETURN(auto detection_stage, PersonDetectionStage::Make({.detector = &detector}));
  stages.push_back(std::move(detection_stage));
  VMSG_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Build(std::move(stages)));
  WorkItem item{.task_id = image_id};
  item.request.upload = std::move(upload);
  VMSG_RETURN_IF_ERROR(pipeline.Run(ctx, item));
  if (!item.detection) return Status::Internal("person detection left no result");
  return *item.detection;
}

std::vector<std::string> DetectedObjectKeys(const std::string& image_id,
                                            const image::Detection& detection) {
  std::vector<std::string> out = {keys::Fill(keys::kOriginal, image_id),
                                  keys::Fill(keys::kPersons, image_id)};
  for (const image::Person& person : detection.persons) {
    out.push_back(keys::PersonCrop(image_id, person.index));
    out.push_back(keys::PersonPreview(image_id, person.index));
  }
  return out;
}

}  // namespace vmsg::pipeline
