// Route matching and OpenAPI path generation.
#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace vmsg::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsRestParam(std::string_view segment) { return IsParam(segment) && segment.ends_with("...}"); }

std::string ParamName(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  if (segment.ends_with("...")) segment.remove_suffix(3);
  return std::string(segment);
}

}  // namespace

Handler Sync(std::function<Response(Request&)> handler) {
  return [handler = std::move(handler)](Request& request) -> boost::asio::awaitable<Response> {
    co_return handler(request);
  };
}

std::optional<std::string> DecodePathSegment(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out += raw[i];
      continue;
    }
    if (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::strtol(std::string(raw.substr(i + 1, 2)).c_str(), nullptr, 16));
    i += 2;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern[0] != '/') std::abort();
  Route route{std::move(method), pattern, {}, std::move(handler), std::move(options)};
  for (std::string_view s : SplitPath(pattern)) route.segments.emplace_back(s);
  for (size_t i = 0; i + 1 < route.segments.size(); ++i) {
    if (IsRestParam(route.segments[i])) std::abort();  // {rest...} must come last
  }
  routes_.push_back(std::move(route));
}

bool Router::MatchPath(const Route& route, const std::vector<std::string_view>& raw_segments,
                       std::string_view raw_path, RouteMatch& match) const {
  match.params.clear();
  size_t consumed = 0;  // bytes of raw_path (after the leading '/') before segment i
  std::string_view rest = raw_path.empty() ? raw_path : raw_path.substr(1);
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& pattern = route.segments[i];
    if (IsRestParam(pattern)) {
      match.params[ParamName(pattern)] = std::string(rest.substr(std::min(consumed, rest.size())));
      return true;
    }
    if (i >= raw_segments.size()) return false;
    const std::string_view raw = raw_segments[i];
    consumed += raw.size() + 1;
    if (IsParam(pattern)) {
      if (raw.empty()) return false;
      auto decoded = DecodePathSegment(raw);
      if (!decoded) return false;
      match.params[ParamName(pattern)] = std::move(*decoded);
    } else {
      auto decoded = DecodePathSegment(raw);
      if (!decoded || *decoded != pattern) return false;
    }
  }
  return raw_segments.size() == route.segments.size();
}

RouteMatch Router::Find(std::string_view method, std::string_view raw_path) const {
  RouteMatch match;
  if (raw_path.empty() || raw_path[0] != '/') {
    match.kind = RouteMatch::Kind::kBadPath;
    return match;
  }
  const auto raw_segments = SplitPath(raw_path);
  for (std::string_view s : raw_segments) {
    if (!DecodePathSegment(s)) {
      match.kind = RouteMatch::Kind::kBadPath;
      return match;
    }
  }
  // Two passes: routes with a literal first segment, then catch-alls ("/{path...}"), which
  // only answer for paths no specific route knows (so /api/x with the wrong method is 405,
  // not a static-file 404).
  const Route* found = nullptr;
  std::map<std::string, std::string, std::less<>> found_params;
  for (const bool catch_all : {false, true}) {
    for (const Route& route : routes_) {
      if (IsParam(route.segments.front()) != catch_all) continue;
      RouteMatch attempt;
      if (!MatchPath(route, raw_segments, raw_path, attempt)) continue;
      auto add_allowed = [&match](const std::string& m) {
        if (std::find(match.allowed.begin(), match.allowed.end(), m) == match.allowed.end()) {
          match.allowed.push_back(m);
        }
      };
      add_allowed(route.method);
      if (route.method == "GET") add_allowed("HEAD");
      const bool method_ok = route.method == method || (method == "HEAD" && route.method == "GET");
      if (method_ok && found == nullptr) {
        found = &route;
        found_params = std::move(attempt.params);
      }
    }
    if (!match.allowed.empty()) break;
  }
  if (found != nullptr) {
    match.kind = RouteMatch::Kind::kFound;
    match.route = found;
    match.params = std::move(found_params);
  } else if (!match.allowed.empty()) {
    match.kind = RouteMatch::Kind::kMethodNotAllowed;
  }
  return match;
}

// What any route may answer before its handler runs (server.cc, dispatcher.cc).
constexpr const char* kServerWideErrors =
    "An error. Any route may also answer: 400 malformed_request (bad framing: a "
    "Transfer-Encoding other than a single final chunked, both Transfer-Encoding and "
    "Content-Length, no Host or two), 403 origin_denied (a state-changing request from an "
    "Origin that is neither the server's own nor in VMSG_CORS_ORIGINS), 408 request_timeout "
    "(the request arrived too slowly), 413 payload_too_large, 501 unsupported_transfer_coding "
    "(gzip, deflate, compress), 503 too_many_connections.";

vmsg::Json Router::OpenApiPaths() const {
  vmsg::Json paths = vmsg::Json::object();
  for (const Route& route : routes_) {
    if (route.options.doc.hidden) continue;
    std::string path;
    vmsg::Json parameters = vmsg::Json::array();
    for (const std::string& s : route.segments) {
      path += '/';
      if (IsParam(s)) {
        const std::string name = ParamName(s);
        path += "{" + name + "}";
        parameters.push_back(
            {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      } else {
        path += s;
      }
    }
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    const RouteDoc& doc = route.options.doc;
    vmsg::Json op = {{"summary", doc.summary}};
    if (!doc.description.empty()) op["description"] = doc.description;
    if (!doc.tags.empty()) op["tags"] = doc.tags;
    if (!parameters.empty()) op["parameters"] = parameters;
    if (!doc.request_body.is_null()) op["requestBody"] = doc.request_body;
    op["responses"] =
        doc.responses.is_null() ? vmsg::Json{{"200", {{"description", "OK"}}}} : doc.responses;
    if (!op["responses"].contains("default")) {
      op["responses"]["default"] = {{"description", kServerWideErrors},
                                    {"content",
                                     {{"application/problem+json",
                                       {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
    }
    paths[path][method] = op;
  }
  return paths;
}

}  // namespace vmsg::http
