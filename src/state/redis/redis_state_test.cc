// Redis-specific tests: URL parsing, the exact keys, JSON and TTLs the spec fixes (read back
// with raw commands), persistence of the queue across a server restart, reconnects, the
// pool limit, the sweep, and that no password reaches the description. The queue's Celery
// layout is checked both ways against Debian's python3-celery: its clients queue tasks we
// take, its worker runs tasks we queue, and it reads our results.
#include "state/redis/redis_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "base/base64.h"
#include "base/ids.h"
#include "base/json.h"
#include "state/redis/celery_control.h"
#include "state/redis/celery_message.h"
#include "state/redis/redis_client.h"
#include "testing/redis_server.h"

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
    auto server = test::RedisTestServer::Start();
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
  std::unique_ptr<test::RedisTestServer> server_;
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

std::filesystem::path SourceDir() {
  const char* env = std::getenv("VMSG_SOURCE_DIR");
  return env != nullptr ? env : VMSG_DEFAULT_SOURCE_DIR;
}

// Single-quoted for /bin/sh.
std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The kombu URL of a test server's broker DB.
std::string KombuUrl(const std::filesystem::path& socket) {
  return "redis+socket://" + socket.string() + "?virtual_host=0";
}

// Runs tests/celery/interop.py with Debian's Python (python3-celery) and returns the JSON
// it prints, or {"error": output} when it fails.
Json RunCelery(const std::filesystem::path& socket, const std::vector<std::string>& args) {
  std::string command = "/usr/bin/python3 " +
                        ShellQuote((SourceDir() / "tests/celery/interop.py").string()) + " " +
                        ShellQuote(KombuUrl(socket));
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {{"error", "popen failed"}};
  std::string out;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int rc = ::pclose(pipe);
  // The last line is the answer (Celery may warn before it).
  const size_t last = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  auto json = ParseJson(last == std::string::npos ? out : out.substr(last + 1));
  if (rc != 0 || !json.ok()) return {{"error", out}};
  return *json;
}

