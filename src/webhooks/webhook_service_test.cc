// Webhooks end to end over the embedded state store, a real worker pool and a real HTTP
// receiver on this machine: signed bodies, retries with exactly one success, deliveries that
// survive a restart, and refused destinations.
#include "webhooks/webhook_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>

#include "base/crypto.h"
#include "http/dispatcher.h"
#include "http/message.h"
#include "http/router.h"
#include "http/server.h"
#include "state/sqlite/sqlite_state.h"
#include "webhooks/signature.h"

namespace vmsg::webhooks {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "whsec_webhook_test";
constexpr std::string_view kTaskName = "test.task";

// A receiver: records every POST /hook and answers with the next queued status (200 when
// none is queued).
class Receiver {
 public:
  struct Call {
    std::string body;
    std::string signature;
    int answered = 0;
  };

  Receiver() {
    router_.Add("POST", "/hook",
                [this](http::Request& r) -> boost::asio::awaitable<http::Response> {
                  Result<std::string> body = co_await http::ReadAll(r);
                  std::lock_guard lock(mutex_);
                  Call call{body.ok() ? *body : "",
                            std::string(r.headers.Get(kSignatureHeader).value_or("")), 200};
                  if (!statuses_.empty()) {
                    call.answered = statuses_.front();
                    statuses_.pop_front();
                  }
                  calls_.push_back(call);
                  changed_.notify_all();
                  co_return http::Response::Empty(call.answered);
                });
    dispatcher_ =
        std::make_unique<http::Dispatcher>(router_, http::DispatcherOptions{}, logger_, ids_);
    server_ = std::make_unique<http::Server>(
        http::ServerOptions{.host = "127.0.0.1", .port = 0, .threads = 1}, *dispatcher_, logger_);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~Receiver() {
    server_->Shutdown();
    server_->Wait();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  void Answer(std::initializer_list<int> statuses) {
    std::lock_guard lock(mutex_);
    statuses_.insert(statuses_.end(), statuses);
  }
  // Waits (real time, at most 20 s) until `n` calls came; returns the calls so far.
  std::vector<Call> WaitFor(size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 20s, [&] { return calls_.size() >= n; });
    return calls_;
  }
  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::unique_ptr<Clock> clock_ = NewSystemClock();
  Logger logger_{LogFormat::kText, LogLevel::kError, *clock_, [](std::string_view) {}};
  IdGenerator ids_;
  http::Router router_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<int> statuses_;
  std::vector<Call> calls_;
};

class WebhookServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vmsg_webhooks_" + HexEncode(RandomBytes(6)));
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }

  WebhookOptions Options() {
    WebhookOptions o;
    o.secret = std::string(kSecret);
    o.allow_private = true;  // the receiver is on this machine
    o.retry_delays = {300ms};
    return o;
  }

  // The state, the service and a started pool, as a process has them.
  void Open(bool allow_private = true) {
    auto backend = state::NewSqliteBackend({.path = dir_ / "state.sqlite3"}, *clock_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
    WebhookOptions options = Options();
    options.allow_private = allow_private;
    service_ = std::make_unique<WebhookService>(*backend_.webhooks, *backend_.queue, *clock_,
                                                logger_, options);
    worker::TaskRegistry registry;
    ASSERT_TRUE(registry
                    .Register(std::string(kTaskName),
                              [](worker::TaskContext& ctx) -> Result<Json> {
                                if (ctx.job().args.value("fail", false)) {
                                  return Status::InvalidArgument("the photo has nobody in it",
                                                                 "no_person_detected");
                                }
                                return Json{{"video_key", "videos/x/final_video.mp4"}};
                              })
                    .ok());
    ASSERT_TRUE(
        registry.Register(std::string(kDeliveryTaskName), service_->DeliveryHandler()).ok());
    worker::WorkerOptions wo;
    wo.threads = 1;
    wo.scheduler_interval = 50ms;
    wo.fetch_wait = 100ms;
    wo.on_task_ended = [s = service_.get()](const state::Job& job, const state::TaskResult& r) {
      return s->OnTaskEnded(job, r);
    };
    pool_ =
        std::make_unique<worker::WorkerPool>(*backend_.queue, *backend_.results, *backend_.progress,
                                             std::move(registry), wo, *clock_, logger_);
    ASSERT_TRUE(pool_->Start().ok());
  }
  void Close() {
    if (pool_) pool_->Shutdown();
    pool_.reset();
    service_.reset();
    backend_ = {};
  }

  std::string Submit(const std::string& url, bool fail = false) {
    state::JobSpec spec;
    spec.task_id = ids_.NewUuid();
    spec.task_name = std::string(kTaskName);
    spec.args = {{"fail", fail}, {std::string(kCallbackUrlArg), url}};
    EXPECT_TRUE(service_->Register(spec.task_id, url).ok());
    EXPECT_TRUE(backend_.queue->Enqueue(spec).ok());
    return spec.task_id;
  }

  // Polls the record (real time, at most 20 s) until it reaches `state`.
  state::WebhookDelivery WaitForState(const std::string& task_id, state::WebhookState want) {
    Result<state::WebhookDelivery> d = Status::NotFound("never read");
    for (int i = 0; i < 400; ++i) {
      d = backend_.webhooks->Get(task_id);
      if (d.ok() && d->state == want) break;
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : state::WebhookDelivery{};
  }

  std::unique_ptr<Clock> clock_ = NewSystemClock();
  Logger logger_{LogFormat::kText, LogLevel::kError, *clock_, [](std::string_view) {}};
  IdGenerator ids_;
  std::filesystem::path dir_;
  state::StateBackend backend_;
  std::unique_ptr<WebhookService> service_;
  std::unique_ptr<worker::WorkerPool> pool_;
};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(WebhookServiceTest, ASucceededTaskIsPostedSignedWithItsResult) {
  Receiver receiver;
  const std::string task = Submit(receiver.url());
  auto calls = receiver.WaitFor(1);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(VerifySignature(kSecret, calls[0].signature, calls[0].body, NowSeconds()))
      << calls[0].signature;
  EXPECT_FALSE(VerifySignature("another secret", calls[0].signature, calls[0].body, NowSeconds()));
  auto body = ParseJson(calls[0].body);
  ASSERT_TRUE(body.ok()) << calls[0].body;
  EXPECT_EQ((*body)["task_id"], task);
  EXPECT_EQ((*body)["status"], "SUCCESS");
  EXPECT_EQ((*body)["result"]["video_key"], "videos/x/final_video.mp4");
  EXPECT_FALSE(body->contains("error"));
  const state::WebhookDelivery d = WaitForState(task, state::WebhookState::kDelivered);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_http_status, 200);
  EXPECT_TRUE(d.delivered_at.has_value());
}

TEST_F(WebhookServiceTest, AFailedTaskIsPostedWithItsError) {
  Receiver receiver;
  const std::string task = Submit(receiver.url(), /*fail=*/true);
  auto calls = receiver.WaitFor(1);
  ASSERT_EQ(calls.size(), 1u);
  auto body = ParseJson(calls[0].body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["status"], "FAILURE");
  EXPECT_FALSE(body->contains("result"));
  EXPECT_NE((*body)["error"]["message"].get<std::string>().find("nobody"), std::string::npos);
  WaitForState(task, state::WebhookState::kDelivered);
}

TEST_F(WebhookServiceTest, AReceiverThatFailsTwiceGetsExactlyOneSuccessfulDelivery) {
  Receiver receiver;
  receiver.Answer({503, 500});
  const std::string task = Submit(receiver.url());
  const state::WebhookDelivery d = WaitForState(task, state::WebhookState::kDelivered);
  EXPECT_EQ(d.attempts, 3);
  std::this_thread::sleep_for(1s);  // several retry delays: nothing more may come
  auto calls = receiver.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].answered, 503);
  EXPECT_EQ(calls[1].answered, 500);
  EXPECT_EQ(calls[2].answered, 200);
  EXPECT_EQ(calls[0].body, calls[2].body);  // the same body every time
}

