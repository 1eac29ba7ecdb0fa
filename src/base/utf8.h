// UTF-8: strict decoding (no overlong forms, no surrogates, nothing above U+10FFFF) and
// encoding. Object keys, message text and everything else vmsg reads as UTF-8 use these.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg {

inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// The code points of `bytes`. InvalidArgument (reason "invalid_utf8") whose message says
// what is wrong and at which byte offset.
Result<std::u32string> DecodeUtf8(std::string_view bytes);

bool IsValidUtf8(std::string_view bytes);

// Appends the UTF-8 form of `cp` (which must be a valid code point).
void AppendUtf8(std::string& out, char32_t cp);
std::string EncodeUtf8(std::u32string_view text);

}  // namespace vmsg
