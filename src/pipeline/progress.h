// The progress sink that writes the spec's progress record (progress:{task_id}) to the task
// state's ProgressStore, with the step's percentage and the message in the user's language.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "pipeline/stage.h"
#include "state/state.h"

namespace vmsg::pipeline {

enum class MessageLanguage { kJapanese, kEnglish };

// Publishes {task_id, percentage, message, current_step, total_steps: 8, timestamp} for each
// step. `store` and `clock` must outlive the sink.
std::unique_ptr<ProgressSink> NewProgressStoreSink(state::ProgressStore& store, std::string task_id,
                                                   const Clock& clock, MessageLanguage language);

// A sink that records nothing, for stages run outside a task (the detect endpoint runs
// steps 1-2 before any task exists).
std::unique_ptr<ProgressSink> NewDiscardingProgressSink();

}  // namespace vmsg::pipeline
