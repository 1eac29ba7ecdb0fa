// Pipeline: an ordered chain of stages, checked when it is built (every input is produced by
// an earlier stage or provided by the request, no output is written twice), then run on one
// work item with progress, cancellation between stages and resume from stored outputs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

class Pipeline {
 public:
  // Checks the chain. InvalidArgument (reason "pipeline_chain") naming the stage and the
  // name when an input has no producer or an output has two.
  static Result<Pipeline> Build(std::vector<std::unique_ptr<Stage>> stages);

  // Runs each stage in order: reports its progress, skips it (calling Restore) when all its
  // outputs already exist for the task, otherwise runs it. Checks the cancellation token
  // before each stage. Returns the first stage error with the stage's name as context.
  Status Run(StageContext& ctx, WorkItem& item) const;

  const std::vector<std::unique_ptr<Stage>>& stages() const { return stages_; }

 private:
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages) : stages_(std::move(stages)) {}
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace vmsg::pipeline
