// See upload_stage.h.
#include "pipeline/stages/upload_stage.h"

#include "pipeline/stages/image_objects.h"

namespace vmsg::pipeline {

Status UploadStage::Params::Validate() const {
  if (max_side < image::kMinImageSide) {
    return Status::InvalidArgument("upload max_side must be at least " +
                                   std::to_string(image::kMinImageSide));
  }
  if (jpeg_quality < 1 || jpeg_quality > 100) {
    return Status::InvalidArgument("upload jpeg_quality must be 1..100");
  }
  return Status::Ok();
}

Result<std::unique_ptr<UploadStage>> UploadStage::Make(const Params& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  return std::unique_ptr<UploadStage>(new UploadStage(params));
}

const StepInfo& UploadStage::Step() const {
  static const StepInfo step{"upload", 5, "画像をアップロード中...", "Uploading the image..."};
  return step;
}

std::vector<std::string> UploadStage::Inputs() const { return {std::string(kUploadInput)}; }
std::vector<std::string> UploadStage::Outputs() const { return {std::string(keys::kOriginal)}; }

Status UploadStage::Run(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(cv::Mat image,
                        image::DecodeUpload(item.request.upload, {.max_side = params_.max_side}));
  // Re-encoding writes a plain JFIF: no EXIF (GPS, camera), no other metadata.
  VMSG_ASSIGN_OR_RETURN(std::string jpeg, image::EncodeJpeg(image, params_.jpeg_quality));
  VMSG_RETURN_IF_ERROR(
      ctx.store.Put(ObjectKey(item, keys::kOriginal), jpeg, {.content_type = "image/jpeg"}));
  item.original = std::move(image);
  return Status::Ok();
}

}  // namespace vmsg::pipeline
