// The pipeline's chain check, run loop, progress, cancellation and resume, with small real
// stages over the in-memory store.
#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include "objects/keys.h"
#include "pipeline/progress.h"
#include "state/sqlite/sqlite_state.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"

namespace vmsg::pipeline {
namespace {

// Writes each output as the concatenation of its inputs' bytes, and counts its runs.
class ConcatStage final : public Stage {
 public:
  ConcatStage(std::string name, int percentage, std::vector<std::string> inputs,
              std::vector<std::string> outputs)
      : name_(std::move(name)),
        step_{name_, percentage, "日本語", "English"},
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)) {}
  const StepInfo& Step() const override { return step_; }
  std::vector<std::string> Inputs() const override { return inputs_; }
  std::vector<std::string> Outputs() const override { return outputs_; }
  Status Run(StageContext& ctx, WorkItem& item) const override {
    ++runs;
    std::string data;
    for (const auto& input : inputs_) {
      if (input == kUploadInput) {
        data += item.request.upload;
      } else {
        VMSG_ASSIGN_OR_RETURN(std::string bytes, ctx.store.GetBytes(ObjectKey(item, input)));
        data += bytes;
      }
    }
    for (const auto& output : outputs_) {
      VMSG_RETURN_IF_ERROR(ctx.store.Put(ObjectKey(item, output), data + name_, {}));
    }
    return Status::Ok();
  }
  mutable int runs = 0;

 private:
  std::string name_;
  StepInfo step_;
  std::vector<std::string> inputs_, outputs_;
};

struct Fixture {
  FakeClock clock{TimePoint(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<objects::ObjectStore> store = test::NewMemoryObjectStore(clock);
  test::RecordingProgressSink progress;
  CancellationToken cancel;
  Logger logger{LogFormat::kText, LogLevel::kError, clock, [](std::string_view) {}};
  StageContext ctx{*store, progress, cancel, clock, logger};
};

TEST(PipelineTest, BuildRefusesAnInputNoEarlierStageWrites) {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ConcatStage>(
      "b", 10, std::vector<std::string>{"images/uploads/{task}/a.txt"},
      std::vector<std::string>{"images/uploads/{task}/b.txt"}));
  stages.push_back(
      std::make_unique<ConcatStage>("a", 20, std::vector<std::string>{"upload"},
                                    std::vector<std::string>{"images/uploads/{task}/a.txt"}));
  auto built = Pipeline::Build(std::move(stages));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().reason(), "pipeline_chain");
  EXPECT_NE(built.status().message().find("a.txt"), std::string::npos);
}

TEST(PipelineTest, BuildRefusesAnOutputWrittenTwice) {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(
      std::make_unique<ConcatStage>("a", 10, std::vector<std::string>{"upload"},
                                    std::vector<std::string>{"images/uploads/{task}/a.txt"}));
  stages.push_back(
      std::make_unique<ConcatStage>("b", 20, std::vector<std::string>{"upload"},
                                    std::vector<std::string>{"images/uploads/{task}/a.txt"}));
  EXPECT_FALSE(Pipeline::Build(std::move(stages)).ok());
}

TEST(PipelineTest, RunsInOrderReportsProgressAndResumesFromStoredOutputs) {
  Fixture f;
  auto a = std::make_unique<ConcatStage>("a", 5, std::vector<std::string>{"upload"},
                                         std::vector<std::string>{"images/uploads/{task}/a.txt"});
  auto b = std::make_unique<ConcatStage>("b", 15,
                                         std::vector<std::string>{"images/uploads/{task}/a.txt"},
                                         std::vector<std::string>{"images/uploads/{task}/b.txt"});
  ConcatStage* a_ptr = a.get();
  ConcatStage* b_ptr = b.get();
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::move(a));
  stages.push_back(std::move(b));
  auto pipeline = Pipeline::Build(std::move(stages));
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();

  WorkItem item{.task_id = "t1"};
  item.request.upload = "U";
  ASSERT_TRUE(pipeline->Run(f.ctx, item).ok());
  EXPECT_EQ(f.progress.steps, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.progress.percentages, (std::vector<int>{5, 15}));
  EXPECT_EQ(*f.store->GetBytes("images/uploads/t1/b.txt"), "Uab");

  // A redelivered task whose first output survived reruns only the second stage.
  ASSERT_TRUE(f.store->Delete("images/uploads/t1/b.txt").ok());
  WorkItem again{.task_id = "t1"};
  again.request.upload = "U";
  ASSERT_TRUE(pipeline->Run(f.ctx, again).ok());
  EXPECT_EQ(a_ptr->runs, 1);
  EXPECT_EQ(b_ptr->runs, 2);
  EXPECT_EQ(again.reused, (std::vector<std::string>{"a"}));
}

