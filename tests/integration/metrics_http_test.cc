// GET /metrics on the real service context as `vmsg serve` builds it (SQLite state, local
// object store, catalogs, one worker thread) over loopback: requests move the HTTP
// counters and histogram under their route pattern, and the in-memory and sampled figures
// (workers, queue, catalogs, object store calls) are there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "app/service_context.h"
#include "config/config.h"
#include "metrics/registry.h"
#include "running_service.h"
#include "test_client.h"

namespace vmsg {
namespace {

namespace bhttp = boost::beast::http;
using testing::Client;
using ::testing::HasSubstr;
using ::testing::Not;

class MetricsHttpTest : public testing::SharedServiceTest<MetricsHttpTest> {
 public:
  static constexpr const char* kServiceName = "vmsg_metrics_http_test";

 protected:
  static bhttp::response<bhttp::string_body> Get(const std::string& target) {
    Client c(services().server().port());
    EXPECT_TRUE(c.connected());
    c.Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return c.Read();
  }

  // The value of the sample line that starts with `series` + " ", or -1 when absent.
  static double Sample(const std::string& text, const std::string& series) {
    const std::string prefix = "\n" + series + " ";
    const size_t at = text.find(prefix);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + prefix.size()));
  }

  static std::string Scrape() {
    auto r = Get("/metrics");
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(std::string(r[bhttp::field::content_type]), std::string(metrics::kContentType));
    return "\n" + r.body();
  }
};

TEST_F(MetricsHttpTest, RequestsAreCountedAndTimedUnderTheirRoutePattern) {
  const std::string health =
      R"(vmsg_http_requests_total{route="/health",method="GET",status="200"})";
  const std::string status_404 =
      R"(vmsg_http_requests_total{route="/api/video/status/{task_id}",method="GET",status="404"})";
  const std::string health_count = R"(vmsg_http_request_duration_seconds_count{route="/health"})";
  const std::string before = Scrape();
  const double health_before = std::max(0.0, Sample(before, health));
  const double status_before = std::max(0.0, Sample(before, status_404));
  const double count_before = std::max(0.0, Sample(before, health_count));

  ASSERT_EQ(Get("/health").result_int(), 200);
  ASSERT_EQ(Get("/health").result_int(), 200);
  // Two different unknown ids: one series (the pattern), not one per id.
  ASSERT_EQ(Get("/api/video/status/00000000-0000-4000-8000-000000000001").result_int(), 404);
  ASSERT_EQ(Get("/api/video/status/00000000-0000-4000-8000-000000000002").result_int(), 404);

  const std::string after = Scrape();
  EXPECT_EQ(Sample(after, health), health_before + 2);
  EXPECT_EQ(Sample(after, status_404), status_before + 2);
  EXPECT_EQ(Sample(after, health_count), count_before + 2);
  EXPECT_EQ(
      Sample(after, R"(vmsg_http_request_duration_seconds_bucket{route="/health",le="+Inf"})"),
      count_before + 2);
  EXPECT_GT(Sample(after, R"(vmsg_http_request_duration_seconds_sum{route="/health"})"), 0);
  EXPECT_THAT(after, Not(HasSubstr("00000000-0000-4000-8000-000000000001")));
  // The scrape itself is counted too, under its own route.
  EXPECT_GE(
      Sample(after, R"(vmsg_http_requests_total{route="/metrics",method="GET",status="200"})"), 1);
}

TEST_F(MetricsHttpTest, WorkersQueueCatalogsAndObjectStoreAreExposed) {
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE vmsg_tasks_total counter\n"));
  EXPECT_EQ(Sample(text, "vmsg_workers_busy"), 0);
  EXPECT_EQ(Sample(text, "vmsg_workers_idle"), 1);
  EXPECT_GE(Sample(text, R"(vmsg_tasks_total{state="success"})"), 0);
  for (const char* state : {"ready", "delayed", "reserved", "dead"}) {
    EXPECT_EQ(Sample(text, std::string(R"(vmsg_queue_jobs{state=")") + state + "\"}"), 0) << state;
  }
  // The system voices and music tracks seeded at start.
  EXPECT_GT(Sample(text, R"(vmsg_catalog_records{catalog="voices"})"), 0);
  EXPECT_GT(Sample(text, R"(vmsg_catalog_records{catalog="bgm"})"), 0);
  // Seeding wrote their objects through the counting store.
  EXPECT_GT(Sample(text, R"(vmsg_object_store_requests_total{operation="put"})"), 0);
  EXPECT_EQ(Sample(text, R"(vmsg_object_store_errors_total{operation="put"})"), 0);
  EXPECT_THAT(text, HasSubstr("# TYPE vmsg_stage_duration_seconds histogram\n"));
  // No Redis configured: no Redis figures.
  EXPECT_THAT(text, Not(HasSubstr("vmsg_redis_")));
}

TEST_F(MetricsHttpTest, MetricsRouteIsDocumented) {
  auto r = Get("/api/openapi.json");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_THAT(r.body(), HasSubstr("\"/metrics\""));
}

}  // namespace
}  // namespace vmsg
