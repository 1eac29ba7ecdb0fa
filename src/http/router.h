// Router: maps a method and path to a handler. Patterns are literal segments, `{name}` for
// one segment and `{name...}` (last only) for the rest of the path. The first route
// registered that matches wins. Every route carries its OpenAPI description, so the
// published document is generated from what is actually served.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "http/message.h"

namespace vmsg::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Wraps a synchronous handler (one that neither reads a body nor waits on anything).
Handler Sync(std::function<Response(Request&)> handler);

struct RouteDoc {
  std::string summary;
  std::string description;
  std::vector<std::string> tags;
  // OpenAPI "responses" object; a default 200 is used when empty.
  vmsg::Json responses;
  // OpenAPI "requestBody" object, when the route takes one.
  vmsg::Json request_body;
  // Left out of /api/openapi.json (the static files catch-all).
  bool hidden = false;
};

// Which hourly request budget a route draws from (limits in DispatcherOptions).
enum class RateGroup { kNone, kApi, kUpload, kGenerate };

struct RouteOptions {
  // Largest body this route accepts; the server's default when unset.
  std::optional<uint64_t> max_body_bytes;
  RateGroup rate_group = RateGroup::kNone;
  // When set, picks the budget per request instead of rate_group: for a route that takes
  // either a file (an upload) or the key of one already counted when its form was signed.
  std::function<RateGroup(const Request&)> rate_group_of;
  // Only requests the route accepts (a 2xx answer) spend the budget: a refused one is
  // counted, then taken back. For the generate route, whose budget is for videos made.
  bool rate_counts_accepted_only = false;
  // Answers without an API key even when the server requires one (DispatcherOptions::
  // check_api_key): for what a client must read before it has a key (/api/config, the
  // OpenAPI document). Routes outside /api/ never need one.
  bool open_without_api_key = false;
  RouteDoc doc;
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // the pattern split on '/'
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::map<std::string, std::string, std::less<>> params;
  // For kMethodNotAllowed and OPTIONS: the methods the path does accept (HEAD with GET).
  std::vector<std::string> allowed;
};

class Router {
 public:
  // Registers a route. Aborts on a malformed pattern (a programming error).
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  // Finds the route for `method` and the still percent-encoded `raw_path`. HEAD falls back
  // to GET. `{name}` parameters are percent-decoded (kBadPath for a bad escape); a
  // `{name...}` parameter is left encoded for its handler to decode safely.
  RouteMatch Find(std::string_view method, std::string_view raw_path) const;

  // The OpenAPI 3.1 "paths" object for every route not marked hidden.
  vmsg::Json OpenApiPaths() const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  bool MatchPath(const Route& route, const std::vector<std::string_view>& raw_segments,
                 std::string_view raw_path, RouteMatch& match) const;

  std::vector<Route> routes_;
};

// Percent-decodes one path segment; nullopt for a bad escape.
std::optional<std::string> DecodePathSegment(std::string_view raw);

}  // namespace vmsg::http
