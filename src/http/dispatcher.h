// Dispatcher: everything that happens to one request between the wire and a handler,
// independent of sockets: request ids, CORS, routing (404/405), body limits, calling the
// handler, turning failures into problem+json, and the headers every response carries.
// The server drives it per request; tests and the fuzzer drive it directly.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/log.h"
#include "http/router.h"
#include "state/state.h"

namespace vmsg::http {

// What the dispatcher tells its observer about each request (for metrics).
struct RequestOutcome {
  // The matched route's pattern ("/api/video/status/{task_id}"), never the raw path, so
  // that labels stay a bounded set; kUnmatchedRoute when no route matched (400, 404, 405).
  std::string_view route;
  std::string_view method;  // as the client sent it
  int status = 0;
  // From the start of Handle until the response was ready (a streamed body's transfer
  // is not included), on the monotonic clock.
  std::chrono::steady_clock::duration elapsed{};
};
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

struct DispatcherOptions {
  uint64_t default_max_body_bytes = 1 << 20;
  // Exact origins allowed to make cross-origin requests; empty allows none.
  std::vector<std::string> cors_origins;
  // Peer addresses (proxies) whose X-Forwarded-For header is believed.
  std::vector<std::string> trusted_proxies;
  // Set: every route under /api/ (but those marked open_without_api_key) needs an API key,
  // which this checks: the key's id when it is good, or an error: NotFound for a key that
  // is no key (401 api_key_invalid), PermissionDenied for a revoked one (403
  // api_key_revoked), another (the store is down) answered as its status (503). Rate limits
  // then count per key, not per address. Unset: no keys (the default).
  std::function<Result<std::string>(std::string_view key)> check_api_key;
  // Requests per client and hour for each rate group; null limiter: no limits.
  state::RateLimiter* rate_limiter = nullptr;
  int64_t api_requests_per_hour = 600;
  int64_t uploads_per_hour = 60;
  int64_t generations_per_hour = 10;
  // Origins besides the page's own that the page loads media from and posts upload forms
  // to (the S3 endpoint's, whose presigned URLs it uses): added to the Content Security
  // Policy's img-src, media-src, connect-src and form-action.
  std::vector<std::string> media_origins;
  // Told of every response; empty: nobody. Called on the request's thread: cheap and
  // thread-safe.
  std::function<void(const RequestOutcome&)> observer;
};

// The Content Security Policy the dispatcher sends, with `media_origins` allowed as above.
std::string ContentSecurityPolicy(const std::vector<std::string>& media_origins);

// The client's address: the peer itself, unless the peer is a trusted proxy and sent
// X-Forwarded-For, in which case the right-most address in that chain that is not a
// trusted proxy (the first one a trusted party saw). Malformed entries end the walk.
std::string ClientAddress(std::string_view peer, std::optional<std::string_view> forwarded_for,
                          const std::vector<std::string>& trusted_proxies);

class Dispatcher {
 public:
  Dispatcher(const Router& router, DispatcherOptions options, const Logger& logger,
             IdGenerator& ids);

  // Produces the response for `request` (whose body reader is set). Never throws; a
  // handler's exception becomes a 500 problem. Sets response.close when the request body
  // was left unread. Thread-safe: holds no per-request state.
  boost::asio::awaitable<Response> Handle(Request& request) const;

 private:
  Response Preflight(const Request& request, const RouteMatch& match) const;
  void Decorate(const Request& request, Response& response) const;
  bool OriginAllowed(std::string_view origin) const;
  // 403 origin_denied for a request that changes state (not GET, HEAD or OPTIONS) sent by a
  // browser from another site: Origin neither this server's own nor in VMSG_CORS_ORIGINS.
  std::optional<Response> CrossSiteChange(const Request& request) const;
  // 401 or 403 when the route needs an API key and the request has no good one; sets
  // request.api_key_id when it has.
  std::optional<Response> Authenticate(Request& request, const Route& route) const;
  // 429 when the client has used up the route's hourly budget. `counted` names the budget
  // the request was counted against ("" when none was: no limiter, or it failed).
  std::optional<Response> RateLimit(const Request& request, RateGroup group,
                                    std::string& counted) const;

  const Router& router_;
  DispatcherOptions options_;
  std::string content_security_policy_;
  const Logger& logger_;
  IdGenerator& ids_;
};

// The Content-Security-Policy every response carries: same-origin only, no inline script.
extern const char kContentSecurityPolicy[];

}  // namespace vmsg::http
