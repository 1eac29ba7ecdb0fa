// See image_objects.h.
#include "pipeline/stages/image_objects.h"

#include <opencv2/imgcodecs.hpp>

#include "image/image_io.h"

namespace vmsg::pipeline {

cv::Rect PaddedBox(const cv::Rect& box, cv::Size image) {
  const int dx = int(box.width * kCropPadding), dy = int(box.height * kCropPadding);
  return cv::Rect(box.x - dx, box.y - dy, box.width + 2 * dx, box.height + 2 * dy) &
         cv::Rect(0, 0, image.width, image.height);
}

cv::Rect CutoutRect(const image::Person& person, cv::Size image) {
  cv::Rect rect = PaddedBox(person.bbox, image);
  if (person.face) {
    const cv::Rect& f = *person.face;
    const int reach = int(kCutoutReachFaces * f.width);
    const int centre = f.x + f.width / 2;
    rect |= cv::Rect(centre - reach, rect.y, 2 * reach, rect.height);
  }
  rect.height = image.height - rect.y;
  return rect & cv::Rect(0, 0, image.width, image.height);
}

Result<cv::Mat> LoadOriginal(StageContext& ctx, WorkItem& item) {
  if (item.original.empty()) {
    VMSG_ASSIGN_OR_RETURN(std::string bytes, ctx.store.GetBytes(ObjectKey(item, keys::kOriginal)));
    VMSG_ASSIGN_OR_RETURN(item.original, image::DecodeStored(bytes, cv::IMREAD_COLOR));
  }
  return item.original;
}

Result<image::Detection> LoadDetection(StageContext& ctx, WorkItem& item) {
  if (!item.detection) {
    VMSG_ASSIGN_OR_RETURN(std::string bytes, ctx.store.GetBytes(ObjectKey(item, keys::kPersons)));
    const Json json = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return Status::DataLoss("stored persons.json is not JSON");
    VMSG_ASSIGN_OR_RETURN(image::Detection detection, image::DetectionFromJson(json));
    item.detection = std::move(detection);
  }
  return *item.detection;
}

Status ChoosePerson(WorkItem& item) {
  const int count = item.detection ? int(item.detection->persons.size()) : 0;
  if (item.request.person_index) {
    const int wanted = *item.request.person_index;
    if (wanted < 0 || wanted >= count) {
      return Status::InvalidArgument("person_index " + std::to_string(wanted) +
                                         " does not exist (" + std::to_string(count) +
                                         " persons found)",
                                     "person_index_out_of_range");
    }
    item.chosen_person = wanted;
    return Status::Ok();
  }
  item.chosen_person = count > 0 ? 0 : -1;
  return Status::Ok();
}

Result<image::Person> ChosenPerson(StageContext& ctx, WorkItem& item) {
  VMSG_ASSIGN_OR_RETURN(image::Detection detection, LoadDetection(ctx, item));
  if (item.chosen_person < 0) VMSG_RETURN_IF_ERROR(ChoosePerson(item));
  if (item.chosen_person < 0 || item.chosen_person >= int(detection.persons.size())) {
    return Status::InvalidArgument("nobody was found in the photo", "no_person_detected");
  }
  return detection.persons[size_t(item.chosen_person)];
}

}  // namespace vmsg::pipeline
