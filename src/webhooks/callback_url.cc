// Callback URLs and the addresses they may reach (see callback_url.h).
#include "webhooks/callback_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>

#include "base/ascii.h"

namespace vmsg::webhooks {
namespace {

Status Invalid(std::string why) {
  return Status::InvalidArgument("callback_url " + why, "invalid_callback_url");
}

// IPv4 ranges (network, prefix length) that are not the public internet.
struct V4Range {
  uint32_t network;
  int prefix;
};
constexpr std::array<V4Range, 14> kNonPublicV4 = {{
    {0x00000000, 8},   // "this" network
    {0x0A000000, 8},   // private
    {0x64400000, 10},  // carrier-grade NAT
    {0x7F000000, 8},   // loopback
    {0xA9FE0000, 16},  // link-local (and cloud metadata at 169.254.169.254)
    {0xAC100000, 12},  // private
    {0xC0000000, 24},  // IETF protocol assignments
    {0xC0000200, 24},  // documentation
    {0xC0A80000, 16},  // private
    {0xC6120000, 15},  // benchmarking
    {0xC6336400, 24},  // documentation
    {0xCB007100, 24},  // documentation
    {0xE0000000, 4},   // multicast
    {0xF0000000, 4},   // reserved, and the broadcast address
}};

bool IsNonPublicV4(uint32_t address) {
  for (const V4Range& r : kNonPublicV4) {
    const uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((address & mask) == r.network) return true;
  }
  return false;
}

bool IsNonPublicV6(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  static constexpr uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
  if ((b[0] & 0xfe) == 0xfc) return true;                                         // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                         // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;  // fec0::/10 (site-local, old)
  if (b[0] == 0xff) return true;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // docs
  const bool mapped = std::memcmp(b, kZero, 10) == 0 && b[10] == 0xff && b[11] == 0xff;
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::memcmp(b + 4, kZero, 8) == 0;
  if (mapped || nat64) {
    const uint32_t v4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) |
                        uint32_t{b[15]};
    return IsNonPublicV4(v4);
  }
  return false;
}

}  // namespace

Result<CallbackUrl> ParseCallbackUrl(std::string_view url) {
  if (url.empty()) return Invalid("is empty");
  if (url.size() > kMaxCallbackUrlBytes) {
    return Invalid("is longer than " + std::to_string(kMaxCallbackUrlBytes) + " bytes");
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return Invalid("has a space, control or non-ASCII character");
  }
  CallbackUrl out;
  out.url = std::string(url);
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) return Invalid("must start with http:// or https://");
  out.scheme = AsciiLowerCopy(url.substr(0, colon));
  if (out.scheme != "http" && out.scheme != "https") {
    return Invalid("must use http or https, not '" + out.scheme + "'");
  }
  std::string_view rest = url.substr(colon + 3);
  if (rest.find('#') != std::string_view::npos) return Invalid("may not have a fragment (#...)");
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("may not carry a user name or password");
  }
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("has an unclosed [IPv6] host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return Invalid("has text after its [IPv6] host");
    if (!after.empty()) port = after.substr(1);
    in6_addr v6;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) {
      return Invalid("has an [IPv6] host that is not an address");
    }
  } else if (const size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return Invalid("has no host");
  out.host = AsciiLowerCopy(host);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Invalid("has a port that is not 1-65535");
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

bool IsNonPublicAddress(std::string_view address) {
  const std::string text(address);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return IsNonPublicV4(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IsNonPublicV6(v6);
  return false;
}

Result<std::vector<std::string>> ResolveCallbackUrl(const CallbackUrl& url, bool allow_private) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(url.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument(
        "callback_url's host '" + url.host + "' does not resolve: " + gai_strerror(rc),
        "callback_url_unresolvable");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  std::vector<std::string> addresses;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw =
        ai->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    if (inet_ntop(ai->ai_family, raw, text, sizeof text) == nullptr) continue;
    if (!allow_private && IsNonPublicAddress(text)) {
      return Status::InvalidArgument(
          "callback_url's host '" + url.host + "' is at " + text +
              ", a loopback, private or link-local address (the operator may allow these with "
              "VMSG_WEBHOOK_ALLOW_PRIVATE=true)",
          "callback_url_refused");
    }
    if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.emplace_back(text);
    }
  }
  if (addresses.empty()) {
    return Status::InvalidArgument("callback_url's host '" + url.host + "' has no address",
                                   "callback_url_unresolvable");
  }
  return addresses;
}

}  // namespace vmsg::webhooks
