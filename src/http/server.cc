// The socket side of HTTP: accept loop, one coroutine per connection on its own strand,
// streaming request bodies, file responses, timeouts, connection cap, graceful shutdown.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace vmsg::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace bws = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Request bodies and file responses move in pieces of this size.
constexpr size_t kPieceBytes = 64 * 1024;
// After refusing a body we read (and drop) at most this much, for at most this long, so the
// client sees our response instead of a connection reset, without us reading it all.
constexpr size_t kLingerBytes = 1024 * 1024;
constexpr auto kLingerTime = std::chrono::seconds(2);

using Parser = bhttp::request_parser<bhttp::buffer_body>;

// One client connection. Its socket, timer and fields are used only on its own strand.
// Deadlines are enforced by a watchdog coroutine that cancels (but does not close) the
// socket, so that a 408 can still be written after a timeout.
struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}

  void SetDeadline(Clock::duration from_now) { SetDeadlineAt(Clock::now() + from_now); }
  // Re-arming the timer wakes the watchdog, which then waits for the new deadline.
  void SetDeadlineAt(Clock::time_point at) {
    deadline = at;
    timer.expires_at(at);
  }
  // Consumes a timeout: true once after the watchdog fired.
  bool TakeTimeout() { return std::exchange(timed_out, false); }

  tcp::socket socket;
  asio::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  // True while waiting for the next request's header: safe to close on shutdown.
  bool idle = false;
};

asio::awaitable<void> Watchdog(std::shared_ptr<Connection> conn) {
  while (conn->socket.is_open()) {
    conn->timer.expires_at(conn->deadline);
    co_await conn->timer.async_wait(kUseTuple);
    if (!conn->socket.is_open()) break;
    if (conn->deadline <= Clock::now()) {
      conn->timed_out = true;
      conn->deadline = Clock::time_point::max();
      beast::error_code ignored;
      conn->socket.cancel(ignored);
    }
  }
}

class SocketBodyReader final : public BodyReader {
 public:
  SocketBodyReader(Connection& conn, beast::flat_buffer& buffer, Parser& parser,
                   Clock::time_point deadline)
      : conn_(conn), buffer_(buffer), parser_(parser), deadline_(deadline) {
    auto expect = parser_.get()[bhttp::field::expect];
    expect_continue_ = EqualsIgnoreCase(expect, "100-continue");
  }

  asio::awaitable<Result<bool>> Read(std::string& out) override {
    if (!failed_.ok()) co_return failed_;
    if (parser_.is_done()) co_return false;
    if (expect_continue_) {
      expect_continue_ = false;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      conn_.SetDeadlineAt(deadline_);
      auto [ec, n] = co_await asio::async_write(conn_.socket, asio::buffer(kContinue), kUseTuple);
      if (ec) co_return Fail(ec);
    }
    out.resize(kPieceBytes);
    for (;;) {
      parser_.get().body().data = out.data();
      parser_.get().body().size = out.size();
      conn_.SetDeadlineAt(deadline_);
      auto [ec, n] = co_await bhttp::async_read_some(conn_.socket, buffer_, parser_, kUseTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return Fail(ec);
      const size_t got = out.size() - parser_.get().body().size;
      if (got == 0 && !parser_.is_done()) continue;
      out.resize(got);
      if (got == 0) co_return false;
      received_ += got;
      if (received_ > limit_) {
        failed_ =
            Status::ResourceExhausted("the request body is larger than the " +
                                          std::to_string(limit_) + " bytes this route accepts",
                                      "payload_too_large");
        co_return failed_;
      }
      co_return true;
    }
  }

  bool complete() const override { return failed_.ok() && parser_.is_done(); }
  void SetLimit(uint64_t limit) override { limit_ = limit; }

 private:
  Status Fail(beast::error_code ec) {
    if (conn_.TakeTimeout()) {
      failed_ = Status::DeadlineExceeded("the request body arrived too slowly", "request_timeout");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category() &&
               ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream) {
      failed_ =
          Status::InvalidArgument("malformed request body: " + ec.message(), "malformed_body");
    } else {
      failed_ =
          Status::Unavailable("the client connection failed: " + ec.message(), "connection_lost");
    }
    return failed_;
  }

  Connection& conn_;
  beast::flat_buffer& buffer_;
  Parser& parser_;
  Clock::time_point deadline_;
  uint64_t limit_ = UINT64_MAX;
  uint64_t received_ = 0;
  bool expect_continue_ = false;
  Status failed_;
};

// Writes a streamed body straight to the socket; each piece must leave within `timeout`.
class SocketStreamWriter final : public StreamWriter {
 public:
  SocketStreamWriter(Connection& conn, Clock::duration timeout) : conn_(conn), timeout_(timeout) {}

