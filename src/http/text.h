// Small text helpers for HTTP's ASCII grammar (header values, media types, list elements),
// shared by the message, multipart, static-file and server code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/ascii.h"

namespace vmsg::http {

// HTTP's optional whitespace: space and tab (RFC 9110 section 5.6.3).
inline bool IsOws(char c) { return c == ' ' || c == '\t'; }
std::string_view TrimOws(std::string_view s);

// The parts of `s` between `delimiter`s, empty ones included ("a,,b" is three parts, "" one).
std::vector<std::string_view> Split(std::string_view s, char delimiter);

}  // namespace vmsg::http
