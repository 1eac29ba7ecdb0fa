// Steps 1-4 as one pipeline, for the worker (the later steps append to the same list) and
// for the benchmark.
#pragma once

#include <memory>
#include <vector>

#include "base/result.h"
#include "image/person_detector.h"
#include "image/segmenter.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

struct ImageStagesOptions {
  const image::PersonDetector* detector = nullptr;  // not owned
  const image::Segmenter* segmenter = nullptr;      // not owned
};

// The four image stages in order (upload, person detection, background removal, framing).
// InvalidArgument when an option is missing.
Result<std::vector<std::unique_ptr<Stage>>> NewImageStages(const ImageStagesOptions& options);

}  // namespace vmsg::pipeline
