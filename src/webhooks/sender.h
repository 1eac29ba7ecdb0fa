// One webhook POST over libcurl: JSON with the given headers, connecting only to the address
// the callback URL's check resolved (so a DNS answer that changes after the check cannot
// send it elsewhere), no redirects followed, at most `timeout` in all.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webhooks/callback_url.h"

namespace vmsg::webhooks {

struct PostOutcome {
  int http_status = 0;  // the receiver's answer; 0 when none came
  std::string error;    // why no answer came (curl's words); empty when one did
  bool delivered() const { return http_status >= 200 && http_status < 300; }
};

PostOutcome PostJson(const CallbackUrl& url, const std::string& address, std::string_view body,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::chrono::milliseconds timeout);

}  // namespace vmsg::webhooks
