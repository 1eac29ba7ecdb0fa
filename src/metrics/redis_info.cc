// INFO's format: "# Section" headers and "field:value" lines separated by CRLF.
#include "metrics/redis_info.h"

#include <charconv>

namespace vmsg::metrics {

const std::vector<std::string>& RedisInfoFields() {
  static const std::vector<std::string> kFields = {"used_memory", "instantaneous_ops_per_sec",
                                                   "keyspace_hits", "keyspace_misses",
                                                   "rdb_last_save_time"};
  return kFields;
}

std::map<std::string, double> ParseRedisInfo(std::string_view text) {
  std::map<std::string, double> fields;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view value = line.substr(colon + 1);
    double number = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || ptr != value.data() + value.size()) continue;
    fields[std::string(line.substr(0, colon))] = number;
  }
  return fields;
}

}  // namespace vmsg::metrics
