// The anonymous client id: vmsg has no accounts, so a browser is known by a random id in
// the `vmsg_client` cookie, issued on its first upload and sent back with every request
// after. It identifies a browser, not a person. Being 128 random bits that only that browser
// holds (HttpOnly), it is what makes the browser the owner of the voices and tracks it
// uploads (owner.h); it is never stored or shown itself, only its owner id.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "http/message.h"

namespace vmsg::http {

inline constexpr std::string_view kClientCookie = "vmsg_client";
// How long a browser keeps its id.
inline constexpr std::chrono::seconds kClientCookieMaxAge = std::chrono::hours(24 * 365);
// The ids vmsg issues: 32 lower-case hex digits (a UUIDv4 without its dashes).
inline constexpr size_t kClientIdLength = 32;

// The id in the request's vmsg_client cookie when it has the form vmsg issues; nullopt
// when there is none or it is malformed (a malformed one is replaced, never trusted).
std::optional<std::string> ClientIdFromCookie(const Request& request);

struct ClientId {
  std::string id;
  bool issued = false;  // new: the response must set the cookie (SetClientCookie)
};

// The request's client id, or a new one.
ClientId ClientIdFor(const Request& request, IdGenerator& ids);

// Sets the cookie `id` on `response` (Path=/, HttpOnly, SameSite=Lax, kClientCookieMaxAge).
void SetClientCookie(Response& response, std::string_view id);

}  // namespace vmsg::http
