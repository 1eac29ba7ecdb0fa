// The registry's bookkeeping and the text exposition format.
#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vmsg::metrics {
namespace {

[[noreturn]] void Abort(const std::string& why) {
  std::fprintf(stderr, "metrics: %s\n", why.c_str());
  std::abort();
}

bool ValidName(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view le = {}) {
  if (names.empty() && le.empty()) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double value, std::string_view le = {}) {
  out += name;
  AppendLabels(out, names, values, le);
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "NaN";
  return std::string(buffer, end);
}

void Counter::Inc(double by) {
  // Counters never go down; a negative increment is a caller bug that would corrupt rates.
  if (by < 0) return;
  value_.fetch_add(by, std::memory_order_relaxed);
}

void Gauge::Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(bounds->size() + 1, 0) {}

void Histogram::Observe(double value) {
  // The first bucket whose upper bound is >= value ("le" is inclusive); past the last: +Inf.
  const size_t bucket =
      std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin();
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  std::lock_guard lock(mutex_);
  snapshot.cumulative.reserve(counts_.size());
  uint64_t running = 0;
  for (uint64_t n : counts_) {
    running += n;
    snapshot.cumulative.push_back(running);
  }
  snapshot.count = running;
  snapshot.sum = sum_;
  return snapshot;
}

const std::vector<double>& DurationBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                               1,     2.5,  5,     10,   30,  60};
  return kBuckets;
}

template <typename T>
T& Family<T>::With(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    Abort("a series needs " + std::to_string(label_names_.size()) + " label values, got " +
          std::to_string(label_values.size()));
  }
  std::lock_guard lock(mutex_);
  auto& slot = series_[label_values];
  if (!slot) slot = make_();
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Metric& Registry::Add(std::string name, std::string help, Type type,
                                std::vector<std::string> label_names) {
  if (!ValidName(name, /*colons=*/true)) Abort("invalid metric name '" + name + "'");
  for (const std::string& label : label_names) {
    if (!ValidName(label, /*colons=*/false) || label.starts_with("__")) {
      Abort("invalid label name '" + label + "' on " + name);
    }
    if (type == Type::kHistogram && label == "le") Abort("a histogram cannot have label le");
  }
  std::lock_guard lock(mutex_);
  for (const auto& m : metrics_) {
    if (m->name == name) Abort("metric '" + name + "' registered twice");
  }
  auto metric = std::make_unique<Metric>();
  metric->name = std::move(name);
  metric->help = std::move(help);
  metric->type = type;
  metric->label_names = std::move(label_names);
  metrics_.push_back(std::move(metric));
  return *metrics_.back();
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  Metric& m = Add(std::move(name), std::move(help), Type::kCounter, label_names);
  m.counters.reset(
      new Family<Counter>(std::move(label_names), [] { return std::make_unique<Counter>(); }));
  return *m.counters;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  Metric& m = Add(std::move(name), std::move(help), Type::kGauge, label_names);
  m.gauges.reset(
      new Family<Gauge>(std::move(label_names), [] { return std::make_unique<Gauge>(); }));
  return *m.gauges;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Abort("histogram '" + name + "' needs finite, strictly ascending bucket bounds");
    }
  }
  Metric& m = Add(std::move(name), std::move(help), Type::kHistogram, label_names);
  m.bounds = std::make_unique<std::vector<double>>(std::move(bounds));
  m.histograms.reset(new Family<Histogram>(std::move(label_names), [bounds = m.bounds.get()] {
    return std::make_unique<Histogram>(bounds);
  }));
  return *m.histograms;
}

void Registry::OnCollect(std::function<void()> collect) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  // Outside the registry's lock: a collector may touch any family.
  for (const auto& collect : collectors) collect();

  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& m : metrics_) {
    out += "# HELP " + m->name + " " + EscapeHelp(m->help) + "\n";
    switch (m->type) {
      case Type::kCounter: {
        out += "# TYPE " + m->name + " counter\n";
        std::lock_guard series_lock(m->counters->mutex_);
        for (const auto& [values, counter] : m->counters->series_) {
          AppendSample(out, m->name, m->label_names, values, counter->Value());
        }
        break;
      }
      case Type::kGauge: {
        out += "# TYPE " + m->name + " gauge\n";
        std::lock_guard series_lock(m->gauges->mutex_);
        for (const auto& [values, gauge] : m->gauges->series_) {
          AppendSample(out, m->name, m->label_names, values, gauge->Value());
        }
        break;
      }
      case Type::kHistogram: {
        out += "# TYPE " + m->name + " histogram\n";
        std::lock_guard series_lock(m->histograms->mutex_);
        for (const auto& [values, histogram] : m->histograms->series_) {
          const Histogram::Snapshot s = histogram->Read();
          for (size_t i = 0; i < m->bounds->size(); ++i) {
            AppendSample(out, m->name + "_bucket", m->label_names, values,
                         static_cast<double>(s.cumulative[i]), FormatValue((*m->bounds)[i]));
          }
          AppendSample(out, m->name + "_bucket", m->label_names, values,
                       static_cast<double>(s.count), "+Inf");
          AppendSample(out, m->name + "_sum", m->label_names, values, s.sum);
          AppendSample(out, m->name + "_count", m->label_names, values,
                       static_cast<double>(s.count));
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace vmsg::metrics
