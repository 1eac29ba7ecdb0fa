// The HTTP server over real loopback sockets: keep-alive, limits, malformed input, path
// escapes, ranges, timeouts, the connection cap and graceful shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <future>

#include "api/static_handler.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "test_client.h"

namespace vmsg::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using testing::Client;
using testing::Get;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("vmsg_http_it_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "web" / "sub");
    std::ofstream(root_ / "web" / "index.html") << "<!doctype html><title>vmsg</title>";
    std::ofstream(root_ / "web" / "app.js") << "console.log('hi');";
    std::ofstream(root_ / "web" / "digits.txt") << "0123456789";
    std::ofstream(root_ / "secret.txt") << "top secret";
    std::filesystem::create_symlink(root_ / "secret.txt", root_ / "web" / "escape.txt");

    router_.Add("GET", "/api/ping", Sync([](Request& r) {
                  return Response::Json(200, {{"pong", true}, {"remote", r.remote_address}});
                }));
    RouteOptions upload;
    upload.max_body_bytes = 64 * 1024;
    router_.Add(
        "POST", "/api/echo",
        [](Request& r) -> asio::awaitable<Response> {
          Result<std::string> body = co_await ReadAll(r);
          if (!body.ok()) co_return ProblemFromStatus(body.status(), r.request_id);
          co_return Response::Text(200, *body, "application/octet-stream");
        },
        upload);
    router_.Add("GET", "/api/slow", [this](Request&) -> asio::awaitable<Response> {
      entered_.set_value();
      asio::steady_timer timer(co_await asio::this_coro::executor);
      while (!release_) {
        timer.expires_after(5ms);
        co_await timer.async_wait(asio::use_awaitable);
      }
      co_return Response::Text(200, "finally", "text/plain");
    });
    api::AddStaticFiles(router_, std::filesystem::canonical(root_ / "web"));
  }

  void TearDown() override {
    release_ = true;
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    std::filesystem::remove_all(root_);
  }

  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    options.threads = 2;
    dispatcher_ = std::make_unique<Dispatcher>(
        router_, DispatcherOptions{.default_max_body_bytes = 1024}, logger_, ids_);
    server_ = std::make_unique<Server>(options, *dispatcher_, logger_);
    ASSERT_TRUE(server_->Start().ok());
  }

  uint16_t port() const { return server_->port(); }

  std::filesystem::path root_;
  FakeClock clock_{TimePoint{}};
  std::mutex log_mutex_;
  std::string log_;
  Logger logger_{LogFormat::kText, LogLevel::kInfo, clock_, [this](std::string_view line) {
                   std::lock_guard lock(log_mutex_);
                   log_ += line;
                 }};
  IdGenerator ids_{1};
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::promise<void> entered_;
  std::atomic<bool> release_{false};
};

vmsg::Json ProblemOf(const bhttp::response<bhttp::string_body>& r) {
  EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
  return vmsg::Json::parse(r.body());
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 5; ++i) {
    c.Send(Get("/api/ping"));
    auto r = c.Read();
    ASSERT_FALSE(c.error()) << c.error().message();
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_TRUE(r.keep_alive());
    EXPECT_EQ(vmsg::Json::parse(r.body())["remote"], "127.0.0.1");
  }
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAnswerInOrder) {
  StartServer();
  Client c(port());
  c.Send(Get("/api/ping") + Get("/digits.txt") + Get("/missing"));
  EXPECT_EQ(c.Read().result_int(), 200);
  EXPECT_EQ(c.Read().body(), "0123456789");
  EXPECT_EQ(c.Read().result_int(), 404);
}

TEST_F(HttpServerTest, RequestIdsAndAccessLog) {
  StartServer();
  Client c(port());
  c.Send(Get("/api/ping", "X-Request-Id: trace-42\r\n"));
  auto r = c.Read();
  EXPECT_EQ(r["X-Request-Id"], "trace-42");
  c.Send(Get("/api/ping"));
  auto generated = c.Read();
  EXPECT_TRUE(IsUuidV4(std::string(generated["X-Request-Id"])));
  server_->Shutdown();
  server_->Wait();
  std::lock_guard lock(log_mutex_);
  EXPECT_THAT(log_, HasSubstr("request_id=trace-42"));
  EXPECT_THAT(log_, HasSubstr("path=/api/ping status=200"));
}