// What a Celery application reads for `task_id` from our results database.
Json ReadWithCelery(const std::filesystem::path& socket, const std::string& task_id) {
  return RunCelery(socket, {"read", task_id});
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
  // The server says when the blocker holds the one connection: then PING must wait.
  const auto blocked = [this] {
    auto info = raw_->Command({"INFO", "clients"});
    return info.ok() && info->str.find("blocked_clients:1") != std::string::npos;
  };
  const auto give_up = std::chrono::steady_clock::now() + 900ms;
  while (!blocked() && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  ASSERT_TRUE(blocked()) << "the BLPOP never blocked";
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

Json JsonAt(RedisReply reply) {
  auto json = ParseJson(reply.str);
  return json.ok() ? *json : Json();
}

TEST_F(RedisStateTest, JobsAreCeleryProtocol2MessagesOnKombusLists) {
  JobSpec urgent;
  urgent.task_id = ids_.NewUuid();
  urgent.task_name = "vmsg.generate_video";
  urgent.args = {{"text", "お誕生日おめでとう"}, {"object_key", "images/uploads/a/original.jpg"}};
  urgent.priority = kMaxPriority;
  JobSpec normal = urgent;
  normal.task_id = ids_.NewUuid();
  normal.priority = 5;
  ASSERT_TRUE(backend_.queue->Enqueue(urgent).ok());
  ASSERT_TRUE(backend_.queue->Enqueue(normal).ok());

  // Priority 9 is Celery's 0 (the queue's own list); 5 is Celery's 4, in the step-3 list.
  EXPECT_EQ(raw_broker_->Command({"LLEN", "celery"})->integer, 1);
  EXPECT_EQ(raw_broker_->Command({"LLEN", std::string("celery\x06\x16") + "3"})->integer, 1);
  const Json message = JsonAt(*raw_broker_->Command({"LINDEX", "celery", "0"}));
  ASSERT_TRUE(message.is_object()) << message;
  EXPECT_EQ(message["content-type"], "application/json");
  EXPECT_EQ(message["content-encoding"], "utf-8");
  EXPECT_EQ(message["headers"]["task"], "vmsg.generate_video");
  EXPECT_EQ(message["headers"]["id"], urgent.task_id);
  EXPECT_EQ(message["headers"]["root_id"], urgent.task_id);
  EXPECT_EQ(message["headers"]["retries"], 0);
  EXPECT_EQ(message["headers"]["lang"], "py");
  EXPECT_TRUE(message["headers"]["eta"].is_null());
  EXPECT_EQ(message["properties"]["correlation_id"], urgent.task_id);
  EXPECT_EQ(message["properties"]["priority"], 0);
  EXPECT_EQ(message["properties"]["body_encoding"], "base64");
  EXPECT_EQ(message["properties"]["delivery_info"],
            Json({{"exchange", ""}, {"routing_key", "celery"}}));
  std::optional<std::string> body = Base64Decode(message["body"].get<std::string>());
  ASSERT_TRUE(body.has_value());
  const Json payload = ParseJson(*body).value();
  ASSERT_EQ(payload.size(), 3u);
  EXPECT_EQ(payload[0], Json::array());
  EXPECT_EQ(payload[1], urgent.args);
  EXPECT_EQ(
      payload[2],
      Json(
          {{"callbacks", nullptr}, {"errbacks", nullptr}, {"chain", nullptr}, {"chord", nullptr}}));

  // A delivery is kombu's: the message under its tag in `unacked`, its time in
  // `unacked_index`; the ack removes both.
  auto r = backend_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->job.task_id, urgent.task_id);
  EXPECT_EQ((*r)->job.priority, kMaxPriority);
  EXPECT_EQ((*r)->job.args, urgent.args);
  const Json entry = JsonAt(*raw_broker_->Command({"HGET", "unacked", (*r)->token}));
  ASSERT_TRUE(entry.is_array() && entry.size() == 3u) << entry;
  EXPECT_EQ(entry[0], message);
  EXPECT_EQ(entry[1], "");
  EXPECT_EQ(entry[2], "celery");
  const RedisReply score = *raw_broker_->Command({"ZSCORE", "unacked_index", (*r)->token});
  const double now_s = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
  EXPECT_NEAR(std::stod(score.str), now_s, 0.001);
  ASSERT_TRUE(backend_.queue->Ack(**r).ok());
  EXPECT_EQ(raw_broker_->Command({"HLEN", "unacked"})->integer, 0);
  EXPECT_EQ(raw_broker_->Command({"ZCARD", "unacked_index"})->integer, 0);
  EXPECT_EQ(raw_broker_->Command({"LLEN", "celery"})->integer, 0);

  auto stats = backend_.queue->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready, 1);
  EXPECT_EQ(stats->ready_by_priority.at(6), 1);
  EXPECT_EQ(stats->ready_by_priority.at(9), 0);

  // An expired delivery goes back first in line, marked redelivered as kombu marks it.
  auto second = backend_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(second.ok() && second->has_value());
  clock_.Advance(30s);
  EXPECT_EQ(*backend_.queue->ReapExpired(), 1);
  const Json redelivered =
      JsonAt(*raw_broker_->Command({"LINDEX", std::string("celery\x06\x16") + "3", "0"}));
  EXPECT_EQ(redelivered["headers"]["redelivered"], true);
  EXPECT_EQ(redelivered["properties"]["delivery_info"]["redelivered"], true);
  EXPECT_EQ(redelivered["headers"]["id"], normal.task_id);
}

TEST_F(RedisStateTest, ReaperWaitsWhileKombusRestorerHoldsItsLock) {
  JobSpec spec;
  spec.task_id = ids_.NewUuid();
  spec.task_name = "t";
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  auto r = backend_.queue->Fetch(30s, 0s);
  ASSERT_TRUE(r.ok() && r->has_value());
  clock_.Advance(31s);
  ASSERT_TRUE(raw_broker_->Command({"SET", "unacked_mutex", "other", "EX", "60"}).ok());
  EXPECT_EQ(*backend_.queue->ReapExpired(), 0);
  ASSERT_TRUE(raw_broker_->Command({"DEL", "unacked_mutex"}).ok());
  EXPECT_EQ(*backend_.queue->ReapExpired(), 1);
}

