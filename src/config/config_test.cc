#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace vmsg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path WriteEnvFile(const std::string& text) {
    auto path = dir_ / "test.env";
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsAreValid) {
  Result<Config> c = LoadConfig({});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->http_host, "127.0.0.1");
  EXPECT_EQ(c->http_port, 8080);
  EXPECT_EQ(c->http_max_header_bytes, 16u * 1024);
  EXPECT_EQ(c->http_max_body_bytes, 1u << 20);
  EXPECT_EQ(c->http_request_timeout, 30s);
  EXPECT_EQ(c->log_format, LogFormat::kText);
  EXPECT_TRUE(c->cors_origins.empty());
}

TEST_F(ConfigTest, VideoEncodingSettings) {
  Result<Config> defaults = LoadConfig({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->video_preset, "veryfast");
  EXPECT_EQ(defaults->video_crf, 23);
  ConfigSources s;
  s.environment = {{"VMSG_VIDEO_PRESET", "medium"}, {"VMSG_VIDEO_CRF", "28"}};
  Result<Config> c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->video_preset, "medium");
  EXPECT_EQ(c->video_crf, 28);
  s.environment = {{"VMSG_VIDEO_PRESET", "warp9"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_VIDEO_PRESET"));
  s.environment = {{"VMSG_VIDEO_CRF", "52"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_VIDEO_CRF"));
}

TEST_F(ConfigTest, MetricsPortOfTheWorker) {
  Result<Config> defaults = LoadConfig({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->metrics_port, 9100);
  ConfigSources s;
  s.flags = {"--metrics-port=0"};
  Result<Config> off = LoadConfig(s);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->metrics_port, 0);
  s.flags = {"--metrics-port=70000"};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_METRICS_PORT"));
}

TEST_F(ConfigTest, LaterSourcesWin) {
  ConfigSources s;
  s.env_file = WriteEnvFile("VMSG_HTTP_PORT=7000\nVMSG_HTTP_THREADS=3\nVMSG_LOG_LEVEL=debug\n");
  s.environment = {{"VMSG_HTTP_PORT", "7001"}, {"VMSG_HTTP_THREADS", "4"}};
  s.flags = {"--http-port=7002"};
  Result<Config> c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http_port, 7002);              // flag beats environment and .env
  EXPECT_EQ(c->http_threads, 4);              // environment beats .env
  EXPECT_EQ(c->log_level, LogLevel::kDebug);  // .env beats the default
  const std::string printed = FormatConfig(*c);
  EXPECT_THAT(printed, HasSubstr("VMSG_HTTP_PORT=7002"));
  EXPECT_THAT(printed, HasSubstr("# flag"));
  EXPECT_THAT(printed, HasSubstr("# environment"));
  EXPECT_THAT(printed, HasSubstr("# .env ("));
}

TEST_F(ConfigTest, FlagsTakeSeparateValuesAndSpecNames) {
  ConfigSources s;
  s.flags = {"--data-dir", "/tmp/x",         "--log-format",
             "json",       "--cors-origins", "https://a.example, http://localhost:3000"};
  Result<Config> c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->data_dir, "/tmp/x");
  EXPECT_EQ(c->log_format, LogFormat::kJson);
  EXPECT_EQ(c->cors_origins,
            (std::vector<std::string>{"https://a.example", "http://localhost:3000"}));
}

TEST_F(ConfigTest, BadValuesNameTheSettingValueAndSource) {
  ConfigSources s;
  s.environment = {{"VMSG_HTTP_PORT", "abc"}};
  Result<Config> c = LoadConfig(s);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().reason(), "invalid_config");
  EXPECT_THAT(c.status().message(),
              HasSubstr("VMSG_HTTP_PORT=\"abc\" (from environment): expected an integer from 0 to "
                        "65535"));

  s.environment = {{"VMSG_HTTP_PORT", "70000"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_HTTP_PORT=\"70000\""));

  s.environment = {{"VMSG_HTTP_REQUEST_TIMEOUT", "soon"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_HTTP_REQUEST_TIMEOUT"));

  s.environment = {{"VMSG_CORS_ORIGINS", "*"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("'*' is not an origin"));

  s.environment = {{"VMSG_LOG_FORMAT", "xml"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("expected text or json"));

  s.environment = {{"VMSG_HTTP_MAX_HEADER_BYTES", "10"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_HTTP_MAX_HEADER_BYTES"));
}

TEST_F(ConfigTest, UnknownFlagsAndEnvFileNamesAreErrorsButUnknownEnvIsNot) {
  ConfigSources s;
  s.flags = {"--htp-port=1"};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("unknown flag --htp-port"));
  s.flags = {"--http-port"};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("needs a value"));
  s.flags = {"serve"};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("unexpected argument 'serve'"));

  ConfigSources e;
  e.env_file = WriteEnvFile("VMSG_HTTP_PROT=1\n");
  EXPECT_THAT(LoadConfig(e).status().message(), HasSubstr("unknown setting VMSG_HTTP_PROT"));

  ConfigSources env;
  env.environment = {{"VMSG_SOMETHING_ELSE", "1"}, {"PATH", "/bin"}};
  EXPECT_TRUE(LoadConfig(env).ok());
}

TEST_F(ConfigTest, EnvFileSyntax) {
  ConfigSources s;
  s.env_file = WriteEnvFile(
      "# a comment\n"
      "\n"
      "export VMSG_HTTP_HOST=0.0.0.0\n"
      "VMSG_DATA_DIR = \"/srv/vmsg data\"  # trailing comment\n"
      "VMSG_WEB_DIR='/srv/web#1'\n"
      "VMSG_LOG_LEVEL=warning # inline\n");
  Result<Config> c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->http_host, "0.0.0.0");
  EXPECT_EQ(c->data_dir, "/srv/vmsg data");
  EXPECT_EQ(c->web_dir, "/srv/web#1");
  EXPECT_EQ(c->log_level, LogLevel::kWarning);

  s.env_file = WriteEnvFile("VMSG_HTTP_HOST\n");
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("test.env:1: expected NAME=VALUE"));
  s.env_file = WriteEnvFile("\n\nVMSG_DATA_DIR=\"unterminated\n");
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("test.env:3: unterminated"));
}

TEST_F(ConfigTest, MissingEnvFileIsAnErrorOnlyWhenNamed) {
  ConfigSources s;
  s.env_file = dir_ / "absent.env";
  s.env_file_explicit = false;
  EXPECT_TRUE(LoadConfig(s).ok());
  s.env_file_explicit = true;
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("does not exist"));
}