  asio::awaitable<bool> Write(std::string_view data) override {
    if (broken_) co_return false;
    conn_.SetDeadline(timeout_);
    auto [ec, n] = co_await asio::async_write(conn_.socket, asio::buffer(data), kUseTuple);
    conn_.SetDeadlineAt(Clock::time_point::max());  // the producer decides how long to idle
    broken_ = static_cast<bool>(ec);
    co_return !broken_;
  }

 private:
  Connection& conn_;
  Clock::duration timeout_;
  bool broken_ = false;
};

// The handler's view of a Beast WebSocket. Lives on the connection's strand.
class BeastWebSocket final : public WebSocket {
 public:
  BeastWebSocket(bws::stream<tcp::socket&>& ws, std::shared_ptr<uint64_t> pongs)
      : ws_(ws), pongs_(std::move(pongs)), reader_done_(ws.get_executor()) {
    reader_done_.expires_at(asio::steady_timer::time_point::max());
  }

  asio::awaitable<bool> SendText(std::string_view text) override {
    if (!open_) co_return false;
    ws_.text(true);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(text), kUseTuple);
    if (ec) open_ = false;
    co_return open_;
  }

  asio::awaitable<void> Close() override {
    if (!open_ || closing_) co_return;
    closing_ = true;
    co_await ws_.async_close(bws::close_code::normal, kUseTuple);
    open_ = false;
  }

  bool open() const override { return open_; }
  uint64_t pongs() const override { return *pongs_; }

  // Reads (and drops) client messages so that control frames are processed; ends when the
  // connection closes, from either side.
  asio::awaitable<void> ReadUntilClosed() {
    beast::flat_buffer sink;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(sink, kUseTuple);
      if (ec) break;
      sink.consume(sink.size());
    }
    open_ = false;
    reader_finished_ = true;
    reader_done_.cancel();
  }

  asio::awaitable<void> WaitForReader() {
    if (!reader_finished_) co_await reader_done_.async_wait(kUseTuple);
  }

 private:
  bws::stream<tcp::socket&>& ws_;
  std::shared_ptr<uint64_t> pongs_;
  asio::steady_timer reader_done_;
  bool open_ = true;
  bool closing_ = false;
  bool reader_finished_ = false;
};

// How the request's body is delimited, checked before anything reads it (RFC 9112 sections
// 6.1-6.3): with Transfer-Encoding, chunked must be the one final coding (anything else lets
// a front end and this server disagree on where the body ends: request smuggling), no other
// coding is implemented, and Content-Length may not come along; HTTP/1.1 needs exactly one
// Host. A refusal closes the connection.
Status CheckFraming(const Parser::value_type& header) {
  std::vector<std::string_view> codings;
  bool has_transfer_encoding = false;
  int hosts = 0;
  for (const auto& field : header) {
    if (field.name() == bhttp::field::host) ++hosts;
    if (field.name() != bhttp::field::transfer_encoding) continue;
    has_transfer_encoding = true;
    std::vector<std::string_view> parts = Split(field.value(), ',');
    if (parts.back().empty()) parts.pop_back();  // nothing after a final comma adds no coding
    for (std::string_view part : parts) codings.push_back(TrimOws(part));
  }
  if (header.version() >= 11 && hosts != 1) {
    return Status::InvalidArgument(hosts == 0 ? "an HTTP/1.1 request needs a Host header"
                                              : "a request may carry only one Host header",
                                   "malformed_request");
  }
  if (hosts > 1) {
    return Status::InvalidArgument("a request may carry only one Host header", "malformed_request");
  }
  if (!has_transfer_encoding) return Status::Ok();
  auto is_chunked = [](std::string_view coding) { return EqualsIgnoreCase(coding, "chunked"); };
  const auto chunked = std::count_if(codings.begin(), codings.end(), is_chunked);
  if (codings.empty() || !is_chunked(codings.back()) || chunked != 1) {
    return Status::InvalidArgument(
        "Transfer-Encoding must end with chunked, once (RFC 9112 section 6.3)",
        "malformed_request");
  }
  if (header.count(bhttp::field::content_length) > 0) {
    return Status::InvalidArgument(
        "a request may not carry both Transfer-Encoding and "
        "Content-Length",
        "malformed_request");
  }
  if (codings.size() > 1) {
    return Status::Unimplemented("only the chunked transfer coding is implemented",
                                 "unsupported_transfer_coding");
  }
  return Status::Ok();
}

