#include "base/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vmsg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LogTest : public ::testing::Test {
 protected:
  Logger Make(LogFormat format, LogLevel level = LogLevel::kInfo) {
    return Logger(format, level, clock_,
                  [this](std::string_view line) { lines_.emplace_back(line); });
  }
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2) + std::chrono::hours(10)};
  std::vector<std::string> lines_;
};

TEST_F(LogTest, TextLineHasTimeLevelComponentAndFields) {
  Logger log = Make(LogFormat::kText);
  log.Info("http", "request done", {{"status", 200}, {"path", "/health"}, {"ok", true}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(
      lines_[0],
      "2025-01-02T10:00:00.000Z info    http: request done status=200 path=/health ok=true\n");
}

TEST_F(LogTest, TextValuesWithSpacesAreQuotedAndEscaped) {
  Logger log = Make(LogFormat::kText);
  log.Warning("cfg", "odd", {{"value", "a b\"c\nd"}});
  EXPECT_THAT(lines_.at(0), HasSubstr(R"(value="a b\"c\nd")"));
}

TEST_F(LogTest, JsonLinesParseBack) {
  Logger log = Make(LogFormat::kJson);
  log.Error("worker", "task failed", {{"task_id", "abc"}, {"attempt", 3}, {"ratio", 0.5}});
  ASSERT_EQ(lines_.size(), 1u);
  ASSERT_EQ(lines_[0].back(), '\n');
  auto j = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["component"], "worker");
  EXPECT_EQ(j["msg"], "task failed");
  EXPECT_EQ(j["task_id"], "abc");
  EXPECT_EQ(j["attempt"], 3);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.5);
  EXPECT_EQ(j["ts"], "2025-01-02T10:00:00.000Z");
}

TEST_F(LogTest, SecretsNeverAppear) {
  for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    lines_.clear();
    Logger log = Make(format);
    log.Info("s3", "signed", {{"access_key", Secret{"hunter2-very-secret"}}});
    ASSERT_EQ(lines_.size(), 1u);
    EXPECT_THAT(lines_[0], Not(HasSubstr("hunter2")));
    EXPECT_THAT(lines_[0], HasSubstr("[redacted]"));
  }
}

TEST_F(LogTest, LevelsBelowMinimumAreDropped) {
  Logger log = Make(LogFormat::kText, LogLevel::kWarning);
  log.Debug("x", "a");
  log.Info("x", "b");
  log.Warning("x", "c");
  log.Error("x", "d");
  EXPECT_EQ(lines_.size(), 2u);
}

TEST_F(LogTest, InvalidUtf8DoesNotThrowInJson) {
  Logger log = Make(LogFormat::kJson);
  EXPECT_NO_THROW(log.Info("x", "bad \xff\xfe bytes", {{"v", "\xc3"}}));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept(lines_[0]));
}

TEST(LogParseTest, ParsesNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml").has_value());
}

}  // namespace
}  // namespace vmsg
