// Dispatcher: everything that happens to one request between the wire and a handler,
// independent of sockets: request ids, CORS, routing (404/405), body limits, calling the
// handler, turning failures into problem+json, and the headers every response carries.
// The server drives it per request; tests and the fuzzer drive it directly.
#pragma once

#include <string>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "http/router.h"

namespace vmsg::http {

struct DispatcherOptions {
  uint64_t default_max_body_bytes = 1 << 20;
  // Exact origins allowed to make cross-origin requests; empty allows none.
  std::vector<std::string> cors_origins;
};

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

  const Router& router_;
  DispatcherOptions options_;
  const Logger& logger_;
  IdGenerator& ids_;
};

// The Content-Security-Policy every response carries: same-origin only, no inline script.
extern const char kContentSecurityPolicy[];

}  // namespace vmsg::http
