// Per-request policy: ids, CORS, routing errors, body limits and security headers.
#include "http/dispatcher.h"

#include <algorithm>
#include <cctype>
#include <exception>

#include "http/credentials.h"

namespace vmsg::http {
namespace {

constexpr size_t kMaxRequestIdLength = 128;

bool IsAcceptableRequestId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::optional<uint64_t> ContentLength(const Request& request) {
  auto v = request.headers.Get("Content-Length");
  if (!v) return std::nullopt;
  uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || n > UINT64_MAX / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

bool IsTrusted(std::string_view address, const std::vector<std::string>& trusted) {
  return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
}

// An IPv4 or IPv6 address as text: digits, hex letters, '.', ':' only.
bool LooksLikeAddress(std::string_view s) {
  return !s.empty() && s.size() <= 45 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':';
  });
}

}  // namespace

std::string ClientAddress(std::string_view peer, std::optional<std::string_view> forwarded_for,
                          const std::vector<std::string>& trusted_proxies) {
  std::string client(peer);
  if (!forwarded_for || !IsTrusted(peer, trusted_proxies)) return client;
  std::string_view chain = *forwarded_for;
  while (!chain.empty()) {
    const size_t comma = chain.rfind(',');
    const std::string_view hop =
        TrimOws(comma == std::string_view::npos ? chain : chain.substr(comma + 1));
    chain = comma == std::string_view::npos ? std::string_view() : chain.substr(0, comma);
    if (!LooksLikeAddress(hop)) break;
    client = std::string(hop);
    if (!IsTrusted(hop, trusted_proxies)) break;
  }
  return client;
}

std::string ContentSecurityPolicy(const std::vector<std::string>& media_origins) {
  std::string extra;
  for (const std::string& origin : media_origins) extra += " " + origin;
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:" +
         extra + "; media-src 'self' blob:" + extra + "; connect-src 'self'" + extra +
         "; font-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
         "base-uri 'none'; form-action 'self'" +
         extra + "; frame-ancestors 'none'";
}

Dispatcher::Dispatcher(const Router& router, DispatcherOptions options, const Logger& logger,
                       IdGenerator& ids)
    : router_(router),
      options_(std::move(options)),
      content_security_policy_(ContentSecurityPolicy(options_.media_origins)),
      logger_(logger),
      ids_(ids) {}

bool Dispatcher::OriginAllowed(std::string_view origin) const {
  return std::find(options_.cors_origins.begin(), options_.cors_origins.end(), origin) !=
         options_.cors_origins.end();
}

Response Dispatcher::Preflight(const Request& request, const RouteMatch& match) const {
  const std::string_view origin = *request.headers.Get("Origin");
  if (!OriginAllowed(origin)) {
    return ProblemResponse(403, "cors_origin_denied",
                           "cross-origin requests from " + std::string(origin) +
                               " are not allowed (see VMSG_CORS_ORIGINS)",
                           request.request_id);
  }
  Response r = Response::Empty(204);
  r.headers.Set("Access-Control-Allow-Methods", Join(match.allowed));
  r.headers.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id");
  r.headers.Set("Access-Control-Max-Age", "600");
  return r;
}

std::optional<Response> Dispatcher::CrossSiteChange(const Request& request) const {
  // A page on another site can make a browser send a "simple" request (a form post,
  // text/plain JSON) with the user's cookie and no preflight; browsers name the page's site
  // in Origin. GET and HEAD change nothing; a request without Origin is not a browser's.
  if (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS") {
    return std::nullopt;
  }
  const auto origin = request.headers.Get("Origin");
  if (!origin || IsSameOrigin(*origin, request) || OriginAllowed(*origin)) return std::nullopt;
  return ProblemResponse(403, "origin_denied",
                         "requests that change something are taken only from this site's own "
                         "pages or from VMSG_CORS_ORIGINS, not from " +
                             std::string(*origin),
                         request.request_id);
}

