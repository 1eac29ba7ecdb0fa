// The chain check and the run loop; see pipeline.h.
#include "pipeline/pipeline.h"

#include <set>

#include "objects/keys.h"

namespace vmsg::pipeline {

Status Stage::Restore(StageContext&, WorkItem&) const { return Status::Ok(); }

std::string ObjectKey(const WorkItem& item, std::string_view layout) {
  return keys::Fill(layout, item.task_id, item.chosen_person, image::SizeName(item.request.format));
}

Result<Pipeline> Pipeline::Build(std::vector<std::unique_ptr<Stage>> stages) {
  std::set<std::string, std::less<>> available = {std::string(kUploadInput)};
  for (const auto& stage : stages) {
    if (stage == nullptr) return Status::InvalidArgument("null stage", "pipeline_chain");
    const std::string name(stage->Step().name);
    for (const std::string& input : stage->Inputs()) {
      if (!available.contains(input)) {
        return Status::InvalidArgument(
            "stage " + name + " reads " + input + ", which no earlier stage writes",
            "pipeline_chain");
      }
    }
    for (const std::string& output : stage->Outputs()) {
      if (!available.insert(output).second) {
        return Status::InvalidArgument("stage " + name + " writes " + output + " again",
                                       "pipeline_chain");
      }
    }
  }
  return Pipeline(std::move(stages));
}

namespace {

// True when the stage has outputs and every one of them is stored for this task. A name
// that needs the chosen person cannot be resolved before a person is chosen.
Result<bool> OutputsExist(StageContext& ctx, const Stage& stage, const WorkItem& item) {
  const std::vector<std::string> outputs = stage.Outputs();
  if (outputs.empty()) return false;
  for (const std::string& output : outputs) {
    if (output.find("{person}") != std::string::npos && item.chosen_person < 0) return false;
    VMSG_ASSIGN_OR_RETURN(bool exists, ctx.store.Exists(ObjectKey(item, output)));
    if (!exists) return false;
  }
  return true;
}

}  // namespace

Status Pipeline::Run(StageContext& ctx, WorkItem& item) const {
  for (const auto& stage : stages_) {
    const StepInfo& step = stage->Step();
    const std::string context = "step " + std::string(step.name);
    VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());
    if (Status reported = ctx.progress.Report(step); !reported.ok()) {
      // Progress is for the user's eyes; losing one update must not fail the video.
      ctx.logger.Warning("pipeline", "progress not recorded",
                         {{"task_id", item.task_id}, {"error", reported.ToString()}});
    }
    auto exist = OutputsExist(ctx, *stage, item);
    if (!exist.ok()) return exist.status().WithContext(context);
    if (*exist) {
      VMSG_RETURN_IF_ERROR(stage->Restore(ctx, item).WithContext(context));
      item.reused.emplace_back(step.name);
      ctx.logger.Info("pipeline", "step reused", {{"task_id", item.task_id}, {"step", step.name}});
      continue;
    }
    // Monotonic, like the task's processing time: a wall-clock step is not a duration.
    const auto started = std::chrono::steady_clock::now();
    VMSG_RETURN_IF_ERROR(stage->Run(ctx, item).WithContext(context));
    if (ctx.observer != nullptr) {
      ctx.observer->StageDone(step.name, std::chrono::steady_clock::now() - started);
    }
  }
  return Status::Ok();
}

}  // namespace vmsg::pipeline