bool QuietDisconnect(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Dispatcher& dispatcher, const Logger& logger)
      : options_(std::move(options)),
        dispatcher_(dispatcher),
        logger_(logger),
        ioc_(options_.threads),
        control_(asio::make_strand(ioc_)),
        acceptor_(control_),
        grace_timer_(control_) {}

  ~Impl() {
    if (!threads_.empty()) {
      ioc_.stop();
      Wait();
    }
  }

  Status Start() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) {
      return Status::InvalidArgument("VMSG_HTTP_HOST=" + options_.host +
                                     " is not an IP address: " + ec.message());
    }
    const tcp::endpoint endpoint(address, options_.port);
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return Status::Unavailable("cannot open a socket for " + where + ": " + ec.message());
    }
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) {
      return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    }
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(control_, AcceptLoop(), asio::detached);
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    logger_.Info("http", "listening", {{"address", options_.host}, {"port", port_.load()}});
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Shutdown() {
    if (stopping_.exchange(true)) return;
    asio::post(control_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      std::vector<std::shared_ptr<Connection>> open;
      {
        std::lock_guard lock(mutex_);
        open.assign(connections_.begin(), connections_.end());
      }
      logger_.Info(
          "http", "shutting down",
          {{"open_connections", open.size()}, {"grace_ms", options_.shutdown_grace.count()}});
      for (const auto& conn : open) {
        asio::post(conn->socket.get_executor(), [conn] {
          beast::error_code ignored;
          if (conn->idle) conn->socket.cancel(ignored);
        });
      }
      if (open.empty()) return;
      grace_timer_.expires_after(options_.shutdown_grace);
      grace_timer_.async_wait([this](beast::error_code wait_ec) {
        if (wait_ec) return;  // every connection finished in time
        logger_.Warning("http", "grace period over; cutting remaining connections",
                        {{"open_connections", open_connections()}});
        std::vector<std::shared_ptr<Connection>> left;
        {
          std::lock_guard lock(mutex_);
          left.assign(connections_.begin(), connections_.end());
        }
        for (const auto& conn : left) {
          asio::post(conn->socket.get_executor(), [conn] {
            beast::error_code ignored;
            conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
            conn->socket.close(ignored);
          });
        }
        // Handlers still waiting on something are abandoned; their frames die with ioc_.
        asio::post(control_, [this] { ioc_.stop(); });
      });
    });
  }

  void Wait() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  size_t open_connections() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kUseTuple);
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        logger_.Warning("http", "accept failed", {{"error", ec.message()}});
        asio::steady_timer pause(control_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kUseTuple);  // e.g. out of file descriptors: back off
        continue;
      }
      beast::error_code nodelay_ec;  // small responses go out at once, not after 40 ms
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      auto conn = std::make_shared<Connection>(std::move(socket));
      bool busy;
      {
        std::lock_guard lock(mutex_);
        busy = connections_.size() >= options_.max_connections;
        if (!busy) connections_.insert(conn);
      }
      asio::co_spawn(conn->socket.get_executor(), Watchdog(conn), asio::detached);
      if (busy) {
        asio::co_spawn(conn->socket.get_executor(), RejectBusy(conn), asio::detached);
        continue;
      }
      asio::co_spawn(conn->socket.get_executor(), Session(conn),
                     [this, conn](std::exception_ptr error) { Finished(conn, error); });
    }
  }

  void Finished(const std::shared_ptr<Connection>& conn, std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        logger_.Error("http", "connection failed", {{"error", e.what()}});
      }
    }
    bool last;
    {
      std::lock_guard lock(mutex_);
      connections_.erase(conn);
      last = connections_.empty();
    }
    if (last && stopping_) asio::post(control_, [this] { grace_timer_.cancel(); });
  }

  asio::awaitable<void> RejectBusy(std::shared_ptr<Connection> conn) {
    Response r = ProblemResponse(503, "too_many_connections",
                                 "the server is at its connection limit; try again shortly");
    r.headers.Set("Retry-After", "1");
    r.close = true;
    co_await Write(*conn, r, /*head_only=*/false, /*keep_alive=*/false);
    co_await LingeringClose(*conn);
  }

  asio::awaitable<void> Session(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    beast::error_code ep_ec;
    const auto peer = conn->socket.remote_endpoint(ep_ec);
    const std::string peer_address = ep_ec ? "" : peer.address().to_string();
    bool first = true;
    for (;;) {
      Parser parser;
      parser.header_limit(options_.max_header_bytes);
      parser.body_limit(boost::none);  // the dispatcher enforces each route's own limit
      conn->idle = true;
      if (stopping_) break;
      conn->SetDeadline(first ? options_.request_timeout : options_.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(conn->socket, buffer, parser, kUseTuple);
      conn->idle = false;
      first = false;
      const bool timed_out = conn->TakeTimeout();
      if (ec) {
        // Nothing of a request arrived: a quiet close (idle keep-alive, shutdown, client gone).
        if (!timed_out && QuietDisconnect(ec)) break;
        if (timed_out && !parser.got_some() && buffer.size() == 0) break;
        Response r;
        if (timed_out) {
          r = ProblemResponse(408, "request_timeout", "the request headers arrived too slowly");
        } else if (ec == bhttp::error::header_limit) {
          r = ProblemResponse(431, "header_too_large",
                              "the request line and headers are larger than " +
                                  std::to_string(options_.max_header_bytes) + " bytes");
        } else {
          r = ProblemResponse(400, "malformed_request", "malformed HTTP request: " + ec.message());
        }
        r.close = true;
        r.headers.Set("Connection", "close");
        co_await Write(*conn, r, false, false);
        AccessLog("-", "-", r, Clock::now(), "", peer_address);
        co_await LingeringClose(*conn);
        co_return;
      }

      const auto started = Clock::now();
      const auto& header = parser.get();
      if (Status framing = CheckFraming(header); !framing.ok()) {
        Response r = ProblemFromStatus(framing);
        r.close = true;
        r.headers.Set("Connection", "close");
        co_await Write(*conn, r, false, false);
        AccessLog(std::string(header.method_string()), "-", r, started, "", peer_address);
        co_await LingeringClose(*conn);
        co_return;
      }
      Request request;
      request.method = std::string(header.method_string());
      request.target = std::string(header.target());
      const size_t q = request.target.find('?');
      request.path = request.target.substr(0, q);
      if (q != std::string::npos) request.query = request.target.substr(q + 1);
      for (const auto& field : header) {
        request.headers.Add(std::string(field.name_string()), std::string(field.value()));
      }
      request.remote_address = peer_address;
      SocketBodyReader body(*conn, buffer, parser, started + options_.request_timeout);
      request.body = &body;

      Response response = co_await dispatcher_.Handle(request);
      if (auto* upgrade = std::get_if<UpgradeBody>(&response.body)) {
        if (bws::is_upgrade(header)) {
          response.status = 101;  // what the handshake answers; logged as such
          AccessLog(request.method, request.path, response, started, request.request_id,
                    peer_address);
          co_await RunWebSocket(*conn, header, response, *upgrade);
          co_return;
        }
        response = ProblemResponse(426, "websocket_required",
                                   "this endpoint speaks WebSocket: send an Upgrade request",
                                   request.request_id);
        response.headers.Set("Upgrade", "websocket");
      }
      const bool keep_alive = header.keep_alive() && !response.close && !stopping_ &&
                              !std::holds_alternative<StreamBody>(response.body);
      if (!keep_alive) response.headers.Set("Connection", "close");
      const bool written = co_await Write(*conn, response, request.method == "HEAD", keep_alive);
      AccessLog(request.method, request.path, response, started, request.request_id, peer_address);
      if (!written) break;
      if (!keep_alive) {
        if (!body.complete()) {
          co_await LingeringClose(*conn);
          co_return;
        }
        break;
      }
    }
    Close(*conn);
  }

  // Completes the handshake and runs the handler's session; Beast handles control frames
  // and idle pings, a concurrent reader notices the peer's close.
  asio::awaitable<void> RunWebSocket(Connection& conn, const Parser::value_type& request,
                                     const Response& response, const UpgradeBody& upgrade) {
    conn.SetDeadlineAt(Clock::time_point::max());  // Beast's own timeouts take over
    bws::stream<tcp::socket&> ws(conn.socket);
    bws::stream_base::timeout timeouts;
    timeouts.handshake_timeout = options_.request_timeout;
    timeouts.idle_timeout = options_.websocket_idle_timeout;
    timeouts.keep_alive_pings = true;  // a ping after half the idle timeout of silence
    ws.set_option(timeouts);
    const Headers extra = response.headers;
    ws.set_option(bws::stream_base::decorator([extra](bws::response_type& res) {
      for (const auto& [name, value] : extra.fields()) {
        if (!EqualsIgnoreCase(name, "Content-Type") && !EqualsIgnoreCase(name, "Connection")) {
          res.set(name, value);
        }
      }
    }));
    auto pongs = std::make_shared<uint64_t>(0);
    ws.control_callback([pongs](bws::frame_type kind, beast::string_view) {
      if (kind == bws::frame_type::pong) ++*pongs;
    });
    auto [ec] = co_await ws.async_accept(request, kUseTuple);
    if (ec) {
      Close(conn);
      co_return;
    }
    BeastWebSocket socket(ws, pongs);
    asio::co_spawn(conn.socket.get_executor(), socket.ReadUntilClosed(), asio::detached);
    co_await upgrade.run(socket);
    co_await socket.Close();
    co_await socket.WaitForReader();
    Close(conn);
  }

  static void Close(Connection& conn) {
    beast::error_code ignored;
    conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
    conn.socket.close(ignored);
    conn.timer.cancel();
  }

  // Writes the status line, headers and body. False when the connection failed.
  asio::awaitable<bool> Write(Connection& conn, Response& response, bool head_only,
                              bool keep_alive) {
    bhttp::response<bhttp::empty_body> header;
    header.version(11);
    header.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) header.insert(name, value);
    header.keep_alive(keep_alive);
    const uint64_t size = response.BodySize();
    const bool bodiless = response.status == 204 || response.status == 304 ||
                          (response.status >= 100 && response.status < 200);
    auto* stream = std::get_if<StreamBody>(&response.body);
    if (stream != nullptr) {
      header.keep_alive(false);  // the close ends the body
    } else if (!bodiless) {
      header.content_length(size);
    }
    bhttp::response_serializer<bhttp::empty_body> serializer(header);
    conn.SetDeadline(options_.idle_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(conn.socket, serializer, kUseTuple);
    if (ec) co_return false;
    if (stream != nullptr) {
      if (head_only) co_return true;
      SocketStreamWriter writer(conn, options_.idle_timeout);
      co_await stream->produce(writer);
      co_return true;
    }
    if (head_only || bodiless || size == 0) co_return true;

    if (const auto* text = std::get_if<std::string>(&response.body)) {
      conn.SetDeadline(options_.idle_timeout);
      auto [wec, wn] = co_await asio::async_write(conn.socket, asio::buffer(*text), kUseTuple);
      co_return !wec;
    }
    const FileBody& file = std::get<FileBody>(response.body);
    std::ifstream in(file.path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(file.offset));
    std::vector<char> piece(kPieceBytes);
    uint64_t left = file.length;
    while (left > 0) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(left, piece.size()));
      in.read(piece.data(), static_cast<std::streamsize>(want));
      if (static_cast<size_t>(in.gcount()) != want) {
        logger_.Error("http", "file shrank while being sent", {{"path", file.path.string()}});
        co_return false;  // the promised length cannot be delivered: drop the connection
      }
      conn.SetDeadline(options_.idle_timeout);
      auto [wec, wn] =
          co_await asio::async_write(conn.socket, asio::buffer(piece.data(), want), kUseTuple);
      if (wec) co_return false;
      left -= want;
    }
    co_return true;
  }

  asio::awaitable<void> LingeringClose(Connection& conn) {
    beast::error_code ignored;
    conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> sink;
    size_t drained = 0;
    conn.SetDeadline(kLingerTime);
    while (drained < kLingerBytes) {
      auto [ec, n] = co_await conn.socket.async_read_some(asio::buffer(sink), kUseTuple);
      if (ec) break;
      drained += n;
    }
    Close(conn);
  }

  void AccessLog(std::string_view method, std::string_view path, const Response& response,
                 Clock::time_point started, std::string_view request_id,
                 std::string_view remote) const {
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    logger_.Info("access", "request",
                 {{"method", method},
                  {"path", path},
                  {"status", response.status},
                  {"bytes", response.BodySize()},
                  {"ms", ms},
                  {"request_id", request_id},
                  {"remote", remote}});
  }

  ServerOptions options_;
  const Dispatcher& dispatcher_;
  const Logger& logger_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> control_;
  tcp::acceptor acceptor_;          // used on control_ only
  asio::steady_timer grace_timer_;  // used on control_ only
  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};
  mutable std::mutex mutex_;
  std::set<std::shared_ptr<Connection>> connections_;  // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;
};

Server::Server(ServerOptions options, const Dispatcher& dispatcher, const Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher, logger)) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Shutdown() { impl_->Shutdown(); }
void Server::Wait() { impl_->Wait(); }
size_t Server::open_connections() const { return impl_->open_connections(); }

}  // namespace vmsg::http
