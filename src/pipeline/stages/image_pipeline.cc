// See image_pipeline.h.
#include "pipeline/stages/image_pipeline.h"

#include "pipeline/stages/background_removal_stage.h"
#include "pipeline/stages/framing_stage.h"
#include "pipeline/stages/person_detection_stage.h"
#include "pipeline/stages/upload_stage.h"

namespace vmsg::pipeline {

Result<std::vector<std::unique_ptr<Stage>>> NewImageStages(const ImageStagesOptions& options) {
  std::vector<std::unique_ptr<Stage>> stages;
  VMSG_ASSIGN_OR_RETURN(auto upload, UploadStage::Make({}));
  stages.push_back(std::move(upload));
  VMSG_ASSIGN_OR_RETURN(auto detection, PersonDetectionStage::Make({.detector = options.detector}));
  stages.push_back(std::move(detection));
  VMSG_ASSIGN_OR_RETURN(auto removal,
                        BackgroundRemovalStage::Make({.segmenter = options.segmenter}));
  stages.push_back(std::move(removal));
  VMSG_ASSIGN_OR_RETURN(auto framing, FramingStage::Make({}));
  stages.push_back(std::move(framing));
  return stages;
}

}  // namespace vmsg::pipeline