TEST_F(WebhookServiceTest, ARestartBetweenAttemptsLosesNothing) {
  Receiver receiver;
  receiver.Answer({503});
  const std::string task = Submit(receiver.url());
  const state::WebhookDelivery pending = WaitForState(task, state::WebhookState::kPending);
  receiver.WaitFor(1);
  Close();  // the process stops with the second attempt waiting in the queue
  ASSERT_EQ(receiver.calls().size(), 1u);
  EXPECT_EQ(pending.last_http_status, 503);
  Open();
  const state::WebhookDelivery d = WaitForState(task, state::WebhookState::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(receiver.calls().size(), 2u);
}

TEST_F(WebhookServiceTest, PrivateDestinationsAreRefusedBeforeAndAtDelivery) {
  Receiver receiver;
  Close();
  Open(/*allow_private=*/false);
  EXPECT_EQ(service_->CheckCallbackUrl(receiver.url()).reason(), "callback_url_refused");
  EXPECT_EQ(service_->CheckCallbackUrl("ftp://example.com/").reason(), "invalid_callback_url");
  // A task that names one anyway (a Celery client's kwargs) ends with the delivery failed
  // and nothing sent.
  const std::string task = Submit(receiver.url());
  const state::WebhookDelivery d = WaitForState(task, state::WebhookState::kFailed);
  EXPECT_NE(d.last_error.find("127.0.0.1"), std::string::npos) << d.last_error;
  EXPECT_TRUE(receiver.calls().empty());

  WebhookService no_secret(*backend_.webhooks, *backend_.queue, *clock_, logger_, {});
  EXPECT_EQ(no_secret.CheckCallbackUrl("https://example.com/hook").reason(), "webhooks_disabled");
}

TEST_F(WebhookServiceTest, ARevokedTaskIsPostedAsRevoked) {
  Receiver receiver;
  state::TaskResult revoked;
  revoked.task_id = ids_.NewUuid();
  revoked.status = state::TaskStatus::kRevoked;
  revoked.result = {{"exc_type", "TaskRevokedError"}, {"exc_message", "revoked by the user"}};
  revoked.date_done = clock_->Now();
  ASSERT_TRUE(service_->Register(revoked.task_id, receiver.url()).ok());
  ASSERT_TRUE(service_->OnTaskRevoked(revoked).ok());
  auto calls = receiver.WaitFor(1);
  ASSERT_EQ(calls.size(), 1u);
  auto body = ParseJson(calls[0].body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["status"], "REVOKED");
  EXPECT_EQ((*body)["error"]["type"], "TaskRevokedError");
  // A task without a receiver: nothing to do.
  revoked.task_id = ids_.NewUuid();
  EXPECT_TRUE(service_->OnTaskRevoked(revoked).ok());
}

}  // namespace
}  // namespace vmsg::webhooks
