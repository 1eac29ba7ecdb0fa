#include "api/task_handlers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "base/ids.h"
#include "http/dispatcher.h"
#include "http/run_sync.h"
#include "state/sqlite/sqlite_state.h"

namespace vmsg::api {
namespace {

using namespace std::chrono_literals;

class TaskHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_task_handlers_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto backend = state::NewSqliteBackend({.path = dir_ / "state.sqlite3"}, clock_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    state_ = std::move(*backend);
    AddTaskRoutes(router_, TaskServicesFor(state_, clock_, ids_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  http::Response Call(std::string method, std::string path) {
    http::Dispatcher d(router_, {}, logger_, ids_);
    http::StringBodyReader body("");
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = &body;
    return http::RunSync(d.Handle(r));
  }

  static Json BodyOf(const http::Response& r) { return Json::parse(std::get<std::string>(r.body)); }

  std::string Enqueue() {
    state::JobSpec spec;
    spec.task_id = ids_.NewUuid();
    spec.task_name = "test.noop";
    EXPECT_TRUE(state_.queue->Enqueue(spec).ok());
    state::TaskResult pending;
    pending.task_id = spec.task_id;
    EXPECT_TRUE(state_.results->Put(pending).ok());
    return spec.task_id;
  }

  std::filesystem::path dir_;
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2)};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  IdGenerator ids_{3};
  state::StateBackend state_;
  http::Router router_;
};

TEST_F(TaskHandlersTest, StatusValidatesTheIdBeforeLookingItUp) {
  for (const char* bad : {"/api/video/status/abc", "/api/video/status/..%2f..%2fetc",
                          "/api/video/status/3F1C2D4E-5A6B-4C7D-8E9F-0A1B2C3D4E5F"}) {
    http::Response r = Call("GET", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(BodyOf(r)["code"], "invalid_task_id") << bad;
  }
  http::Response missing = Call("GET", "/api/video/status/" + ids_.NewUuid());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(BodyOf(missing)["code"], "task_not_found");
}

TEST_F(TaskHandlersTest, StatusShowsRecordAndLatestProgress) {
  const std::string id = Enqueue();
  http::Response r = Call("GET", "/api/video/status/" + id);
  ASSERT_EQ(r.status, 200);
  Json body = BodyOf(r);
  EXPECT_EQ(body["status"], "PENDING");
  EXPECT_EQ(body["task_id"], id);
  EXPECT_TRUE(body["progress"].is_null());

  state::Progress p;
  p.task_id = id;
  p.percentage = 35;
  p.message = "背景を削除中...";
  p.current_step = "background_removal";
  p.timestamp = clock_.Now();
  ASSERT_TRUE(state_.progress->Publish(p).ok());
  body = BodyOf(Call("GET", "/api/video/status/" + id));
  EXPECT_EQ(body["progress"]["percentage"], 35);
  EXPECT_EQ(body["progress"]["message"], "背景を削除中...");

  clock_.Advance(state::kTaskResultTtl + 1s);  // both records gone
  EXPECT_EQ(Call("GET", "/api/video/status/" + id).status, 404);
}

TEST_F(TaskHandlersTest, CancellingAQueuedTaskRevokesIt) {
  const std::string id = Enqueue();
  http::Response r = Call("DELETE", "/api/video/tasks/" + id);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(BodyOf(r)["status"], "REVOKED");
  Json status = BodyOf(Call("GET", "/api/video/status/" + id));
  EXPECT_EQ(status["status"], "REVOKED");
  EXPECT_EQ(status["progress"]["percentage"], -1);
  EXPECT_FALSE(state_.queue->Fetch(30s, 0s)->has_value());  // never runs
  http::Response again = Call("DELETE", "/api/video/tasks/" + id);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(BodyOf(again)["code"], "task_finished");
}

TEST_F(TaskHandlersTest, CancellingARunningTaskFlagsItForTheWorker) {
  const std::string id = Enqueue();
  auto reservation = state_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(reservation.ok() && reservation->has_value());
  http::Response r = Call("DELETE", "/api/video/tasks/" + id);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(BodyOf(r)["status"], "REVOKING");
  EXPECT_TRUE(*state_.queue->IsCancelRequested(id));
}

TEST_F(TaskHandlersTest, CancellingUnknownTasks) {
  EXPECT_EQ(Call("DELETE", "/api/video/tasks/nope").status, 400);
  http::Response r = Call("DELETE", "/api/video/tasks/" + ids_.NewUuid());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyOf(r)["code"], "task_not_found");
}

}  // namespace
}  // namespace vmsg::api