TEST_F(HttpServerTest, DeclaredOversizeBodyIsRefusedBeforeItIsSent) {
  StartServer();
  Client c(port());
  // Only the headers are sent: the 413 must arrive without the server waiting for 100 MB.
  c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  auto r = c.Read();
  ASSERT_FALSE(c.error()) << c.error().message();
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ProblemOf(r)["code"], "payload_too_large");
  EXPECT_FALSE(r.keep_alive());
}

TEST_F(HttpServerTest, ChunkedOversizeBodyIsRefusedWhileStreaming) {
  StartServer();
  Client c(port());
  c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "4000\r\n" + std::string(0x4000, 'a') + "\r\n";
  for (int i = 0; i < 5; ++i) c.Send(chunk);  // 80 KiB > 64 KiB, and the body never ends
  auto r = c.Read();
  ASSERT_FALSE(c.error()) << c.error().message();
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ProblemOf(r)["code"], "payload_too_large");
}

TEST_F(HttpServerTest, BodiesStreamInBothEncodings) {
  StartServer();
  Client c(port());
  const std::string body(50'000, 'z');
  c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" + body);
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), body);
  c.Send(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  r = c.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "hello world");
  EXPECT_TRUE(r.keep_alive());
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  StartServer();
  Client c(port());
  c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.Read();
  EXPECT_EQ(interim.result_int(), 100);
  c.Send("abc");
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "abc");
}

TEST_F(HttpServerTest, MalformedRequestsGet400AndClose) {
  StartServer();
  for (std::string raw : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nHost x\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                          std::string("GET /\x01 HTTP/1.1\r\n\r\n")}) {
    Client c(port());
    c.Send(raw);
    auto r = c.Read();
    ASSERT_FALSE(c.error()) << raw << ": " << c.error().message();
    EXPECT_EQ(r.result_int(), 400) << raw;
    EXPECT_EQ(ProblemOf(r)["code"], "malformed_request") << raw;
    EXPECT_TRUE(c.ClosedByServer()) << raw;
  }
}

// Request smuggling: a body's end must be unambiguous (RFC 9112 section 6.3). Every one of
// these once answered 400 invalid_json or the like, kept the connection and then answered
// the "body" as a second request.
TEST_F(HttpServerTest, AmbiguousBodyFramingIsRefusedAndTheConnectionClosed) {
  StartServer();
  const std::string smuggled = "GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", smuggled.size());  // chunk sizes are hexadecimal
  const std::string chunk = size + ("\r\n" + smuggled) + "\r\n0\r\n\r\n";
  struct Case {
    std::string transfer_encoding;
    int status;
    std::string code;
  };
  for (const Case& c :
       {Case{"chunked, chunked", 400, "malformed_request"},
        Case{"xchunked", 400, "malformed_request"}, Case{"identity", 400, "malformed_request"},
        Case{"gzip", 400, "malformed_request"}, Case{"chunked, gzip", 400, "malformed_request"},
        Case{"gzip, chunked", 501, "unsupported_transfer_coding"}}) {
    Client client(port());
    client.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + c.transfer_encoding +
                "\r\n\r\n" + chunk);
    auto r = client.Read();
    ASSERT_FALSE(client.error()) << c.transfer_encoding << ": " << client.error().message();
    EXPECT_EQ(r.result_int(), c.status) << c.transfer_encoding;
    EXPECT_EQ(ProblemOf(r)["code"], c.code) << c.transfer_encoding;
    EXPECT_TRUE(client.ClosedByServer()) << c.transfer_encoding << ": a second response followed";
  }
  // Two Transfer-Encoding fields are one list; Content-Length beside it is refused too.
  for (const std::string& head :
       {std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
        std::string("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")}) {
    Client client(port());
    client.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\n" + head + "\r\n" + chunk);
    auto r = client.Read();
    EXPECT_EQ(r.result_int(), 400) << head;
    EXPECT_TRUE(client.ClosedByServer()) << head;
  }
  // The one honest form still works, on a connection that stays open.
  Client honest(port());
  honest.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n" + chunk);
  auto r = honest.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), smuggled);
  EXPECT_TRUE(r.keep_alive());
}