TEST_F(RedisStateTest, CeleryClientsQueueTasksOurWorkersTake) {
  const auto socket = server_->dir() / "redis.sock";
  const Json kwargs = {{"text", "こんにちは"}, {"object_key", "images/uploads/b/original.png"}};
  Json sent =
      RunCelery(socket, {"send", DumpJson({{"name", "vmsg.generate_video"}, {"kwargs", kwargs}})});
  ASSERT_TRUE(sent.contains("task_id")) << sent;
  Json urgent = RunCelery(
      socket,
      {"send", DumpJson({{"name", "vmsg.generate_video"}, {"kwargs", kwargs}, {"priority", 0}})});
  Json batch = RunCelery(
      socket,
      {"send", DumpJson({{"name", "vmsg.generate_video"}, {"kwargs", kwargs}, {"priority", 8}})});
  Json positional =
      RunCelery(socket, {"send", DumpJson({{"name", "vmsg.generate_video"}, {"args", {1, 2}}})});
  Json later = RunCelery(
      socket,
      {"send",
       DumpJson({{"name", "vmsg.generate_video"}, {"kwargs", kwargs}, {"countdown", 3600}})});
  for (const Json* j : {&urgent, &batch, &positional, &later}) {
    ASSERT_TRUE(j->contains("task_id")) << *j;
  }

  // The clock stands far behind the real one, so the countdown's eta is ahead: that one is
  // put aside; the others come in Celery's priority order (0 first), then sending order.
  std::vector<Reservation> taken;
  while (true) {
    auto r = backend_.queue->Fetch(30s, 0s);
    ASSERT_TRUE(r.ok()) << r.status();
    if (!r->has_value()) break;
    taken.push_back(**r);
  }
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken[0].job.task_id, sent["task_id"]);  // Celery's default priority is 0 too
  EXPECT_EQ(taken[1].job.task_id, urgent["task_id"]);
  EXPECT_EQ(taken[2].job.task_id, positional["task_id"]);
  EXPECT_EQ(taken[3].job.task_id, batch["task_id"]);
  EXPECT_EQ(taken[0].job.task_name, "vmsg.generate_video");
  EXPECT_EQ(taken[0].job.args, kwargs);
  EXPECT_EQ(taken[0].job.priority, kMaxPriority);
  EXPECT_EQ(taken[0].job.attempt, 0);
  EXPECT_EQ(taken[0].job.max_retries, 3);
  EXPECT_TRUE(taken[0].job.refusal.empty());
  EXPECT_EQ(taken[3].job.priority, 1);
  EXPECT_NE(taken[2].job.refusal.find("keyword arguments only"), std::string::npos);
  EXPECT_EQ(backend_.queue->Stats()->delayed, 1);
  for (const Reservation& r : taken) EXPECT_TRUE(backend_.queue->Ack(r).ok());

  // A queued Celery message can be cancelled like ours.
  Json cancel_me =
      RunCelery(socket, {"send", DumpJson({{"name", "vmsg.generate_video"}, {"kwargs", kwargs}})});
  ASSERT_TRUE(cancel_me.contains("task_id")) << cancel_me;
  EXPECT_TRUE(backend_.queue->Cancel(cancel_me["task_id"]).ok());
  EXPECT_FALSE(backend_.queue->Fetch(30s, 0s)->has_value());

  // A message that is not JSON at all goes to the dead list, named as such.
  ASSERT_TRUE(raw_broker_->Command({"LPUSH", "celery", "\x80\x04pickle"}).ok());
  EXPECT_FALSE(backend_.queue->Fetch(30s, 0s)->has_value());
  auto dead = backend_.queue->ListDead(1);
  ASSERT_TRUE(dead.ok() && dead->size() == 1u) << dead.status();
  EXPECT_NE(dead->front().error.find("not a Celery protocol 2"), std::string::npos);
}

