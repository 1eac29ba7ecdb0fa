// Redis-specific tests: URL parsing, the exact keys, JSON and TTLs the spec fixes (read back
// with raw commands), persistence of the queue across a server restart, reconnects, the
// pool limit, the sweep, and that no password reaches the description.
#include "state/redis_state.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "common/ids.h"
#include "common/json.h"
#include "state/redis_client.h"
#include "state/redis_test_server.h"

namespace vmsg::state {
namespace {

using namespace std::chrono_literals;

TEST(RedisUrlTest, ParsesTcpAndUnixForms) {
  auto full = ParseRedisUrl("redis://:s3cret@redis:6380/1");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->host, "redis");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->password, "s3cret");
  EXPECT_EQ(full->db, 1);
  EXPECT_EQ(full->Description(), "redis://redis:6380/1");

  auto user = ParseRedisUrl("redis://default:pw@10.0.0.5");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->password, "pw");
  EXPECT_EQ(user->port, 6379);
  EXPECT_EQ(user->db, 0);

  auto plain = ParseRedisUrl("redis://redis:6379/0");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->password.empty());

  auto unix_url = ParseRedisUrl("unix:///run/redis/redis.sock?db=2&password=pw");
  ASSERT_TRUE(unix_url.ok()) << unix_url.status();
  EXPECT_EQ(unix_url->unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(unix_url->db, 2);
  EXPECT_EQ(unix_url->password, "pw");
  EXPECT_EQ(unix_url->Description(), "unix:///run/redis/redis.sock?db=2");

  EXPECT_TRUE(ParseRedisUrl("http://redis:6379").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRedisUrl("redis://redis:port/0").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRedisUrl("redis://redis:6379/x").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRedisUrl("redis://:pw@/0").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRedisUrl("unix://relative.sock").status().IsInvalidArgument());
  EXPECT_EQ(ParseRedisUrl("rediss://redis:6379").status().code(), StatusCode::kUnimplemented);
}

TEST(RedisClientTest, UnreachableServerIsUnavailable) {
  RedisOptions options;
  options.url = "unix:///nonexistent/vmsg/redis.sock";
  options.connect_timeout = 100ms;
  auto client = NewRedisClient(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(client.status().IsRetryable());
}

class RedisStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RedisTestServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    results_.url = server_->Url(1);
    broker_.url = server_->Url(0);
    auto backend = NewRedisBackend(results_, broker_, clock_, [] { return 0.5; });
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
    auto raw = NewRedisClient(results_);
    ASSERT_TRUE(raw.ok());
    raw_ = std::move(*raw);
    auto raw_broker = NewRedisClient(broker_);
    ASSERT_TRUE(raw_broker.ok());
    raw_broker_ = std::move(*raw_broker);
  }

  RedisReply Raw(const std::vector<std::string>& args) {
    auto reply = raw_->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : RedisReply{};
  }

  // The key's remaining real TTL in ms.
  int64_t Pttl(const std::string& key) { return Raw({"PTTL", key}).integer; }

  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2) + 10h};
  IdGenerator ids_{7};
  std::unique_ptr<RedisTestServer> server_;
  RedisOptions results_, broker_;
  StateBackend backend_;
  std::unique_ptr<RedisClient> raw_, raw_broker_;
};

constexpr int64_t kMs = 1;
constexpr int64_t kTtlSlackMs = 5000 * kMs;

TEST_F(RedisStateTest, TaskResultIsCelerysRecordWithADayTtlAndIsPublished) {
  TaskResult r;
  r.task_id = ids_.NewUuid();
  r.status = TaskStatus::kSuccess;
  r.result = {{"video_url", "/files/videos/x/final_video.mp4"}};
  r.date_done = clock_.Now();
  const std::string key = "celery-task-meta-" + r.task_id;
  auto sub = raw_->Subscribe(key);
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(backend_.results->Put(r).ok());

  RedisReply stored = Raw({"GET", key});
  ASSERT_EQ(stored.type, RedisReply::Type::kString);
  auto json = ParseJson(stored.str);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, r.ToJson());
  EXPECT_EQ(json->size(), 6u);
  EXPECT_EQ((*json)["status"], "SUCCESS");
  EXPECT_EQ((*json)["date_done"], "2025-01-02T10:00:00.000Z");
  EXPECT_NEAR(Pttl(key), 24 * 3600 * 1000, kTtlSlackMs);

  auto message = (*sub)->Next(5s);
  ASSERT_TRUE(message.ok() && message->has_value());
  EXPECT_EQ(**message, stored.str);

  // The results DB, not the broker DB.
  auto in_broker = raw_broker_->Command({"EXISTS", key});
  ASSERT_TRUE(in_broker.ok());
  EXPECT_EQ(in_broker->integer, 0);
}

