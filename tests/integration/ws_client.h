// A WebSocket client for integration tests, every wait bounded (10 s).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace vmsg::testing {

// A WebSocket client whose every wait is bounded (10 s).
class WsClient {
 public:
  // Connects and performs the handshake; false (with the HTTP status in status()) when
  // the server refused it.
  bool Connect(uint16_t port, const std::string& target, const std::string& origin = "") {
    boost::beast::error_code ec;
    ws_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return false;
    ws_.set_option(boost::beast::websocket::stream_base::decorator(
        [origin](boost::beast::websocket::request_type& req) {
          if (!origin.empty()) req.set(boost::beast::http::field::origin, origin);
        }));
    bool done = false;
    ws_.async_handshake(response_, "127.0.0.1:" + std::to_string(port), target,
                        [&](boost::beast::error_code e) {
                          ec = e;
                          done = true;
                        });
    Run(done);
    return done && !ec;
  }

  // The next text message; nullopt once the connection closed (see close_code()).
  std::optional<std::string> Read() {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec = boost::asio::error::timed_out;
    bool done = false;
    ws_.async_read(buffer, [&](boost::beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    Run(done);
    if (ec) return std::nullopt;
    return boost::beast::buffers_to_string(buffer.data());
  }

  int status() const { return response_.result_int(); }
  std::string header(std::string_view name) const { return std::string(response_[name]); }
  boost::beast::websocket::close_code close_code() const {
    return static_cast<boost::beast::websocket::close_code>(ws_.reason().code);
  }

 private:
  void Run(bool& done) {
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(10));
    if (!done) {
      boost::beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
    }
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_{ioc_};
  boost::beast::websocket::response_type response_;
};

}  // namespace vmsg::testing
