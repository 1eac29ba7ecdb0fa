#include "state/redis/redis_common.h"

#include <charconv>

namespace vmsg::state {

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMillis(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
}
int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

Result<int64_t> ParseInt64(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  double d = 0;
  auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc() && dend == text.data() + text.size()) return static_cast<int64_t>(d);
  return Status::DataLoss("redis: " + std::string(what) + " is not a number: '" +
                          std::string(text) + "'");
}

Status UnexpectedReply(std::string_view what) {
  return Status::Internal("redis: unexpected reply from " + std::string(what));
}

}  // namespace vmsg::state
