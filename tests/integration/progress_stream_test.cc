// Live progress over a real socket: GET /api/sse/progress/{id} against the SQLite store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <regex>
#include <thread>

#include "api/task_handlers.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/server.h"
#include "state/sqlite/sqlite_state.h"
#include "test_client.h"
#include "ws_client.h"

namespace vmsg::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::Client;
using testing::Get;
using testing::WsClient;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;

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
    api::TaskServices services = api::TaskServicesFor(state_, clock_, ids_);
    services.keepalive_interval = 50ms;
    api::AddTaskRoutes(router_, std::move(services));
    dispatcher_ = std::make_unique<Dispatcher>(router_, DispatcherOptions{}, logger_, ids_);
    server_ = std::make_unique<Server>(
        ServerOptions{.port = 0, .shutdown_grace = 0ms, .websocket_idle_timeout = 200ms},
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

// A task that ended more than 5 minutes ago has no progress record left, only its result
// (24 h): the stream ends with the final state made from it instead of idling forever.
TEST_F(ProgressStreamTest, AnEndedTaskWhoseProgressExpiredEndsTheStreamFromItsResult) {
  struct Case {
    state::TaskStatus status;
    int percentage;
    std::string_view message;
  };
  for (const Case& c : {Case{state::TaskStatus::kSuccess, 100, "完了しました！"},
                        Case{state::TaskStatus::kFailure, -1, "エラーが発生しました: broken"},
                        Case{state::TaskStatus::kRevoked, -1, "キャンセルされました"}}) {
    const std::string task = ids_.NewUuid();
    state::TaskResult result{.task_id = task, .status = c.status, .date_done = clock_.Now()};
    if (c.status == state::TaskStatus::kFailure) {
      result.result = {{"exc_type", "image_corrupt"}, {"exc_message", "broken"}};
    }
    ASSERT_TRUE(state_.results->Put(result).ok());
    Client sse(server_->port());
    sse.Send(Get("/api/sse/progress/" + task));
    const std::string stream = sse.ReadRawUntil("");
    EXPECT_EQ(sse.error(), boost::asio::error::eof);
    EXPECT_EQ(Percentages(stream), std::vector<int>{c.percentage});
    EXPECT_THAT(stream, HasSubstr(std::string(c.message)));

    WsClient ws;
    ASSERT_TRUE(ws.Connect(server_->port(), "/api/ws/progress/" + task));
    auto message = ws.Read();
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(Json::parse(*message)["percentage"], c.percentage);
    EXPECT_FALSE(ws.Read().has_value());
    EXPECT_EQ(ws.close_code(), bws::close_code::normal);
  }
}

// A task that ends without a final progress record (written by another producer) ends the
// stream at the next quiet interval.
TEST_F(ProgressStreamTest, AStreamEndsWhenTheResultSaysTheTaskEnded) {
  const std::string task = ids_.NewUuid();
  Publish(task, 60);
  Client c(server_->port());
  c.Send(Get("/api/sse/progress/" + task));
  std::string stream = c.ReadRawUntil(": keep-alive\n\n");
  ASSERT_TRUE(
      state_.results
          ->Put({.task_id = task, .status = state::TaskStatus::kSuccess, .date_done = clock_.Now()})
          .ok());
  stream += c.ReadRawUntil("");
  EXPECT_EQ(c.error(), boost::asio::error::eof);
  EXPECT_EQ(Percentages(stream), (std::vector<int>{60, 100}));
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

TEST_F(ProgressStreamTest, WebSocketFollowsTheTaskAndKeepsItsSession) {
  const std::string task = ids_.NewUuid();
  Publish(task, 35);
  WsClient ws;
  ASSERT_TRUE(ws.Connect(server_->port(), "/api/ws/progress/" + task));
  const std::string session_id = ws.header("X-Session-Id");
  ASSERT_TRUE(IsUuidV4(session_id));

  auto first = ws.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Json::parse(*first)["percentage"], 35);
  Result<state::Session> session = state_.sessions->Get(session_id);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->task_id, task);

  // Keep reading on another thread (a reading client answers the server's pings, sent
  // every 100 ms here); each pong refreshes the session's last_ping.
  std::vector<int> seen;
  std::thread reader([&] {
    while (auto message = ws.Read()) seen.push_back(Json::parse(*message)["percentage"].get<int>());
  });
  clock_.Advance(1min);
  bool refreshed = false;
  for (int i = 0; i < 2000 && !refreshed; ++i) {
    refreshed = state_.sessions->Get(session_id)->last_ping == clock_.Now();
    if (!refreshed) std::this_thread::sleep_for(5ms);  // waiting for the pong, not for time
  }
  EXPECT_TRUE(refreshed);

  for (int p = 40; p < 100; p += 10) Publish(task, p);
  Publish(task, 100);
  reader.join();
  EXPECT_EQ(ws.close_code(), bws::close_code::normal);
  EXPECT_EQ(seen, (std::vector<int>{40, 50, 60, 70, 80, 90, 100}));
  bool removed = false;
  for (int i = 0; i < 1000 && !removed; ++i) {
    removed = state_.sessions->Get(session_id).status().IsNotFound();
    if (!removed) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(removed);
}

TEST_F(ProgressStreamTest, WebSocketRefusals) {
  const std::string task = ids_.NewUuid();
  Publish(task, 5);
  WsClient cross_site;
  EXPECT_FALSE(
      cross_site.Connect(server_->port(), "/api/ws/progress/" + task, "https://evil.example"));
  EXPECT_EQ(cross_site.status(), 403);
  WsClient unknown;
  EXPECT_FALSE(unknown.Connect(server_->port(), "/api/ws/progress/" + ids_.NewUuid()));
  EXPECT_EQ(unknown.status(), 404);

  Client plain(server_->port());
  plain.Send(Get("/api/ws/progress/" + task));
  auto r = plain.Read();
  EXPECT_EQ(r.result_int(), 426);
  EXPECT_THAT(r.body(), HasSubstr("websocket_required"));
}

}  // namespace
}  // namespace vmsg::http