TEST_F(ConfigTest, SourcesFromProcessTakesEnvFileFlag) {
  std::string a = "VMSG_HTTP_PORT=9", b = "HOME=/root";
  char* envp[] = {a.data(), b.data(), nullptr};
  ConfigSources s = SourcesFromProcess(envp, {"--env-file", "/x/y.env", "--http-threads=2"});
  EXPECT_EQ(s.environment.at("VMSG_HTTP_PORT"), "9");
  EXPECT_EQ(*s.env_file, "/x/y.env");
  EXPECT_TRUE(s.env_file_explicit);
  EXPECT_EQ(s.flags, std::vector<std::string>{"--http-threads=2"});
  ConfigSources d = SourcesFromProcess(envp, {});
  EXPECT_EQ(*d.env_file, ".env");
  EXPECT_FALSE(d.env_file_explicit);
}

TEST_F(ConfigTest, RedisUrlsFollowTheSpecLayout) {
  ConfigSources s;
  s.environment = {{"REDIS_URL", "redis://:pw@redis:6379/0"}};
  Result<Config> c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->celery_broker_url, "redis://:pw@redis:6379/0");
  EXPECT_EQ(c->celery_result_backend, "redis://:pw@redis:6379/1");
  EXPECT_EQ(c->redis_max_connections, 50);
  EXPECT_EQ(c->redis_socket_timeout, 5s);
  EXPECT_THAT(FormatConfig(*c), HasSubstr("REDIS_URL=redis://:[redacted]@redis:6379/0"));
  EXPECT_THAT(FormatConfig(*c), Not(HasSubstr("pw@")));

  s.environment = {{"REDIS_URL", "unix:///run/redis.sock"},
                   {"CELERY_RESULT_BACKEND", "unix:///run/redis.sock?db=5"}};
  c = LoadConfig(s);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->celery_result_backend, "unix:///run/redis.sock?db=5");

  s.environment = {{"REDIS_URL", "http://redis"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("REDIS_URL=\"http://redis\""));
  s.environment = {{"CELERY_BROKER_URL", "redis://redis/0"}};
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("need REDIS_URL"));
}

