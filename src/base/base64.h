// Base64 (RFC 4648 section 4), OpenSSL-backed: for S3's signatures and forms, and for the
// bodies of Celery's task messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vmsg {

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Strict: nullopt for characters outside the alphabet or bad padding.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace vmsg
