// The few cryptographic and encoding primitives vmsg shares (OpenSSL-backed): SHA-256,
// HMAC-SHA256, hex, AWS-style URI encoding, a constant-time compare and random bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/base64.h"  // Base64Encode, Base64Decode

namespace vmsg {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);
std::string Sha256Hex(std::string_view data);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (upper-case hex), as SigV4 requires;
// '/' is kept when `keep_slash` (object keys in paths).
std::string UriEncode(std::string_view text, bool keep_slash);

// Compares without an early exit, so timing does not reveal where a signature differs.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t n);

}  // namespace vmsg
