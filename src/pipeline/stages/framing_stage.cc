// See framing_stage.h.
#include "pipeline/stages/framing_stage.h"

#include <opencv2/imgcodecs.hpp>

#include "image/backgrounds.h"
#include "image/image_io.h"
#include "pipeline/stages/image_objects.h"

namespace vmsg::pipeline {

Status FramingStage::Params::Validate() const {
  if (max_background_side < image::kLargestFrameSide) {
    return Status::InvalidArgument(
        "max_background_side must be at least the largest frame's side (" +
        std::to_string(image::kLargestFrameSide) + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<FramingStage>> FramingStage::Make(const Params& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  return std::unique_ptr<FramingStage>(new FramingStage(params));
}

const StepInfo& FramingStage::Step() const {
  static const StepInfo step{"image_optimization", 50, "画像を最適化中...",
                             "Optimizing the image..."};
  return step;
}

std::vector<std::string> FramingStage::Inputs() const {
  return {std::string(keys::kOriginal), std::string(keys::kPersons), std::string(keys::kCutout)};
}
std::vector<std::string> FramingStage::Outputs() const {
  return {std::string(keys::kFramed), std::string(keys::kFramedFace)};
}

Result<cv::Mat> FramingStage::Preset(const std::string& id, cv::Size size) const {
  const std::string key = id + "@" + std::to_string(size.width) + "x" + std::to_string(size.height);
  std::lock_guard lock(mutex_);
  if (auto it = presets_.find(key); it != presets_.end()) return it->second;
  auto rendered = image::RenderBackground(id, size);
  if (!rendered.ok()) {
    return Status::InvalidArgument("no background " + id, "unknown_background");
  }
  presets_.emplace(key, *rendered);
  return *rendered;
}

Result<image::Framed> FramingStage::Frame(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(image::Person person, ChosenPerson(ctx, item));
  image::FrameRequest request;
  VMSG_ASSIGN_OR_RETURN(request.original, LoadOriginal(ctx, item));
  if (item.cutout.empty()) {
    VMSG_ASSIGN_OR_RETURN(std::string png, ctx.store.GetBytes(ObjectKey(item, keys::kCutout)));
    VMSG_ASSIGN_OR_RETURN(item.cutout, image::DecodeStored(png, cv::IMREAD_UNCHANGED));
    item.cutout_rect = CutoutRect(person, request.original.size());
    if (item.cutout.type() != CV_8UC4) return Status::DataLoss("the stored cutout is not RGBA");
  }
  request.cutout = item.cutout;
  request.cutout_rect = item.cutout_rect;
  if (person.face) request.face = *person.face;
  request.landmarks = person.landmarks;
  request.framing = item.request.framing;
  const image::FormatSpec& format = image::SpecOf(item.request.format);
  request.frame = cv::Size(format.width, format.height);

  const Request& r = item.request;
  if (r.keep_original_background) {
    request.background = image::FrameBackground::kOriginal;
  } else {
    switch (r.background) {
      case BackgroundKind::kPreset: {
        VMSG_ASSIGN_OR_RETURN(request.background_image, Preset(r.background_id, request.frame));
        break;
      }
      case BackgroundKind::kUploaded: {
        auto decoded =
            image::DecodeUpload(r.background_upload, {.max_side = params_.max_background_side});
        if (!decoded.ok()) return decoded.status().WithContext("background image");
        request.background_image = std::move(decoded).value();
        break;
      }
      case BackgroundKind::kOriginal:
        request.background = image::FrameBackground::kOriginal;
        break;
      case BackgroundKind::kBlurredOriginal:
        request.background = image::FrameBackground::kBlurredOriginal;
        break;
    }
  }
  return image::FramePortrait(request);
}

Status FramingStage::Run(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(image::Framed framed, Frame(ctx, item));
  VMSG_ASSIGN_OR_RETURN(std::string png, image::EncodePng(framed.image));
  VMSG_RETURN_IF_ERROR(
      ctx.store.Put(ObjectKey(item, keys::kFramed), png, {.content_type = "image/png"}));
  Json face = Json::object();
  const image::FormatSpec& format = image::SpecOf(item.request.format);
  face["composition"] = {{"framing", std::string(image::FramingName(item.request.framing))},
                         {"format", std::string(format.name)},
                         {"width", format.width},
                         {"height", format.height},
                         {"scale", framed.composition.scale},
                         {"upscale_capped", framed.composition.upscale_capped},
                         {"face_share", framed.figures.face_share},
                         {"eye_line", framed.figures.eye_line},
                         {"centre_offset", framed.figures.centre_offset},
                         {"anchor_x", framed.composition.anchor_x}};
  if (!framed.landmarks.empty()) {
    Json points = Json::array();
    for (const cv::Point2f& p : framed.landmarks) points.push_back({p.x, p.y});
    face["landmarks"] = std::move(points);
  }
  VMSG_RETURN_IF_ERROR(ctx.store.Put(ObjectKey(item, keys::kFramedFace), face.dump(),
                                     {.content_type = "application/json"}));
  item.framed = std::move(framed.image);
  item.framed_alpha = std::move(framed.alpha);
  item.framed_landmarks = std::move(framed.landmarks);
  item.composition = std::move(face["composition"]);
  return Status::Ok();
}

Status FramingStage::Restore(StageContext& ctx, WorkItem& item) const {
  VMSG_ASSIGN_OR_RETURN(std::string bytes, ctx.store.GetBytes(ObjectKey(item, keys::kFramedFace)));
  const Json json = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Status::DataLoss("stored framed_face.json is not a JSON object");
  item.framed_landmarks.clear();
  item.composition = json.value("composition", Json());
  if (!json.contains("landmarks")) return Status::Ok();
  const Json& points = json["landmarks"];
  if (!points.is_array() || points.size() != size_t(image::kLandmarkCount)) {
    return Status::DataLoss("stored framed_face.json does not hold 68 landmarks");
  }
  for (const Json& p : points) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      return Status::DataLoss("stored framed_face.json has a malformed landmark");
    }
    item.framed_landmarks.emplace_back(p[0].get<float>(), p[1].get<float>());
  }
  return Status::Ok();
}

}  // namespace vmsg::pipeline