TEST(PipelineTest, ObserverHearsOfEveryStageThatRanButNotOfReusedOnes) {
  struct Recorder final : StageObserver {
    void StageDone(std::string_view stage, std::chrono::steady_clock::duration elapsed) override {
      EXPECT_GE(elapsed.count(), 0);
      stages.emplace_back(stage);
    }
    std::vector<std::string> stages;
  } recorder;
  Fixture f;
  f.ctx.observer = &recorder;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(
      std::make_unique<ConcatStage>("a", 5, std::vector<std::string>{"upload"},
                                    std::vector<std::string>{"images/uploads/{task}/a.txt"}));
  stages.push_back(std::make_unique<ConcatStage>(
      "b", 15, std::vector<std::string>{"images/uploads/{task}/a.txt"},
      std::vector<std::string>{"images/uploads/{task}/b.txt"}));
  auto pipeline = Pipeline::Build(std::move(stages));
  ASSERT_TRUE(pipeline.ok());
  WorkItem item{.task_id = "t3"};
  ASSERT_TRUE(pipeline->Run(f.ctx, item).ok());
  EXPECT_EQ(recorder.stages, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(f.store->Delete("images/uploads/t3/b.txt").ok());
  WorkItem again{.task_id = "t3"};
  ASSERT_TRUE(pipeline->Run(f.ctx, again).ok());
  EXPECT_EQ(recorder.stages, (std::vector<std::string>{"a", "b", "b"}));
}

TEST(PipelineTest, StopsBeforeTheNextStageWhenCancelled) {
  Fixture f;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(
      std::make_unique<ConcatStage>("a", 5, std::vector<std::string>{"upload"},
                                    std::vector<std::string>{"images/uploads/{task}/a.txt"}));
  auto pipeline = Pipeline::Build(std::move(stages));
  ASSERT_TRUE(pipeline.ok());
  f.cancel.Cancel(Status::Cancelled("user cancelled"));
  WorkItem item{.task_id = "t2"};
  EXPECT_TRUE(pipeline->Run(f.ctx, item).IsCancelled());
  EXPECT_FALSE(*f.store->Exists("images/uploads/t2/a.txt"));
}

TEST(PipelineTest, ObjectKeysFollowTheSpecLayout) {
  WorkItem item{.task_id = "abc"};
  item.chosen_person = 2;
  EXPECT_EQ(ObjectKey(item, keys::kCutout), "images/uploads/abc/person_2_bg_removed.png");
  item.request.format = image::OutputFormat::kSquare;
  EXPECT_EQ(ObjectKey(item, keys::kFramed), "images/uploads/abc/optimized_1080x1080.png");
  EXPECT_EQ(ObjectKey(item, keys::kVideo), "videos/abc/final_video.mp4");
  EXPECT_EQ(ObjectKey(item, keys::kMixed), "voices/generated/abc/final_mixed.mp3");
  EXPECT_EQ(keys::PersonPreview("abc", 1), "images/previews/abc/person_1_preview.jpg");
  EXPECT_EQ(keys::PersonCrop("abc", 1), "images/uploads/abc/person_1_crop.jpg");
}

TEST(PipelineTest, ProgressSinkWritesTheSpecRecord) {
  FakeClock clock{TimePoint(std::chrono::seconds(1'700'000'000))};
  auto backend = state::NewSqliteBackend(
      {.path = std::filesystem::path(::testing::TempDir()) / "pipeline_progress.sqlite3"}, clock);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto sink = NewProgressStoreSink(*backend->progress, "t3", clock, MessageLanguage::kJapanese);
  const StepInfo step{"background_removal", 35, "背景を削除中...", "Removing the background..."};
  ASSERT_TRUE(sink->Report(step).ok());
  auto latest = backend->progress->Latest("t3");
  ASSERT_TRUE(latest.ok()) << latest.status();
  const Json json = latest->ToJson();
  EXPECT_EQ(json["percentage"], 35);
  EXPECT_EQ(json["message"], "背景を削除中...");
  EXPECT_EQ(json["current_step"], "background_removal");
  EXPECT_EQ(json["total_steps"], 8);
}

}  // namespace
}  // namespace vmsg::pipeline