// Runs tests/celery/read_result.py with Debian's Python (python3-celery): what a Celery
// application reads for `task_id` from our results database.
Json ReadWithCelery(const std::filesystem::path& socket, const std::string& task_id) {
  const char* env = std::getenv("VMSG_SOURCE_DIR");
  const std::filesystem::path source = env != nullptr ? env : VMSG_DEFAULT_SOURCE_DIR;
  const std::string command = "/usr/bin/python3 '" +
                              (source / "tests/celery/read_result.py").string() + "' '" +
                              socket.string() + "' 1 " + task_id + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {{"error", "popen failed"}};
  std::string out;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int rc = ::pclose(pipe);
  auto json = ParseJson(out);
  if (rc != 0 || !json.ok()) return {{"error", out}};
  return *json;
}

TEST_F(RedisStateTest, CeleryClientReadsOurResults) {
  TaskResult done;
  done.task_id = ids_.NewUuid();
  done.status = TaskStatus::kSuccess;
  done.result = {{"video_url", "/files/videos/x/final_video.mp4?expires=1&signature=ab"},
                 {"duration_seconds", 7.5},
                 {"face_animated", true},
                 {"message", "お誕生日おめでとう"}};
  done.date_done = clock_.Now();
  ASSERT_TRUE(backend_.results->Put(done).ok());
  const auto socket = server_->dir() / "redis.sock";
  Json read = ReadWithCelery(socket, done.task_id);
  ASSERT_FALSE(read.contains("error")) << read["error"];
  EXPECT_EQ(read["state"], "SUCCESS");
  EXPECT_EQ(read["result"], done.result);  // the same dict

  TaskResult revoked;
  revoked.task_id = ids_.NewUuid();
  revoked.status = TaskStatus::kRevoked;
  revoked.date_done = clock_.Now();
  ASSERT_TRUE(backend_.results->Put(revoked).ok());
  read = ReadWithCelery(socket, revoked.task_id);
  ASSERT_FALSE(read.contains("error")) << read["error"];
  EXPECT_EQ(read["state"], "REVOKED");
}

TEST_F(RedisStateTest, ProgressIsTheSixFieldRecordPublishedOnItsKey) {
  const std::string task = ids_.NewUuid();
  const std::string key = "progress:" + task;
  auto sub = raw_->Subscribe(key);
  ASSERT_TRUE(sub.ok());
  Progress p;
  p.task_id = task;
  p.percentage = 35;
  p.message = "背景を削除中...";
  p.current_step = "background_removal";
  p.timestamp = clock_.Now();
  ASSERT_TRUE(backend_.progress->Publish(p).ok());
  RedisReply stored = Raw({"GET", key});
  auto json = ParseJson(stored.str);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, p.ToJson());
  EXPECT_EQ(json->size(), 6u);
  auto message = (*sub)->Next(5s);
  ASSERT_TRUE(message.ok() && message->has_value());
  EXPECT_EQ(**message, stored.str);

  p.percentage = 100;
  p.final = true;
  ASSERT_TRUE(backend_.progress->Publish(p).ok());
  EXPECT_NEAR(Pttl(key), 5 * 60 * 1000, kTtlSlackMs);
}

TEST_F(RedisStateTest, SessionAndRateLimitRecordsAndTtls) {
  Session s{ids_.NewUuid(), ids_.NewUuid(), clock_.Now(), clock_.Now()};
  ASSERT_TRUE(backend_.sessions->Put(s).ok());
  const std::string session_key = "ws:session:" + s.session_id;
  auto json = ParseJson(Raw({"GET", session_key}).str);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, s.ToJson());
  EXPECT_NEAR(Pttl(session_key), 10 * 60 * 1000, kTtlSlackMs);

  ASSERT_TRUE(backend_.rate_limits->Hit("203.0.113.9", 5).ok());
  ASSERT_TRUE(backend_.rate_limits->Hit("203.0.113.9", 5).ok());
  const std::string rate_key = "ratelimit:203.0.113.9";
  EXPECT_EQ(Raw({"TYPE", rate_key}).str, "hash");
  EXPECT_EQ(Raw({"HGET", rate_key, "count"}).str, "2");
  EXPECT_EQ(Raw({"HGET", rate_key, "window_start"}).str, "2025-01-02T10:00:00Z");
  EXPECT_EQ(Raw({"HLEN", rate_key}).integer, 2);
  EXPECT_NEAR(Pttl(rate_key), 3600 * 1000, kTtlSlackMs);

  // The logical expiry by the injected clock sits in the sidecar.
  EXPECT_EQ(Raw({"ZSCORE", "vmsg:expiry", session_key}).str,
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               (clock_.Now() + kSessionTtl).time_since_epoch())
                               .count()));
}

