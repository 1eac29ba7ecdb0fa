// libFuzzer harness for the HTTP request path: raw bytes are parsed as an HTTP/1.1 request
// by Beast (with the server's limits) and dispatched through vmsg's real Dispatcher and
// routes (static files, JSON, a streaming multipart upload). It traps when a response
// breaks an invariant: a status outside 100-599, a missing request id or security header,
// a problem body that is not JSON with a code, or a file served from outside the web root.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "api/static_handler.h"
#include "api/system_handlers.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/multipart.h"
#include "http/router.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace vmsg;
using namespace vmsg::http;

constexpr uint32_t kHeaderLimit = 8 * 1024;
constexpr uint64_t kBodyLimit = 64 * 1024;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Counts multipart events; the parse result decides the response.
class CountingHandler final : public MultipartHandler {
 public:
  Status OnPartBegin(const PartInfo&) override {
    ++parts;
    return Status::Ok();
  }
  Status OnPartData(std::string_view data) override {
    bytes += data.size();
    return Status::Ok();
  }
  Status OnPartEnd() override { return Status::Ok(); }
  size_t parts = 0;
  size_t bytes = 0;
};

struct World {
  World() {
    root = std::filesystem::temp_directory_path() / ("vmsg_fuzz_web_" + std::to_string(getpid()));
    std::filesystem::create_directories(root / "sub");
    std::ofstream(root / "index.html") << "<!doctype html>";
    std::ofstream(root / "sub" / "a.txt") << "0123456789";
    std::ofstream(root.parent_path() / "outside.txt") << "secret";
    root = std::filesystem::canonical(root);

    api::AddHealthRoute(router, health, {"fuzz", clock.Now(), &clock});
    api::AddOpenApiRoute(router, "fuzz");
    RouteOptions upload;
    upload.max_body_bytes = kBodyLimit;
    router.Add(
        "POST", "/api/upload",
        [](Request& r) -> asio::awaitable<Response> {
          Result<std::string> boundary =
              BoundaryFromContentType(r.headers.Get("Content-Type").value_or(""));
          if (!boundary.ok()) co_return ProblemFromStatus(boundary.status(), r.request_id);
          CountingHandler counter;
          MultipartParser parser(*boundary, MultipartLimits{}, counter);
          std::string piece;
          for (;;) {
            Result<bool> more = co_await r.body->Read(piece);
            if (!more.ok()) co_return ProblemFromStatus(more.status(), r.request_id);
            if (!*more) break;
            if (Status s = parser.Feed(piece); !s.ok()) {
              co_return ProblemFromStatus(s, r.request_id);
            }
          }
          if (Status s = parser.Finish(); !s.ok()) co_return ProblemFromStatus(s, r.request_id);
          co_return Response::Json(200, {{"parts", counter.parts}, {"bytes", counter.bytes}});
        },
        upload);
    router.Add("PUT", "/api/items/{id}", [](Request& r) -> asio::awaitable<Response> {
      Result<std::string> body = co_await ReadAll(r);
      if (!body.ok()) co_return ProblemFromStatus(body.status(), r.request_id);
      Result<Json> json = ParseJson(*body);
      if (!json.ok()) co_return ProblemFromStatus(json.status(), r.request_id);
      co_return Response::Json(200, {{"id", r.Param("id")}});
    });
    api::AddStaticFiles(router, root);
  }

  FakeClock clock{TimePoint{}};
  Logger logger{LogFormat::kJson, LogLevel::kError, clock, [](std::string_view) {}};
  IdGenerator ids{1};
  api::HealthChecks health;
  Router router;
  Dispatcher dispatcher{router, {.default_max_body_bytes = 1024}, logger, ids};
  std::filesystem::path root;
};

World& TheWorld() {
  // Deliberately leaked (libFuzzer may exit from any thread); its files go at exit.
  static World* world = [] {
    auto* w = new World();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(TheWorld().root, ignored);
    });
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& world = TheWorld();
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& message = parser.get();

  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  const size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  for (const auto& field : message) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.remote_address = "127.0.0.1";
  StringBodyReader body(message.body(), 7);
  request.body = &body;

  std::optional<Response> response;
  asio::io_context ioc;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        response.emplace(co_await world.dispatcher.Handle(request));
      },
      asio::detached);
  ioc.run();

  Check(response.has_value());
  Check(response->status >= 100 && response->status <= 599);
  Check(response->headers.Has("X-Request-Id"));
  Check(response->headers.Get("X-Content-Type-Options") == "nosniff");
  if (response->headers.Get("Content-Type") == "application/problem+json") {
    Result<Json> problem = ParseJson(std::get<std::string>(response->body));
    Check(problem.ok() && problem->contains("code") && (*problem)["status"] == response->status);
  }
  if (const auto* file = std::get_if<FileBody>(&response->body)) {
    const auto canonical = std::filesystem::canonical(file->path);
    const auto rel = canonical.lexically_relative(world.root);
    Check(!rel.empty() && *rel.begin() != "..");
    Check(file->offset + file->length <= std::filesystem::file_size(canonical));
  }
  return 0;
}
