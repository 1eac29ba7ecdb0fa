// ASCII case, whatever the locale: for protocol text (HTTP header and form field names,
// S3 and SigV4 names), never for user text.
#pragma once

#include <string>
#include <string_view>

namespace vmsg {

// A-Z to a-z; other bytes as they are.
inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string AsciiLowerCopy(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace vmsg
