// A ProgressSink for tests that remembers every step reported, in order.
#pragma once

#include <string>
#include <vector>

#include "pipeline/stage.h"

namespace vmsg::pipeline::testing {

class RecordingProgressSink final : public ProgressSink {
 public:
  Status Report(const StepInfo& step) override {
    steps.emplace_back(step.name);
    percentages.push_back(step.percentage);
    return Status::Ok();
  }
  std::vector<std::string> steps;
  std::vector<int> percentages;
};

}  // namespace vmsg::pipeline::testing
