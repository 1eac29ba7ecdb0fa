// See text.h.
#include "http/text.h"

#include <algorithm>

namespace vmsg::http {

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char delimiter) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t pos = s.find(delimiter);
    parts.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return parts;
}

}  // namespace vmsg::http
