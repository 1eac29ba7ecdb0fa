// Clock: the one source of "now" in vmsg. Production code gets a SystemClock; tests get a
// FakeClock they move by hand, so nothing ever sleeps to let time pass.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace vmsg {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC). Thread-safe.
  virtual TimePoint Now() const = 0;
};

std::unique_ptr<Clock> NewSystemClock();

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start);
  TimePoint Now() const override;
  void Advance(Duration by);
  void Set(TimePoint to);

 private:
  mutable std::mutex mutex_;
  TimePoint now_;  // GUARDED_BY(mutex_)
};

// "2025-01-02T10:30:00Z": UTC, whole seconds, as the spec's records write times.
std::string FormatIso8601(TimePoint t);
// The same with milliseconds: "2025-01-02T10:30:00.123Z" (logs).
std::string FormatIso8601Millis(TimePoint t);
// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; nullopt when malformed.
std::optional<TimePoint> ParseIso8601(std::string_view text);
// As ParseIso8601, and a time without an offset is UTC (Python's naive datetimes, as
// Celery writes date_done and eta).
std::optional<TimePoint> ParseIso8601AssumingUtc(std::string_view text);

}  // namespace vmsg