TEST_F(ConfigTest, MetadataUrlIsPostgresOrEmptyAndItsPasswordIsRedacted) {
  Result<Config> c = LoadConfig({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->metadata_url, "");
  ConfigSources s;
  s.environment = {{"VMSG_METADATA_URL", "postgresql://vmsg:s3cret@db:5432/vmsg"}};
  c = LoadConfig(s);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->metadata_url, "postgresql://vmsg:s3cret@db:5432/vmsg");
  EXPECT_THAT(FormatConfig(*c),
              HasSubstr("VMSG_METADATA_URL=postgresql://vmsg:[redacted]@db:5432/vmsg"));
  EXPECT_THAT(FormatConfig(*c), Not(HasSubstr("s3cret")));
  s.environment = {{"VMSG_METADATA_URL", "mysql://u:pw@db/x"}};
  Status bad = LoadConfig(s).status();
  EXPECT_THAT(bad.message(), HasSubstr("VMSG_METADATA_URL=\"mysql://u:[redacted]@db/x\""));
  EXPECT_THAT(bad.message(), Not(HasSubstr("pw@")));
}

TEST_F(ConfigTest, WorkerSettings) {
  Result<Config> c = LoadConfig({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->workers, 2);
  EXPECT_EQ(c->celery_task_time_limit, 300s);
  EXPECT_TRUE(c->celery_task_track_started);
  ConfigSources s;
  s.environment = {{"CELERY_TASK_TIME_LIMIT", "900"}};  // past the 10 min visibility timeout
  EXPECT_THAT(LoadConfig(s).status().message(), HasSubstr("VMSG_VISIBILITY_TIMEOUT"));
  s.environment = {{"CELERY_TASK_TRACK_STARTED", "False"}, {"VMSG_WORKERS", "0"}};
  c = LoadConfig(s);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->celery_task_track_started);
  EXPECT_EQ(c->workers, 0);
}

TEST(ConfigRedisTest, UrlWithDb) {
  EXPECT_EQ(RedisUrlWithDb("redis://h:6379/0", 1), "redis://h:6379/1");
  EXPECT_EQ(RedisUrlWithDb("redis://h:6379", 1), "redis://h:6379/1");
  EXPECT_EQ(RedisUrlWithDb("redis://u:p@h/3", 1), "redis://u:p@h/1");
  EXPECT_EQ(RedisUrlWithDb("unix:///s.sock", 1), "unix:///s.sock?db=1");
  EXPECT_EQ(RedisUrlWithDb("unix:///s.sock?db=0", 1), "unix:///s.sock?db=1");
}

TEST(ConfigParseTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(*ParseByteSize("64KiB"), 65536u);
  EXPECT_EQ(*ParseByteSize("10MiB"), 10u << 20);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1u << 30);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("-1").ok());
  EXPECT_FALSE(ParseByteSize("10MB").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999999GiB").ok());
}

TEST(ConfigParseTest, Durations) {
  EXPECT_EQ(*ParseDuration("30"), 30s);
  EXPECT_EQ(*ParseDuration("30s"), 30s);
  EXPECT_EQ(*ParseDuration("500ms"), 500ms);
  EXPECT_EQ(*ParseDuration("5m"), 5min);
  EXPECT_EQ(*ParseDuration("1h"), 1h);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_FALSE(ParseDuration("1hs").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
}

TEST(ConfigParseTest, Bools) {
  EXPECT_TRUE(*ParseBool("TRUE"));
  EXPECT_TRUE(*ParseBool("on"));
  EXPECT_FALSE(*ParseBool("0"));
  EXPECT_FALSE(ParseBool("maybe").ok());
}

TEST(ConfigRedactTest, UrlPasswordsAreHidden) {
  EXPECT_EQ(RedactUrlPassword("redis://:s3cret@redis:6379/0"), "redis://:[redacted]@redis:6379/0");
  EXPECT_EQ(RedactUrlPassword("postgresql://vmsg:pw@db/vmsg?sslmode=require"),
            "postgresql://vmsg:[redacted]@db/vmsg?sslmode=require");
  EXPECT_EQ(RedactUrlPassword("redis://redis:6379/0"), "redis://redis:6379/0");
  EXPECT_EQ(RedactUrlPassword("redis://user@redis/0"), "redis://user@redis/0");
  EXPECT_EQ(RedactUrlPassword("not a url"), "not a url");
}

TEST(ConfigDocTest, MarkdownTableListsEverySettingAndTheReadmeHasIt) {
  const std::string table = SettingsMarkdownTable();
  Result<Config> c = LoadConfig({});
  ASSERT_TRUE(c.ok());
  for (const auto& o : c->origins) EXPECT_THAT(table, HasSubstr("`" + o.name + "`"));
  // The README's configuration table is generated from this one; keep them identical.
  const char* source_dir = std::getenv("VMSG_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr);
  std::ifstream readme(std::filesystem::path(source_dir) / "README.md");
  std::stringstream text;
  text << readme.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr(table))
      << "README.md's configuration table is stale: run `build/vmsg config table` and paste it";
}

}  // namespace
}  // namespace vmsg
