#include "base/clock.h"

#include <gtest/gtest.h>

namespace vmsg {
namespace {

using namespace std::chrono_literals;

TimePoint At(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return std::chrono::sys_days(std::chrono::year(y) / mo / d) + std::chrono::hours(h) +
         std::chrono::minutes(mi) + std::chrono::seconds(s);
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(At(2025, 1, 2, 10, 30, 0));
  const TimePoint start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(90s);
  EXPECT_EQ(clock.Now() - start, 90s);
  clock.Set(At(2030, 6, 1, 0, 0, 0));
  EXPECT_EQ(FormatIso8601(clock.Now()), "2030-06-01T00:00:00Z");
}

TEST(ClockTest, SystemClockIsNearNow) {
  auto clock = NewSystemClock();
  EXPECT_LT(std::chrono::abs(clock->Now() - std::chrono::system_clock::now()), 5s);
}

TEST(ClockTest, FormatsLikeTheSpec) {
  EXPECT_EQ(FormatIso8601(At(2025, 1, 2, 10, 30, 45)), "2025-01-02T10:30:45Z");
  EXPECT_EQ(FormatIso8601Millis(At(2025, 1, 2, 10, 30, 45) + 7ms), "2025-01-02T10:30:45.007Z");
  EXPECT_EQ(FormatIso8601(At(1999, 12, 31, 23, 59, 59) + 999ms), "1999-12-31T23:59:59Z");
}

TEST(ClockTest, ParsesAndRoundTrips) {
  const TimePoint t = At(2025, 1, 2, 10, 30, 0);
  EXPECT_EQ(ParseIso8601("2025-01-02T10:30:00Z"), t);
  EXPECT_EQ(ParseIso8601("2025-01-02T19:30:00+09:00"), t);
  EXPECT_EQ(ParseIso8601("2025-01-02T05:00:00-05:30"), t);
  EXPECT_EQ(ParseIso8601("2025-01-02T10:30:00.250Z"), t + 250ms);
  EXPECT_EQ(ParseIso8601(FormatIso8601(t)), t);
}

TEST(ClockTest, NaiveTimesCanBeReadAsUtc) {
  const TimePoint t = At(2025, 1, 2, 10, 30, 0);
  EXPECT_FALSE(ParseIso8601("2025-01-02T10:30:00.123456").has_value());
  EXPECT_EQ(ParseIso8601AssumingUtc("2025-01-02T10:30:00.123456"), t + 123456us);
  EXPECT_EQ(ParseIso8601AssumingUtc("2025-01-02T19:30:00+09:00"), t);
  EXPECT_FALSE(ParseIso8601AssumingUtc("2025-01-02T10:30").has_value());
}

TEST(ClockTest, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2025-01-02", "2025-01-02T10:30:00", "2025-13-02T10:30:00Z", "2025-02-30T10:30:00Z",
        "2025-01-02T24:00:00Z", "2025-01-02T10:30:00.Z", "2025-01-02T10:30:00Zjunk",
        "2025-01-02 10:30:00Z", "20x5-01-02T10:30:00Z", "2025-01-02T10:30:00+0900"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vmsg
