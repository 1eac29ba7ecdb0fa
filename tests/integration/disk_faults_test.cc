// A full or failing disk under the two stores that keep their own files, the local object
// store and the JSON catalogs: each refuses the write with the same retryable error, and
// what was stored before is still there, whole, once the disk recovers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "objects/local/local_store.h"
#include "testing/fault_env.h"

namespace vmsg {
namespace {

namespace fs = std::filesystem;

catalog::VoiceProfile Voice(std::string id) {
  catalog::VoiceProfile p =
      catalog::VoiceProfile::Make(std::move(id), catalog::VoiceProfile::Type::kCustom);
  p.name = "Voice " + p.id;
  p.language = "ja";
  p.gender = "female";
  p.metadata = {.description = "test voice", .sample_rate = 24000, .duration_seconds = 5.2};
  return p;
}

// Files left in `dir` whose name marks them as a temporary.
int Temporaries(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp") != std::string::npos || name.starts_with(".vmsg-tmp")) ++n;
  }
  return n;
}

class DiskFaultsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vmsg_disk_faults_" + std::to_string(::getpid()) + "_" + std::to_string(GetParam()));
    fs::remove_all(dir_);
    auto store = objects::NewLocalObjectStore({.root = dir_ / "objects",
                                               .cold_dir = dir_ / "cold",
                                               .secret_path = dir_ / "secret",
                                               .env = &env_},
                                              clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto voices = catalog::OpenVoiceCatalog(dir_, clock_, {.env = &env_});
    ASSERT_TRUE(voices.ok()) << voices.status();
    voices_ = std::move(*voices);
  }
  void TearDown() override { fs::remove_all(dir_); }

  const std::string expected_reason() const {
    return GetParam() == ENOSPC ? "disk_full" : "io_error";
  }

  FakeClock clock_{TimePoint{} + std::chrono::hours(24 * 20000)};
  test::FaultInjectionEnv env_;
  fs::path dir_;
  std::unique_ptr<objects::LocalObjectStore> store_;
  std::unique_ptr<catalog::VoiceCatalog> voices_;
};

TEST_P(DiskFaultsTest, BothStoresGiveTheSameRetryableErrorAndKeepWhatTheyHad) {
  ASSERT_TRUE(store_->Put("videos/t/final_video.mp4", "first", {}).ok());
  ASSERT_TRUE(voices_->Create(Voice("kept")).ok());

  env_.FailWritesWith(GetParam());
  const Status object = store_->Put("videos/t/final_video.mp4", "second", {});
  const Status fresh = store_->Put("videos/u/final_video.mp4", "new", {});
  const Status record = voices_->Create(Voice("lost")).status();
  for (const Status& s : {object, fresh, record}) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;
    EXPECT_EQ(s.reason(), expected_reason()) << s;
    EXPECT_TRUE(s.IsRetryable()) << s;
  }
  EXPECT_GE(env_.failures(), 3);

  env_.FailWritesWith(0);
  EXPECT_EQ(*store_->GetBytes("videos/t/final_video.mp4"), "first");
  EXPECT_FALSE(*store_->Exists("videos/u/final_video.mp4"));
  EXPECT_TRUE(voices_->Get("kept").ok());
  EXPECT_EQ(voices_->Get("lost").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Temporaries(dir_), 0);

  // The disk is back: both write again.
  EXPECT_TRUE(store_->Put("videos/u/final_video.mp4", "new", {}).ok());
  EXPECT_TRUE(voices_->Create(Voice("lost")).ok());
}

INSTANTIATE_TEST_SUITE_P(FullAndFailingDisk, DiskFaultsTest, ::testing::Values(ENOSPC, EIO),
                         [](const auto& param_info) {
                           return param_info.param == ENOSPC ? "ENOSPC" : "EIO";
                         });

}  // namespace
}  // namespace vmsg
