// Signing webhook bodies (see signature.h).
#include "webhooks/signature.h"

#include <charconv>

#include "base/crypto.h"

namespace vmsg::webhooks {

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_text = t + ".";
  signed_text.append(body);
  return "t=" + t + ",v1=" + HexEncode(HmacSha256(secret, signed_text));
}

bool VerifySignature(std::string_view secret, std::string_view header, std::string_view body,
                     int64_t now_unix_seconds, int64_t tolerance_seconds) {
  if (!header.starts_with("t=")) return false;
  const size_t comma = header.find(",v1=");
  if (comma == std::string_view::npos) return false;
  const std::string_view t_text = header.substr(2, comma - 2);
  int64_t t = 0;
  auto [end, ec] = std::from_chars(t_text.data(), t_text.data() + t_text.size(), t);
  if (ec != std::errc() || end != t_text.data() + t_text.size()) return false;
  if (t < now_unix_seconds - tolerance_seconds || t > now_unix_seconds + tolerance_seconds) {
    return false;
  }
  const std::string expected = SignatureHeader(secret, t, body);
  return ConstantTimeEquals(expected, header);
}

}  // namespace vmsg::webhooks
