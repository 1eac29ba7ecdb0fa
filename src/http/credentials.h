// What a request presents about who sends it: cookies by name, and the API key, either as
// `Authorization: Bearer KEY` (servers, scripts) or in the `vmsg_api_key` cookie (the web
// page, whose WebSocket, EventSource and <video> requests cannot carry a header).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace vmsg::http {

inline constexpr std::string_view kApiKeyCookie = "vmsg_api_key";

// The value of the first cookie called `name` in the request's Cookie headers (RFC 6265
// "a=1; b=2"), unquoted; nullopt when there is none.
std::optional<std::string> CookieValue(const Request& request, std::string_view name);

struct PresentedApiKey {
  enum class Kind {
    kNone,       // no Authorization header and no key cookie
    kMalformed,  // an Authorization header that is not "Bearer <token>", or two of them
    kPresent,
  };
  Kind kind = Kind::kNone;
  std::string key;
};

// The header wins over the cookie, so a script's key is never shadowed by a browser's.
PresentedApiKey PresentedApiKeyOf(const Request& request);

}  // namespace vmsg::http
