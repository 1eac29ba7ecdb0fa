// Cookies and the presented API key (see credentials.h).
#include "http/credentials.h"

#include "base/ascii.h"
#include "http/text.h"

namespace vmsg::http {

std::optional<std::string> CookieValue(const Request& request, std::string_view name) {
  for (const auto& [field, value] : request.headers.fields()) {
    if (!EqualsIgnoreCase(field, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      const std::string_view pair = TrimOws(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || TrimOws(pair.substr(0, eq)) != name) continue;
      std::string_view v = TrimOws(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

PresentedApiKey PresentedApiKeyOf(const Request& request) {
  using Kind = PresentedApiKey::Kind;
  int authorizations = 0;
  for (const auto& [field, value] : request.headers.fields()) {
    if (EqualsIgnoreCase(field, "Authorization")) ++authorizations;
  }
  if (authorizations > 1) return {Kind::kMalformed, {}};  // which one would count?
  if (auto header = request.headers.Get("Authorization")) {
    constexpr std::string_view kScheme = "bearer ";
    const std::string_view value = TrimOws(*header);
    if (value.size() <= kScheme.size() ||
        !EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
      return {Kind::kMalformed, {}};
    }
    const std::string_view token = TrimOws(value.substr(kScheme.size()));
    if (token.empty() || token.find(' ') != std::string_view::npos) return {Kind::kMalformed, {}};
    return {Kind::kPresent, std::string(token)};
  }
  if (auto cookie = CookieValue(request, kApiKeyCookie); cookie && !cookie->empty()) {
    return {Kind::kPresent, std::move(*cookie)};
  }
  return {Kind::kNone, {}};
}

}  // namespace vmsg::http