TEST_F(RedisStateTest, SweeperRemovesRecordsExpiredByTheClock) {
  auto sweep = NewRedisSweeper(results_, clock_);
  ASSERT_TRUE(sweep.ok());
  Session s{ids_.NewUuid(), ids_.NewUuid(), clock_.Now(), clock_.Now()};
  ASSERT_TRUE(backend_.sessions->Put(s).ok());
  TaskResult r;
  r.task_id = ids_.NewUuid();
  ASSERT_TRUE(backend_.results->Put(r).ok());
  EXPECT_EQ(*(*sweep)(), 0);
  clock_.Advance(kSessionTtl);
  EXPECT_EQ(*(*sweep)(), 1);
  EXPECT_EQ(Raw({"EXISTS", "ws:session:" + s.session_id}).integer, 0);
  EXPECT_EQ(Raw({"EXISTS", "celery-task-meta-" + r.task_id}).integer, 1);
  EXPECT_EQ(Raw({"ZCARD", "vmsg:expiry"}).integer, 1);
}

TEST_F(RedisStateTest, RestartLosesNoQueuedJobAndClientsReconnect) {
  std::vector<JobSpec> specs;
  for (int i = 0; i < 3; ++i) {
    JobSpec spec;
    spec.task_id = ids_.NewUuid();
    spec.task_name = "vmsg.generate_video";
    spec.args = {{"n", i}};
    specs.push_back(spec);
    ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  }
  JobSpec delayed = specs[0];
  delayed.task_id = ids_.NewUuid();
  delayed.delay = 60s;
  ASSERT_TRUE(backend_.queue->Enqueue(delayed).ok());
  auto reserved = backend_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(reserved.ok() && reserved->has_value());

  ASSERT_TRUE(server_->Restart().ok());

  // The same backend's pooled connections are dead; the next call reconnects.
  auto stats = backend_.queue->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->ready, 2);
  EXPECT_EQ(stats->reserved, 1);
  EXPECT_EQ(stats->delayed, 1);
  ASSERT_TRUE(backend_.queue->Ack(**reserved).ok());  // the reservation survived too
  auto next = backend_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(next.ok() && next->has_value()) << next.status();
  EXPECT_EQ((*next)->job.task_id, specs[1].task_id);
  EXPECT_EQ((*next)->job.args, specs[1].args);
  ASSERT_TRUE(backend_.ping().ok());
  TaskResult r;
  r.task_id = ids_.NewUuid();
  EXPECT_TRUE(backend_.results->Put(r).ok());
}

TEST_F(RedisStateTest, PasswordNeverInDescription) {
  ASSERT_TRUE(Raw({"CONFIG", "SET", "requirepass", "s3cret-pw"}).type == RedisReply::Type::kStatus);
  RedisOptions wrong = results_;
  wrong.url = server_->Url(1) + "&password=nope";
  EXPECT_EQ(NewRedisClient(wrong).status().code(), StatusCode::kPermissionDenied);
  RedisOptions with_password = results_, broker_with_password = broker_;
  with_password.url = server_->Url(1) + "&password=s3cret-pw";
  broker_with_password.url = server_->Url(0) + "&password=s3cret-pw";
  auto backend = NewRedisBackend(with_password, broker_with_password, clock_);
  ASSERT_TRUE(backend.ok()) << backend.status();
  ASSERT_TRUE(backend->ping().ok());
  EXPECT_EQ(backend->description.find("s3cret"), std::string::npos);
  EXPECT_NE(backend->description.find("db=1"), std::string::npos);
  auto tcp = ParseRedisUrl("redis://:s3cret-pw@redis:6379/1");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->Description(), "redis://redis:6379/1");
}

TEST_F(RedisStateTest, PoolIsCappedAndWaitsAtMostTheSocketTimeout) {
  RedisOptions tiny = broker_;
  tiny.max_connections = 1;
  tiny.socket_timeout = 200ms;
  auto client = NewRedisClient(tiny);
  ASSERT_TRUE(client.ok());
  std::thread blocker([&] { (void)(*client)->BlockingCommand({"BLPOP", "vmsg:test", "1"}, 1s); });
  std::this_thread::sleep_for(50ms);  // real time: let the blocker take the one connection
  auto waited = (*client)->Command({"PING"});
  EXPECT_EQ(waited.status().code(), StatusCode::kUnavailable);
  blocker.join();
  EXPECT_TRUE((*client)->Command({"PING"}).ok());
}

TEST_F(RedisStateTest, ScriptsReloadAfterScriptFlush) {
  JobSpec spec;
  spec.task_id = ids_.NewUuid();
  spec.task_name = "t";
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  ASSERT_TRUE(raw_->Command({"SCRIPT", "FLUSH"}).ok());
  auto stats = backend_.queue->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->ready, 1);
}

}  // namespace
}  // namespace vmsg::state
