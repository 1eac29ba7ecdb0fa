// A small HTTP client for integration tests: raw requests out, Beast-parsed responses in,
// every wait bounded (10 s) so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace vmsg::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A blocking client with a receive timeout, so a misbehaving server fails the test instead
// of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    beast::error_code ec;
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }

  void Send(std::string_view raw) {
    beast::error_code ec;
    asio::write(socket_, asio::buffer(raw), ec);
  }

  // Reads one response within 10 s; on failure returns a response with result 0 and sets
  // error().
  bhttp::response<bhttp::string_body> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    error_ = asio::error::timed_out;
    bool done = false;
    bhttp::async_read(socket_, buffer_, parser, [&](beast::error_code ec, size_t) {
      error_ = ec;
      done = true;
    });
    RunUntil(done);
    if (error_) {
      bhttp::response<bhttp::string_body> failed;
      failed.result(static_cast<unsigned>(0));
      return failed;
    }
    return parser.release();
  }

  // Reads raw bytes until `until` appears in what was read (or EOF, or 10 s); returns all
  // bytes read so far, including anything buffered by an earlier Read.
  std::string ReadRawUntil(std::string_view until) {
    std::string seen(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    char piece[4096];
    while (until.empty() || seen.find(until) == std::string::npos) {
      beast::error_code result = asio::error::timed_out;
      size_t got = 0;
      bool done = false;
      socket_.async_read_some(asio::buffer(piece), [&](beast::error_code ec, size_t n) {
        result = ec;
        got = n;
        done = true;
      });
      RunUntil(done);
      seen.append(piece, got);
      if (result) {
        error_ = result;
        break;
      }
    }
    return seen;
  }

  // True when the server closed the connection (EOF) with nothing more to read.
  bool ClosedByServer() {
    char c;
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    socket_.async_read_some(asio::buffer(&c, 1), [&](beast::error_code ec, size_t n) {
      result = n == 0 ? ec : beast::error_code(asio::error::message_size);
      done = true;
    });
    RunUntil(done);
    return result == asio::error::eof || result == asio::error::connection_reset;
  }

  beast::error_code error() const { return error_; }

 private:
  void RunUntil(const bool& done) {
    ioc_.restart();
    ioc_.run_for(10s);
    if (!done) {
      beast::error_code ignored;
      socket_.cancel(ignored);
      ioc_.restart();
      ioc_.run();
    }
  }

  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  beast::error_code error_;
  bool connected_ = false;
};

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) +
         "\r\n";
}

// A DELETE of `path` on a new connection, carrying the vmsg_client cookie `client` when it
// is not empty; result 0 when the exchange failed.
inline bhttp::response<bhttp::string_body> DeleteAs(uint16_t port, const std::string& path,
                                                    const std::string& client) {
  Client c(port);
  std::string head = "DELETE " + path + " HTTP/1.1\r\nHost: x\r\n";
  if (!client.empty()) head += "Cookie: vmsg_client=" + client + "\r\n";
  c.Send(head + "\r\n");
  return c.Read();
}

}  // namespace vmsg::testing