boost::asio::awaitable<Response> Dispatcher::Handle(Request& request) const {
  // Latency on the monotonic clock: a wall-clock step must not show as a negative or huge
  // duration.
  const auto started = std::chrono::steady_clock::now();
  const auto incoming_id = request.headers.Get("X-Request-Id");
  request.request_id = incoming_id && IsAcceptableRequestId(*incoming_id)
                           ? std::string(*incoming_id)
                           : ids_.NewUuid();
  request.remote_address = ClientAddress(
      request.remote_address, request.headers.Get("X-Forwarded-For"), options_.trusted_proxies);

  Response response;
  RouteMatch match = router_.Find(request.method, request.path);
  const bool preflight = request.method == "OPTIONS" && request.headers.Has("Origin") &&
                         request.headers.Has("Access-Control-Request-Method");
  if (match.kind == RouteMatch::Kind::kBadPath) {
    response = ProblemResponse(400, "bad_path", "the request path is not a valid URL path",
                               request.request_id);
  } else if (match.kind == RouteMatch::Kind::kNotFound) {
    response =
        ProblemResponse(404, "not_found", "no resource at " + request.path, request.request_id);
  } else if (preflight) {
    response = Preflight(request, match);
  } else if (auto refused = CrossSiteChange(request)) {
    response = std::move(*refused);
  } else if (match.kind == RouteMatch::Kind::kMethodNotAllowed && request.method == "OPTIONS") {
    response = Response::Empty(204);
    response.headers.Set("Allow", Join(match.allowed));
  } else if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    response =
        ProblemResponse(405, "method_not_allowed",
                        request.method + " is not allowed here; allowed: " + Join(match.allowed),
                        request.request_id);
    response.headers.Set("Allow", Join(match.allowed));
  } else {
    const Route& route = *match.route;
    request.params = std::move(match.params);
    request.body_limit = route.options.max_body_bytes.value_or(options_.default_max_body_bytes);
    request.body->SetLimit(request.body_limit);
    const auto length = ContentLength(request);
    const RateGroup group = route.options.rate_group_of ? route.options.rate_group_of(request)
                                                        : route.options.rate_group;
    std::string counted;  // the budget this request spent
    if (auto unauthenticated = Authenticate(request, route)) {
      response = std::move(*unauthenticated);
    } else if (auto limited = RateLimit(request, group, counted)) {
      response = std::move(*limited);
    } else if (length && *length > request.body_limit) {
      response = ProblemResponse(
          413, "payload_too_large",
          "the request body of " + std::to_string(*length) + " bytes is larger than the " +
              std::to_string(request.body_limit) + " bytes this route accepts",
          request.request_id);
    } else {
      try {
        response = co_await route.handler(request);
      } catch (const std::exception& e) {
        logger_.Error("http", "handler threw",
                      {{"request_id", request.request_id}, {"error", e.what()}});
        response = ProblemFromStatus(Status::Internal(e.what()), request.request_id);
      }
    }
    if (route.options.rate_counts_accepted_only && !counted.empty() &&
        (response.status < 200 || response.status >= 300)) {
      if (Status refunded = options_.rate_limiter->Refund(counted); !refunded.ok()) {
        logger_.Warning("http", "rate limit refund failed",
                        {{"error", refunded.ToString()}, {"request_id", request.request_id}});
      }
    }
  }
  if (!request.body->complete()) response.close = true;
  Decorate(request, response);
  if (options_.observer) {
    options_.observer(
        {.route = match.route != nullptr ? std::string_view(match.route->pattern) : kUnmatchedRoute,
         .method = request.method,
         .status = response.status,
         .elapsed = std::chrono::steady_clock::now() - started});
  }
  co_return response;
}

