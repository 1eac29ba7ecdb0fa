// The counting decorator over the real local store: every operation is counted, failures
// (but not NotFound) count as errors, and MeasureStore adds up a store's objects.
#include "metrics/counting_object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "base/clock.h"
#include "objects/local/local_store.h"

namespace vmsg::metrics {
namespace {

namespace fs = std::filesystem;

class CountingObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vmsg_counting_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto local = objects::NewLocalObjectStore({.root = dir_ / "objects",
                                               .cold_dir = dir_ / "cold",
                                               .secret_path = dir_ / "object_store.secret"},
                                              clock_);
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    store_ = NewCountingObjectStore(std::move(*local), registry_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  bool Has(const std::string& line) {
    return registry_.Expose().find(line + "\n") != std::string::npos;
  }

  fs::path dir_;
  FakeClock clock_{TimePoint{}};
  Registry registry_;
  std::unique_ptr<objects::ObjectStore> store_;
};

TEST_F(CountingObjectStoreTest, EverySeriesExistsBeforeTheFirstCall) {
  EXPECT_TRUE(Has("vmsg_object_store_requests_total{operation=\"put\"} 0"));
  EXPECT_TRUE(Has("vmsg_object_store_errors_total{operation=\"check_reachable\"} 0"));
}

TEST_F(CountingObjectStoreTest, CountsCallsAndErrorsButNotNotFound) {
  ASSERT_TRUE(store_->Put("a/one.txt", "hello", {}).ok());
  ASSERT_TRUE(store_->Put("a/two.txt", "hi", {}).ok());
  EXPECT_EQ(*store_->GetBytes("a/one.txt"), "hello");
  EXPECT_FALSE(*store_->Exists("a/missing.txt"));        // NotFound: not an error
  EXPECT_FALSE(store_->Put("../escape", "x", {}).ok());  // InvalidArgument: an error
  EXPECT_EQ(store_->Name(), "local");

  EXPECT_TRUE(Has("vmsg_object_store_requests_total{operation=\"put\"} 3"));
  EXPECT_TRUE(Has("vmsg_object_store_errors_total{operation=\"put\"} 1"));
  EXPECT_TRUE(Has("vmsg_object_store_requests_total{operation=\"get\"} 1"));
  EXPECT_TRUE(Has("vmsg_object_store_requests_total{operation=\"head\"} 1"));
  EXPECT_TRUE(Has("vmsg_object_store_errors_total{operation=\"head\"} 0"));
}

TEST_F(CountingObjectStoreTest, MeasureStoreAddsUpEveryPage) {
  constexpr int kObjects = 5;
  constexpr int kPageSize = 2;  // three pages
  for (int i = 0; i < kObjects; ++i) {
    ASSERT_TRUE(store_->Put("m/" + std::to_string(i), "abc", {}).ok());
  }
  Result<StoreUsage> usage = MeasureStore(*store_, kPageSize);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_EQ(usage->objects, kObjects);
  EXPECT_EQ(usage->bytes, 3u * kObjects);
  EXPECT_TRUE(Has("vmsg_object_store_requests_total{operation=\"list\"} 3"));
}

}  // namespace
}  // namespace vmsg::metrics
