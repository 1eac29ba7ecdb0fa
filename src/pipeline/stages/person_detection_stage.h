// Step 2 (15 %): find the persons in the original, store person_{i}_crop.jpg (the box plus
// 20 % padding) and images/previews/{task_id}/person_{i}_preview.jpg (256 px) for each, and
// persons.json (the detection, written last: its presence means the step is complete).
// Picks the person steps 3-4 work on: the request's person_index, or the largest.
#pragma once

#include <memory>

#include "base/result.h"
#include "image/person_detector.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

inline constexpr int kPreviewSide = 256;

class PersonDetectionStage final : public Stage {
 public:
  struct Params {
    const image::PersonDetector* detector = nullptr;  // not owned; outlives the stage
    int preview_side = kPreviewSide;
    // OK when detector is set and preview_side is 16..1024.
    Status Validate() const;
  };

  static Result<std::unique_ptr<PersonDetectionStage>> Make(const Params& params);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // A photo with nobody in it is not an error here (chosen_person stays -1; step 3 refuses
  // it). InvalidArgument "person_index_out_of_range" when the request names a missing person.
  Status Run(StageContext& ctx, WorkItem& item) const override;
  Status Restore(StageContext& ctx, WorkItem& item) const override;

 private:
  explicit PersonDetectionStage(const Params& params) : params_(params) {}
  const Params params_;
};

// Writes the crops and previews of every person in `detection` for task (or image) `id`.
// For the detect endpoint, which stores an upload and lets the user choose before any task.
Status StorePersonImages(objects::ObjectStore& store, const std::string& id,
                         const cv::Mat& original, const image::Detection& detection,
                         int preview_side = kPreviewSide);

// For POST /api/person-detection/detect: validates and stores `upload` as step 1 does and
// detects as step 2 does, for `image_id` (images/uploads/{image_id}/original.jpg, the crops
// and persons.json; images/previews/{image_id}/person_{i}_preview.jpg), and returns the
// detection: {width, height, persons} in the stored original's pixels, for DetectionToJson.
// Nobody in the photo is an empty detection, not an error. Refusals are step 1's. A task run
// later with task_id == image_id reuses all of it (the two steps find their outputs).
Result<image::Detection> DetectPersonsInUpload(StageContext& ctx,
                                               const image::PersonDetector& detector,
                                               const std::string& image_id, std::string upload);

// The keys DetectPersonsInUpload stored for `image_id` and `detection`: the original, the
// detection, each person's crop and preview.
std::vector<std::string> DetectedObjectKeys(const std::string& image_id,
                                            const image::Detection& detection);

}  // namespace vmsg::pipeline
