// The Redis start-up check against a real redis-server (deploy/redis.conf): the persistence
// it reports, the warning when nothing persists, and a clear error for an unreachable one.
#include "app/redis_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/clock.h"
#include "testing/redis_server.h"

namespace vmsg {
namespace {

class RedisCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = test::RedisTestServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = state::NewRedisClient({.url = server_->Url(0)});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  Logger CapturingLogger() {
    return Logger(LogFormat::kText, LogLevel::kInfo, clock_,
                  [this](std::string_view line) { lines_.emplace_back(line); });
  }

  Config ConfigFor(const std::string& url) {
    Config config;
    config.redis_url = url;
    config.redis_socket_timeout = std::chrono::seconds(1);
    config.redis_socket_connect_timeout = std::chrono::milliseconds(300);
    return config;
  }

  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2)};
  std::unique_ptr<test::RedisTestServer> server_;
  std::unique_ptr<state::RedisClient> client_;
  std::vector<std::string> lines_;
};

TEST_F(RedisCheckTest, ReportsTheRepositoryConfiguration) {
  Result<RedisPersistence> p = ReadRedisPersistence(*client_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->aof_enabled);
  EXPECT_EQ(p->appendfsync, "everysec");
  EXPECT_EQ(p->save_points, "900 1 300 10 60 10000");
  EXPECT_EQ(p->rdb_last_bgsave_status, "ok");
  EXPECT_TRUE(p->Durable());
  EXPECT_EQ(p->Summary(),
            "AOF on (appendfsync everysec, last write ok), RDB save 900 1 300 10 60 10000, "
            "last save ok");

  const Logger logger = CapturingLogger();
  ASSERT_TRUE(CheckRedisAtStartup(ConfigFor(server_->Url(0)), logger).ok());
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find(" info "), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("redis: persistence"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("AOF on"), std::string::npos) << lines_[0];
}

TEST_F(RedisCheckTest, WarnsWhenNothingPersists) {
  ASSERT_TRUE(client_->Command({"CONFIG", "SET", "appendonly", "no"}).ok());
  ASSERT_TRUE(client_->Command({"CONFIG", "SET", "save", ""}).ok());
  Result<RedisPersistence> p = ReadRedisPersistence(*client_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->aof_enabled);
  EXPECT_EQ(p->save_points, "");
  EXPECT_FALSE(p->Durable());
  EXPECT_EQ(p->Summary(), "AOF off, RDB off, last save ok");

  const Logger logger = CapturingLogger();
  ASSERT_TRUE(CheckRedisAtStartup(ConfigFor(server_->Url(0)), logger).ok());
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find(" warning "), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("neither AOF nor RDB"), std::string::npos) << lines_[0];
}

TEST_F(RedisCheckTest, RdbAloneIsDurable) {
  ASSERT_TRUE(client_->Command({"CONFIG", "SET", "appendonly", "no"}).ok());
  Result<RedisPersistence> p = ReadRedisPersistence(*client_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Durable());
  EXPECT_EQ(p->Summary(), "AOF off, RDB save 900 1 300 10 60 10000, last save ok");
}

// Managed Redis often refuses CONFIG; an ACL does the same here without a restart.
TEST_F(RedisCheckTest, ConfigRefusedLeavesWhatOnlyConfigTellsUnknown) {
  ASSERT_TRUE(client_->Command({"ACL", "SETUSER", "default", "-config"}).ok());
  ASSERT_FALSE(client_->Command({"CONFIG", "GET", "save"}).ok());
  Result<RedisPersistence> p = ReadRedisPersistence(*client_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->aof_enabled);
  EXPECT_FALSE(p->appendfsync.has_value());
  EXPECT_FALSE(p->save_points.has_value());
  EXPECT_TRUE(p->Durable());
  EXPECT_EQ(p->Summary(),
            "AOF on (appendfsync unknown, last write ok), RDB save points unknown (CONFIG "
            "unavailable), last save ok");
}

TEST_F(RedisCheckTest, AnUnreachableServerIsNamedWithoutItsPassword) {
  ASSERT_TRUE(server_->Shutdown().ok());
  const Logger logger = CapturingLogger();
  // A TCP URL on a port nothing listens on (the test server's own port is 0: unix only).
  const Status s = CheckRedisAtStartup(ConfigFor("redis://:hunter2@127.0.0.1:1/0"), logger);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsRetryable()) << s;
  EXPECT_NE(s.message().find("Redis at redis://127.0.0.1:1/0 (REDIS_URL) is not reachable"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s;
  EXPECT_TRUE(lines_.empty());
}

TEST_F(RedisCheckTest, NothingToCheckWithoutRedis) {
  const Logger logger = CapturingLogger();
  EXPECT_TRUE(CheckRedisAtStartup(Config{}, logger).ok());
  EXPECT_TRUE(lines_.empty());
}

}  // namespace
}  // namespace vmsg
