// The vmsg_client cookie (see client_id.h).
#include "http/client_id.h"

#include <algorithm>

namespace vmsg::http {
namespace {

bool IsIssuedId(std::string_view text) {
  return text.size() == kClientIdLength && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::optional<std::string> ClientIdFromCookie(const Request& request) {
  for (const auto& [name, value] : request.headers.fields()) {
    if (!EqualsIgnoreCase(name, "Cookie")) continue;
    // RFC 6265: "a=1; b=2"; the first vmsg_client pair counts.
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      const std::string_view pair = TrimOws(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || TrimOws(pair.substr(0, eq)) != kClientCookie) continue;
      std::string_view id = TrimOws(pair.substr(eq + 1));
      if (id.size() >= 2 && id.front() == '"' && id.back() == '"') id = id.substr(1, id.size() - 2);
      if (IsIssuedId(id)) return std::string(id);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ClientId ClientIdFor(const Request& request, IdGenerator& ids) {
  if (std::optional<std::string> id = ClientIdFromCookie(request)) return {*id, false};
  std::string uuid = ids.NewUuid();
  uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
  return {uuid, true};
}

void SetClientCookie(Response& response, std::string_view id) {
  response.headers.Add(
      "Set-Cookie", std::string(kClientCookie) + "=" + std::string(id) + "; Path=/; Max-Age=" +
                        std::to_string(kClientCookieMaxAge.count()) + "; HttpOnly; SameSite=Lax");
}

}  // namespace vmsg::http