std::optional<Response> Dispatcher::Authenticate(Request& request, const Route& route) const {
  if (!options_.check_api_key || route.options.open_without_api_key ||
      !route.pattern.starts_with("/api/")) {
    return std::nullopt;
  }
  auto unauthorized = [&request](std::string_view code, std::string detail) {
    Response r = ProblemResponse(401, code, std::move(detail), request.request_id);
    r.headers.Set("WWW-Authenticate", "Bearer realm=\"vmsg\"");
    return r;
  };
  const PresentedApiKey presented = PresentedApiKeyOf(request);
  if (presented.kind == PresentedApiKey::Kind::kNone) {
    return unauthorized("api_key_required",
                        "this server needs an API key: send 'Authorization: Bearer KEY' (an "
                        "operator makes one with 'vmsg keys create --name NAME')");
  }
  if (presented.kind == PresentedApiKey::Kind::kMalformed) {
    return unauthorized("api_key_invalid",
                        "the Authorization header must be 'Bearer KEY' with the key alone");
  }
  Result<std::string> id = options_.check_api_key(presented.key);
  if (id.ok()) {
    request.api_key_id = std::move(*id);
    return std::nullopt;
  }
  if (id.status().IsNotFound()) {
    return unauthorized("api_key_invalid", "this API key is not one of this server's");
  }
  if (id.status().code() == StatusCode::kPermissionDenied) {
    return ProblemResponse(403, "api_key_revoked",
                           "this API key was revoked; ask the operator for a new one",
                           request.request_id);
  }
  return ProblemFromStatus(id.status(), request.request_id);
}

std::optional<Response> Dispatcher::RateLimit(const Request& request, RateGroup group,
                                              std::string& counted) const {
  if (options_.rate_limiter == nullptr || group == RateGroup::kNone) return std::nullopt;
  const char* name = "api";
  int64_t limit = options_.api_requests_per_hour;
  if (group == RateGroup::kUpload) {
    name = "upload";
    limit = options_.uploads_per_hour;
  } else if (group == RateGroup::kGenerate) {
    name = "generate";
    limit = options_.generations_per_hour;
  }
  const std::string key =
      std::string(name) + ":" +
      (request.api_key_id.empty() ? request.remote_address : "key:" + request.api_key_id);
  Result<state::RateDecision> decision = options_.rate_limiter->Hit(key, limit);
  if (!decision.ok()) {
    // Failing open: an unreachable limiter must not take the API down with it.
    logger_.Warning("http", "rate limiter unavailable",
                    {{"error", decision.status().ToString()}, {"request_id", request.request_id}});
    return std::nullopt;
  }
  counted = key;
  if (decision->allowed) return std::nullopt;
  const auto seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(decision->retry_after).count());
  Response r =
      ProblemResponse(429, "rate_limited",
                      "more than " + std::to_string(limit) + " " + name +
                          " requests this hour; try again in " + std::to_string(seconds) + " s",
                      request.request_id);
  r.headers.Set("Retry-After", std::to_string(seconds));
  return r;
}

void Dispatcher::Decorate(const Request& request, Response& response) const {
  Headers& h = response.headers;
  h.Set("X-Request-Id", request.request_id);
  if (!h.Has("X-Content-Type-Options")) h.Set("X-Content-Type-Options", "nosniff");
  if (!h.Has("Referrer-Policy")) h.Set("Referrer-Policy", "no-referrer");
  if (!h.Has("Content-Security-Policy")) h.Set("Content-Security-Policy", content_security_policy_);
  if (!h.Has("X-Frame-Options")) h.Set("X-Frame-Options", "DENY");
  if (!h.Has("Cache-Control")) h.Set("Cache-Control", "no-store");
  if (!options_.cors_origins.empty()) h.Add("Vary", "Origin");
  if (auto origin = request.headers.Get("Origin"); origin && OriginAllowed(*origin)) {
    h.Set("Access-Control-Allow-Origin", std::string(*origin));
    h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, Location, Content-Range");
  }
  if (response.close) h.Set("Connection", "close");
}

}  // namespace vmsg::http
