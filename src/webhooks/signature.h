// The X-Vmsg-Signature header of a webhook delivery: "t=UNIX_SECONDS,v1=HEX", HEX being the
// lower-case hex HMAC-SHA256 keyed with VMSG_WEBHOOK_SECRET over t + "." + body. A receiver
// recomputes it over the raw body it got and refuses an old t (a replay).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vmsg::webhooks {

inline constexpr std::string_view kSignatureHeader = "X-Vmsg-Signature";

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

// Whether `header` signs `body` with `secret`, made within `tolerance_seconds` of `now`
// (either way). The comparison takes the same time wherever the digests differ.
bool VerifySignature(std::string_view secret, std::string_view header, std::string_view body,
                     int64_t now_unix_seconds, int64_t tolerance_seconds = 300);

}  // namespace vmsg::webhooks