TEST_F(HttpServerTest, AnHttp11RequestNeedsExactlyOneHost) {
  StartServer();
  for (const std::string& raw :
       {std::string("GET /api/ping HTTP/1.1\r\n\r\n"),
        std::string("GET /api/ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")}) {
    Client c(port());
    c.Send(raw);
    auto r = c.Read();
    EXPECT_EQ(r.result_int(), 400) << raw;
    EXPECT_EQ(ProblemOf(r)["code"], "malformed_request") << raw;
    EXPECT_TRUE(c.ClosedByServer()) << raw;
  }
  // HTTP/1.0 may leave Host out.
  Client old(port());
  old.Send("GET /api/ping HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.Read().result_int(), 200);
}

TEST_F(HttpServerTest, ASlowBodyGets408) {
  StartServer({.request_timeout = 300ms});
  Client c(port());
  c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 408);
  EXPECT_EQ(ProblemOf(r)["code"], "request_timeout");
  EXPECT_THAT(ProblemOf(r)["detail"].get<std::string>(), HasSubstr("too slowly"));
}

// A client that goes away mid-body is its own doing: logged as a 4xx, not a 503 of ours.
TEST_F(HttpServerTest, AClientThatLeavesMidBodyIsLoggedAsTheClientsError) {
  StartServer();
  {
    Client c(port());
    c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  }  // closed here, 97 bytes short
  const auto logged = [this] {
    std::lock_guard lock(log_mutex_);
    return log_.find("path=/api/echo") != std::string::npos;
  };
  for (int i = 0; i < 500 && !logged(); ++i) std::this_thread::sleep_for(10ms);
  server_->Shutdown();
  server_->Wait();
  std::lock_guard lock(log_mutex_);
  EXPECT_THAT(log_, HasSubstr("path=/api/echo status=400"));
  EXPECT_THAT(log_, Not(HasSubstr("status=503")));
}

TEST_F(HttpServerTest, OversizedHeadersGet431) {
  StartServer({.max_header_bytes = 2048});
  Client c(port());
  c.Send(Get("/api/ping", "X-Big: " + std::string(4096, 'b') + "\r\n"));
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_EQ(ProblemOf(r)["code"], "header_too_large");
}

TEST_F(HttpServerTest, UnknownRoutesAndMethods) {
  StartServer();
  Client c(port());
  c.Send(Get("/api/nope"));
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(ProblemOf(r)["code"], "not_found");
  c.Send("DELETE /api/ping HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.Read();
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r[bhttp::field::allow], "GET, HEAD");
}

TEST_F(HttpServerTest, PathEscapesAreNotFound) {
  StartServer();
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2e%2fsecret.txt", "/sub/..%2f..%2fsecret.txt",
        "/digits.txt%00.html", "/escape.txt", "/..%5csecret.txt", "/.%2e/secret.txt"}) {
    Client c(port());
    c.Send(Get(path));
    auto r = c.Read();
    ASSERT_FALSE(c.error()) << path;
    EXPECT_TRUE(r.result_int() == 404 || r.result_int() == 400) << path << " " << r.result_int();
    EXPECT_THAT(r.body(), ::testing::Not(HasSubstr("top secret"))) << path;
  }
}

