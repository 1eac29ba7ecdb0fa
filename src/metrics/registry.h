// A small thread-safe Prometheus registry: counters, gauges and fixed-bucket histograms with
// labels, rendered in the text exposition format 0.0.4 for GET /metrics. Our own, so that
// the service needs no client library; it implements only what vmsg exposes.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vmsg::metrics {

// The Content-Type of Registry::Expose's text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A value that only goes up. Thread-safe.
class Counter {
 public:
  void Inc(double by = 1);
  // For a counter whose running total is kept elsewhere (e.g. the worker pool's counters):
  // sets the total read from there, which must itself never go down.
  void Mirror(double total) { value_.store(total, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is implied).
// Thread-safe.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>* bounds_;
  mutable std::mutex mutex_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; last is +Inf; GUARDED_BY(mutex_)
  double sum_ = 0;                // GUARDED_BY(mutex_)
};

// Default buckets for durations in seconds: 5 ms to 60 s (requests and pipeline stages).
const std::vector<double>& DurationBuckets();

// One metric name with its label names; a series per distinct tuple of label values.
// With() aborts when the number of values differs from the number of label names (a
// programming error, like a malformed route pattern). Series are never removed, so callers
// must keep label values to a bounded set (route patterns, not raw paths). Thread-safe.
template <typename T>
class Family {
 public:
  T& With(const std::vector<std::string>& label_values);

 private:
  friend class Registry;
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;  // GUARDED_BY(mutex_)
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each aborts on an invalid metric or label name, a name registered twice, a label named
  // "le" on a histogram, or bucket bounds that are not strictly ascending. The returned
  // family lives as long as the registry.
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds = DurationBuckets());

  // Runs before every Expose, to copy in-memory figures kept elsewhere into gauges and
  // mirrored counters. It must be cheap and do no I/O (figures that need I/O are sampled
  // by a periodic task into gauges).
  void OnCollect(std::function<void()> collect);

  // The text exposition format 0.0.4: per metric, in registration order, "# HELP" and
  // "# TYPE" lines, then one sample per series sorted by label values, labels in the order
  // they were declared (histograms: _bucket lines with le ascending up to "+Inf", then _sum
  // and _count). Label values are escaped (\\, \", \n); so is the help text (\\, \n).
  std::string Expose() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Metric {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::string> label_names;
    std::unique_ptr<std::vector<double>> bounds;  // histograms
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };
  Metric& Add(std::string name, std::string help, Type type, std::vector<std::string> label_names);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Metric>> metrics_;   // GUARDED_BY(mutex_)
  std::vector<std::function<void()>> collectors_;  // GUARDED_BY(mutex_)
};

// Exposed for tests: the escaping of a label value and of help text, and the rendering of
// a sample value (shortest round-trip form; +Inf, -Inf, NaN).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
std::string FormatValue(double value);

}  // namespace vmsg::metrics
