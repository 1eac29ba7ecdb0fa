// Where a webhook may be sent: the callback URL's shape (http or https, a host, no user
// info, at most kMaxCallbackUrlBytes) and its destination: every address its host resolves
// to must be public (not loopback, private, link-local, carrier NAT, multicast or reserved)
// unless the operator allows private ones (VMSG_WEBHOOK_ALLOW_PRIVATE), so that a caller
// cannot make vmsg POST into the network it runs in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::webhooks {

inline constexpr size_t kMaxCallbackUrlBytes = 2048;

struct CallbackUrl {
  std::string url;     // as given
  std::string scheme;  // "http" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 0;   // the URL's, or the scheme's default
};

// InvalidArgument "invalid_callback_url" naming what is wrong.
Result<CallbackUrl> ParseCallbackUrl(std::string_view url);

// Whether `address` (numeric IPv4 or IPv6) is one a webhook may not reach by default:
// loopback, unspecified, private (RFC 1918, IPv6 unique local), link-local, carrier-grade
// NAT, benchmarking, multicast, reserved, broadcast, and IPv4-mapped forms of these. False
// for a public address or text that is no address.
bool IsNonPublicAddress(std::string_view address);

// Resolves the URL's host (getaddrinfo) and returns its addresses, all checked. Errors:
// InvalidArgument "callback_url_unresolvable" when the name does not resolve,
// "callback_url_refused" naming the first non-public address (unless `allow_private`).
Result<std::vector<std::string>> ResolveCallbackUrl(const CallbackUrl& url, bool allow_private);

}  // namespace vmsg::webhooks
