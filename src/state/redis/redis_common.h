// Small helpers the Redis state stores share: millisecond times as Redis scripts take them,
// numbers read back from replies, and the error for a reply of the wrong shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace vmsg::state {

int64_t ToMillis(TimePoint t);
TimePoint FromMillis(int64_t ms);
int64_t Millis(Duration d);
inline std::string Str(int64_t n) { return std::to_string(n); }

// A whole number from a reply ("1.7e12" is accepted: scores from older servers). DataLoss
// naming `what` otherwise.
Result<int64_t> ParseInt64(std::string_view text, std::string_view what);

// Internal: a reply whose shape the code did not expect.
Status UnexpectedReply(std::string_view what);

}  // namespace vmsg::state
