// A ProgressSink for tests that remembers every step reported, in order.
#pragma once

#include <string>
#include <vector>

#include "pipeline/stage.h"

namespace vmsg::test {

class RecordingProgressSink final : public pipeline::ProgressSink {
 public:
  Status Report(const pipeline::StepInfo& step) override {
    steps.emplace_back(step.name);
    percentages.push_back(step.percentage);
    return Status::Ok();
  }
  std::vector<std::string> steps;
  std::vector<int> percentages;
};

}  // namespace vmsg::test