// A child process writing to `log`, stopped with SIGTERM (then SIGKILL) when the test ends.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                       0644);
    ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    ::posix_spawn_file_actions_destroy(&actions);
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

TEST_F(RedisStateTest, CeleryWorkerRunsTasksWeQueue) {
  const auto socket = server_->dir() / "redis.sock";
  const auto log = server_->dir() / "celery_worker.log";
  ChildProcess worker({"/usr/bin/python3", (SourceDir() / "tests/celery/interop.py").string(),
                       KombuUrl(socket), "worker"},
                      log);
  ASSERT_TRUE(worker.started());
  JobSpec spec;
  spec.task_id = ids_.NewUuid();
  spec.task_name = "vmsg_interop.echo";
  spec.args = {{"text", "日本語のメッセージ"}, {"n", 7}};
  spec.priority = 2;  // Celery's 7
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());

  // The Python worker takes it from our list, runs it and stores Celery's result record,
  // which we read back. Real time: the worker needs a moment to start.
  Result<TaskResult> done = Status::NotFound("not yet");
  for (int i = 0; i < 300; ++i) {
    done = backend_.results->Get(spec.task_id);
    if (done.ok() && done->status == TaskStatus::kSuccess) break;
    std::this_thread::sleep_for(100ms);
  }
  auto worker_log = [&log] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_TRUE(done.ok()) << done.status() << "\n" << worker_log();
  ASSERT_EQ(done->status, TaskStatus::kSuccess) << done->result << "\n" << worker_log();
  EXPECT_EQ(done->result["kwargs"], spec.args);
  EXPECT_EQ(done->result["retries"], 0);
  EXPECT_EQ(done->result["priority"], 7);
  EXPECT_EQ(raw_broker_->Command({"LLEN", std::string("celery\x06\x16") + "6"})->integer, 0);
}

}  // namespace
}  // namespace vmsg::state

namespace vmsg::state {
namespace {

// What Celery publishes for app.control.revoke(task_id), expiring at `expires`.
std::string RevokeEnvelope(const std::string& task_id, double expires) {
  const Json body = {{"method", "revoke"},
                     {"arguments", {{"task_id", task_id}, {"terminate", false}}},
                     {"destination", nullptr}};
  const Json envelope = {{"body", Base64Encode(DumpJson(body))},
                         {"content-encoding", "utf-8"},
                         {"content-type", "application/json"},
                         {"headers", {{"clock", 1}, {"expires", expires}}},
                         {"properties", {{"body_encoding", "base64"}}}};
  return DumpJson(envelope);
}

// A command's expiry is judged by the injected clock, not the machine's: with the clock at
// 2025-01-02, a revoke expiring a minute later is obeyed (the machine's clock would call it
// long expired) and one that expired a minute earlier is ignored.
TEST_F(RedisStateTest, CeleryRevokeExpiryFollowsTheInjectedClock) {
  std::mutex mutex;
  std::condition_variable seen_cv;
  std::vector<std::string> seen;
  Logger logger(LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {});
  auto listener = CeleryControlListener::Start(
      broker_,
      [&](const std::string& id) {
        std::lock_guard lock(mutex);
        seen.push_back(id);
        seen_cv.notify_all();
      },
      clock_, logger);
  ASSERT_TRUE(listener.ok()) << listener.status();
  const double now = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
  const std::string channel = celery::PidboxChannel(0);
  ASSERT_TRUE(raw_broker_->Command({"PUBLISH", channel, RevokeEnvelope("stale", now - 60)}).ok());
  ASSERT_TRUE(raw_broker_->Command({"PUBLISH", channel, RevokeEnvelope("fresh", now + 60)}).ok());
  std::unique_lock lock(mutex);
  ASSERT_TRUE(seen_cv.wait_for(lock, std::chrono::seconds(10), [&] { return !seen.empty(); }));
  EXPECT_EQ(seen, std::vector<std::string>{"fresh"});  // in order: "stale" came first, ignored
}

}  // namespace
}  // namespace vmsg::state
