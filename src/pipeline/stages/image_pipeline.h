// Steps 1-4 as one pipeline, for the worker (the later steps append to the same list) and
// for the benchmark.
#pragma once

#include <memory>
#include <vector>

#include "common/result.h"
#include "media/person_detector.h"
#include "media/segmenter.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

struct ImageStagesOptions {
  const media::PersonDetector* detector = nullptr;  // not owned
  const media::Segmenter* segmenter = nullptr;      // not owned
};

// The four image stages in order (upload, person detection, background removal, framing).
// InvalidArgument when an option is missing.
Result<std::vector<std::unique_ptr<Stage>>> NewImageStages(const ImageStagesOptions& options);

}  // namespace vmsg::pipeline
