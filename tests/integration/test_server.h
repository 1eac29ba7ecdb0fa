// A vmsg HTTP server on a free loopback port for integration tests: the real dispatcher and
// server over a test's router, stopped when it goes, and one-request helpers over Client.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "test_client.h"

namespace vmsg::testing {

class TestServer {
 public:
  // Serves `router` (which, with `logger` and `ids`, must outlive the server) on two
  // threads. Null when the server cannot start (the test then fails on it).
  static std::unique_ptr<TestServer> Start(const http::Router& router, const Logger& logger,
                                           IdGenerator& ids) {
    auto s = std::unique_ptr<TestServer>(new TestServer);
    s->dispatcher_ =
        std::make_unique<http::Dispatcher>(router, http::DispatcherOptions{}, logger, ids);
    s->server_ = std::make_unique<http::Server>(http::ServerOptions{.port = 0, .threads = 2},
                                                *s->dispatcher_, logger);
    if (!s->server_->Start().ok()) return nullptr;
    return s;
  }

  ~TestServer() {
    server_->Shutdown();
    server_->Wait();
  }

  uint16_t port() const { return server_->port(); }

  // One request on a new connection; `content_type` and Content-Length only with a body.
  bhttp::response<bhttp::string_body> Send(const std::string& method, const std::string& path,
                                           const std::string& body = "",
                                           const std::string& content_type = "") {
    Client c(port());
    EXPECT_TRUE(c.connected());
    std::string head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
    if (!content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
    if (!body.empty() || method == "POST") {
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    c.Send(head + "\r\n" + body);
    auto r = c.Read();
    EXPECT_FALSE(c.error()) << c.error().message();
    return r;
  }

 private:
  TestServer() = default;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace vmsg::testing