TEST_F(HttpServerTest, StaticFilesWithTypesETagsAndRanges) {
  StartServer();
  Client c(port());
  c.Send(Get("/"));
  auto index = c.Read();
  EXPECT_EQ(index.result_int(), 200);
  EXPECT_THAT(std::string(index[bhttp::field::content_type]), HasSubstr("text/html"));
  EXPECT_THAT(index.body(), HasSubstr("<title>vmsg</title>"));
  EXPECT_FALSE(index["Content-Security-Policy"].empty());

  c.Send(Get("/app.js"));
  auto js = c.Read();
  EXPECT_THAT(std::string(js[bhttp::field::content_type]), HasSubstr("javascript"));
  const std::string etag(js[bhttp::field::etag]);
  ASSERT_FALSE(etag.empty());
  c.Send(Get("/app.js", "If-None-Match: " + etag + "\r\n"));
  auto not_modified = c.Read();
  EXPECT_EQ(not_modified.result_int(), 304);
  EXPECT_TRUE(not_modified.body().empty());

  c.Send(Get("/digits.txt", "Range: bytes=2-5\r\n"));
  auto part = c.Read();
  EXPECT_EQ(part.result_int(), 206);
  EXPECT_EQ(part.body(), "2345");
  EXPECT_EQ(part[bhttp::field::content_range], "bytes 2-5/10");

  c.Send(Get("/digits.txt", "Range: bytes=-3\r\n"));
  EXPECT_EQ(c.Read().body(), "789");

  c.Send(Get("/digits.txt", "Range: bytes=10-\r\n"));
  auto unsatisfiable = c.Read();
  EXPECT_EQ(unsatisfiable.result_int(), 416);
  EXPECT_EQ(unsatisfiable[bhttp::field::content_range], "bytes */10");

  c.Send("HEAD /digits.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = c.Read(/*head=*/true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_length], "10");
  EXPECT_TRUE(head.body().empty());
  c.Send(Get("/api/ping"));  // the connection is still in step after HEAD
  EXPECT_EQ(c.Read().result_int(), 200);
}

TEST_F(HttpServerTest, SlowHeadersGet408) {
  StartServer({.request_timeout = 300ms});
  Client c(port());
  c.Send("GET /api/ping HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 408);
  EXPECT_EQ(ProblemOf(r)["code"], "request_timeout");
}

TEST_F(HttpServerTest, ConnectionCapRefusesExtraConnectionsWith503) {
  StartServer({.max_connections = 2});
  Client a(port()), b(port());
  a.Send(Get("/api/ping"));
  b.Send(Get("/api/ping"));
  ASSERT_EQ(a.Read().result_int(), 200);
  ASSERT_EQ(b.Read().result_int(), 200);
  Client c(port());
  c.Send(Get("/api/ping"));
  auto r = c.Read();
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(ProblemOf(r)["code"], "too_many_connections");
  EXPECT_EQ(r[bhttp::field::retry_after], "1");
}

TEST_F(HttpServerTest, GracefulShutdownFinishesRequestsInFlight) {
  StartServer({.shutdown_grace = 30s});
  Client idle(port());
  idle.Send(Get("/api/ping"));
  ASSERT_EQ(idle.Read().result_int(), 200);  // now an idle keep-alive connection

  Client busy(port());
  busy.Send(Get("/api/slow"));
  entered_.get_future().wait();
  server_->Shutdown();

  EXPECT_TRUE(idle.ClosedByServer());  // idle connections are closed at once
  // New connections are refused once the listener has closed.
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    Client late(port());
    refused = !late.connected();
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refused);

  release_ = true;
  auto r = busy.Read();
  ASSERT_FALSE(busy.error()) << busy.error().message();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "finally");
  EXPECT_FALSE(r.keep_alive());
  server_->Wait();
  EXPECT_EQ(server_->open_connections(), 0u);
}

TEST_F(HttpServerTest, GracePeriodCutsRequestsThatTakeTooLong) {
  StartServer({.shutdown_grace = 100ms});
  Client busy(port());
  busy.Send(Get("/api/slow"));
  entered_.get_future().wait();
  server_->Shutdown();
  server_->Wait();  // returns although the handler never finishes
  busy.Read();
  EXPECT_TRUE(busy.error());  // no response: the connection was cut
  release_ = true;
}

}  // namespace
}  // namespace vmsg::http
