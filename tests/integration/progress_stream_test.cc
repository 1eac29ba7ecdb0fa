// Live progress over a real socket: GET /api/sse/progress/{id} against the SQLite store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "common/ids.h"
#include "common/log.h"
#include "http/dispatcher.h"
#include "http/handlers/task_handlers.h"
#include "http/server.h"
#include "state/sqlite_state.h"
#include "test_client.h"

namespace vmsg::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::Client;
using testing::Get;

class ProgressStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_progress_stream_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto backend = state::NewSqliteBackend({.path = dir_ / "state.sqlite3"}, clock_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    state_ = std::move(*backend);
    AddTaskRoutes(router_, {.queue = state_.queue.get(),
                            .results = state_.results.get(),
                            .progress = state_.progress.get(),
                            .clock = &clock_,
                            .keepalive_interval = 50ms});
    dispatcher_ = std::make_unique<Dispatcher>(router_, DispatcherOptions{}, logger_, ids_);
    server_ = std::make_unique<Server>(ServerOptions{.port = 0, .shutdown_grace = 0ms},
                                       *dispatcher_, logger_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
    std::filesystem::remove_all(dir_);
  }

  void Publish(const std::string& task_id, int percentage) {
    state::Progress p;
    p.task_id = task_id;
    p.percentage = percentage;
    p.message = percentage >= 100 ? "完了しました！" : "音声を合成中...";
    p.current_step = percentage >= 100 ? "done" : "speech_synthesis";
    p.timestamp = clock_.Now();
    p.final = percentage >= 100 || percentage < 0;
    ASSERT_TRUE(state_.progress->Publish(p).ok());
  }

  static std::vector<int> Percentages(const std::string& stream) {
    std::vector<int> out;
    static const std::regex kEvent(R"(event: progress\ndata: (\{[^\n]*\})\n\n)");
    for (auto it = std::sregex_iterator(stream.begin(), stream.end(), kEvent);
         it != std::sregex_iterator(); ++it) {
      out.push_back(Json::parse((*it)[1].str())["percentage"].get<int>());
    }
    return out;
  }

  std::filesystem::path dir_;
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2)};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  IdGenerator ids_{5};
  state::StateBackend state_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
};

TEST_F(ProgressStreamTest, LateSubscriberGetsLatestThenEveryUpdateInOrderThenClose) {
  const std::string task = ids_.NewUuid();
  Publish(task, 15);
  Publish(task, 35);  // the state a late subscriber should see first

  Client c(server_->port());
  c.Send(Get("/api/sse/progress/" + task));
  // Once the latest record has arrived, the stream's subscription exists.
  std::string stream = c.ReadRawUntil("\"percentage\":35");
  ASSERT_THAT(stream, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(stream, HasSubstr("Content-Type: text/event-stream"));
  for (int p = 40; p < 100; p += 5) Publish(task, p);
  Publish(task, 100);
  stream += c.ReadRawUntil("");  // to the end: the server closes after the final update
  EXPECT_EQ(c.error(), boost::asio::error::eof);

  std::vector<int> expected = {35};
  for (int p = 40; p < 100; p += 5) expected.push_back(p);
  expected.push_back(100);
  EXPECT_EQ(Percentages(stream), expected);
}

TEST_F(ProgressStreamTest, FinishedTaskSendsItsFinalStateAndCloses) {
  const std::string task = ids_.NewUuid();
  Publish(task, 100);
  Client c(server_->port());
  c.Send(Get("/api/sse/progress/" + task));
  std::string stream = c.ReadRawUntil("");
  EXPECT_EQ(c.error(), boost::asio::error::eof);
  EXPECT_EQ(Percentages(stream), std::vector<int>{100});
}

TEST_F(ProgressStreamTest, QuietStreamsCarryKeepAliveComments) {
  const std::string task = ids_.NewUuid();
  Publish(task, 5);
  Client c(server_->port());
  c.Send(Get("/api/sse/progress/" + task));
  std::string stream = c.ReadRawUntil(": keep-alive\n\n");
  EXPECT_THAT(stream, HasSubstr(": keep-alive\n\n"));
  Publish(task, -1);  // failure ends the stream too
  stream += c.ReadRawUntil("");
  EXPECT_EQ(Percentages(stream), (std::vector<int>{5, -1}));
}

TEST_F(ProgressStreamTest, UnknownAndInvalidTasks) {
  Client c(server_->port());
  c.Send(Get("/api/sse/progress/" + ids_.NewUuid()));
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_THAT(r.body(), HasSubstr("task_not_found"));
  c.Send(Get("/api/sse/progress/not-a-uuid"));
  EXPECT_EQ(c.Read().result_int(), 400);
}

}  // namespace
}  // namespace vmsg::http
