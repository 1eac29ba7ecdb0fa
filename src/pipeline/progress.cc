// See progress.h.
#include "pipeline/progress.h"

namespace vmsg::pipeline {
namespace {

class ProgressStoreSink final : public ProgressSink {
 public:
  ProgressStoreSink(state::ProgressStore& store, std::string task_id, const Clock& clock,
                    MessageLanguage language)
      : store_(store), task_id_(std::move(task_id)), clock_(clock), language_(language) {}

  Status Report(const StepInfo& step) override {
    state::Progress progress;
    progress.task_id = task_id_;
    progress.percentage = step.percentage;
    progress.message =
        std::string(language_ == MessageLanguage::kJapanese ? step.message_ja : step.message_en);
    progress.current_step = std::string(step.name);
    progress.total_steps = kTotalSteps;
    progress.timestamp = clock_.Now();
    return store_.Publish(progress);
  }

 private:
  state::ProgressStore& store_;
  const std::string task_id_;
  const Clock& clock_;
  const MessageLanguage language_;
};

class DiscardingProgressSink final : public ProgressSink {
 public:
  Status Report(const StepInfo&) override { return Status::Ok(); }
};

}  // namespace

std::unique_ptr<ProgressSink> NewDiscardingProgressSink() {
  return std::make_unique<DiscardingProgressSink>();
}

std::unique_ptr<ProgressSink> NewProgressStoreSink(state::ProgressStore& store, std::string task_id,
                                                   const Clock& clock, MessageLanguage language) {
  return std::make_unique<ProgressStoreSink>(store, std::move(task_id), clock, language);
}

}  // namespace vmsg::pipeline
