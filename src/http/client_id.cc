// The vmsg_client cookie (see client_id.h).
#include "http/client_id.h"

#include <algorithm>

#include "http/credentials.h"

namespace vmsg::http {
namespace {

bool IsIssuedId(std::string_view text) {
  return text.size() == kClientIdLength && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

// A malformed value is not trusted (and a new id is issued).
std::optional<std::string> ClientIdFromCookie(const Request& request) {
  const std::optional<std::string> id = CookieValue(request, kClientCookie);
  if (!id || !IsIssuedId(*id)) return std::nullopt;
  return std::string(*id);
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
