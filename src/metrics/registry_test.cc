// The exposition text, checked line by line against the Prometheus text format 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats).
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace vmsg::metrics {
namespace {

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue(R"(C:\dir "x")"), R"(C:\\dir \"x\")");
  EXPECT_EQ(EscapeLabelValue("a\nb"), "a\\nb");
  EXPECT_EQ(EscapeLabelValue("plain/{id}"), "plain/{id}");
  EXPECT_EQ(EscapeLabelValue("日本語"), "日本語");
}

TEST(MetricsFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(EscapeHelp("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

TEST(MetricsFormat, ValuesUseShortestFormAndSpecialNames) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(Registry, CounterAndGaugeWithHelpTypeAndEscapedLabels) {
  Registry registry;
  auto& requests =
      registry.AddCounter("vmsg_requests_total", "Requests.\nSecond line.", {"route", "method"});
  requests.With({"/api/{id}", "GET"}).Inc();
  requests.With({"/api/{id}", "GET"}).Inc(2);
  requests.With({"/a\"b\\", "POST"}).Inc();
  auto& busy = registry.AddGauge("vmsg_busy", "Busy workers.");
  busy.With({}).Set(4);
  busy.With({}).Add(-1.5);

  EXPECT_EQ(registry.Expose(),
            "# HELP vmsg_requests_total Requests.\\nSecond line.\n"
            "# TYPE vmsg_requests_total counter\n"
            "vmsg_requests_total{route=\"/a\\\"b\\\\\",method=\"POST\"} 1\n"
            "vmsg_requests_total{route=\"/api/{id}\",method=\"GET\"} 3\n"
            "# HELP vmsg_busy Busy workers.\n"
            "# TYPE vmsg_busy gauge\n"
            "vmsg_busy 2.5\n");
}

TEST(Registry, LabelsKeepTheirDeclaredOrderNotAlphabetical) {
  Registry registry;
  registry.AddCounter("c_total", "c", {"zeta", "alpha"}).With({"1", "2"}).Inc();
  EXPECT_NE(registry.Expose().find("c_total{zeta=\"1\",alpha=\"2\"} 1\n"), std::string::npos);
}

TEST(Registry, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry registry;
  auto& h = registry.AddHistogram("vmsg_seconds", "Durations.", {"stage"}, {0.1, 1, 10});
  auto& speech = h.With({"speech"});
  speech.Observe(0.05);
  speech.Observe(0.1);  // on a bound: counts in that bucket (le is "less or equal")
  speech.Observe(0.5);
  speech.Observe(100);  // past the last bound: only +Inf

  EXPECT_EQ(registry.Expose(),
            "# HELP vmsg_seconds Durations.\n"
            "# TYPE vmsg_seconds histogram\n"
            "vmsg_seconds_bucket{stage=\"speech\",le=\"0.1\"} 2\n"
            "vmsg_seconds_bucket{stage=\"speech\",le=\"1\"} 3\n"
            "vmsg_seconds_bucket{stage=\"speech\",le=\"10\"} 3\n"
            "vmsg_seconds_bucket{stage=\"speech\",le=\"+Inf\"} 4\n"
            "vmsg_seconds_sum{stage=\"speech\"} 100.65\n"
            "vmsg_seconds_count{stage=\"speech\"} 4\n");
}

TEST(Registry, HistogramWithoutLabelsPutsOnlyLe) {
  Registry registry;
  registry.AddHistogram("h", "h", {}, {1}).With({}).Observe(2);
  EXPECT_EQ(registry.Expose(),
            "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\nh_count 1\n");
}

TEST(Registry, MetricWithoutSeriesShowsOnlyItsHeader) {
  Registry registry;
  registry.AddCounter("none_total", "Nothing yet.", {"x"});
  EXPECT_EQ(registry.Expose(), "# HELP none_total Nothing yet.\n# TYPE none_total counter\n");
}

TEST(Registry, CollectorsRunBeforeEachExposition) {
  Registry registry;
  auto& mirrored = registry.AddCounter("tasks_total", "Tasks.", {"state"});
  int64_t succeeded = 0;
  registry.OnCollect([&] { mirrored.With({"success"}).Mirror(static_cast<double>(succeeded)); });
  succeeded = 7;
  EXPECT_NE(registry.Expose().find("tasks_total{state=\"success\"} 7\n"), std::string::npos);
  succeeded = 9;
  EXPECT_NE(registry.Expose().find("tasks_total{state=\"success\"} 9\n"), std::string::npos);
}

TEST(Registry, CountersIgnoreNegativeIncrements) {
  Registry registry;
  auto& c = registry.AddCounter("c_total", "c").With({});
  c.Inc(2);
  c.Inc(-1);
  EXPECT_EQ(c.Value(), 2);
}

TEST(Registry, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  auto& family = registry.AddCounter("c_total", "c", {"t"});
  auto& h = registry.AddHistogram("h", "h", {}, {1});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        family.With({t % 2 == 0 ? "even" : "odd"}).Inc();
        h.With({}).Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.With({"even"}).Value() + family.With({"odd"}).Value(), kThreads * kPerThread);
  EXPECT_EQ(h.With({}).Read().count, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST(RegistryDeathTest, ProgrammingErrorsAbort) {
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("bad-name", "x");
      },
      "invalid metric name");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("a", "x", {"__reserved"});
      },
      "invalid label name");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("a", "x");
        r.AddGauge("a", "y");
      },
      "registered twice");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddHistogram("h", "x", {"le"});
      },
      "label le");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddHistogram("h", "x", {}, {1, 1});
      },
      "ascending");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("a", "x", {"one"}).With({});
      },
      "label values");
}

}  // namespace
}  // namespace vmsg::metrics
