// Server: HTTP/1.1 over TCP with Boost.Beast and C++20 coroutines. It owns the sockets and
// the threads; what a request means is the Dispatcher's business.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/log.h"
#include "base/status.h"
#include "http/dispatcher.h"

namespace vmsg::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int threads = 2;
  uint32_t max_header_bytes = 16 * 1024;
  uint64_t max_connections = 512;
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  // A WebSocket peer silent this long is dropped; it is pinged after half of it.
  std::chrono::milliseconds websocket_idle_timeout{60'000};
};

class Server {
 public:
  Server(ServerOptions options, const Dispatcher& dispatcher, const Logger& logger);
  ~Server();  // shuts down (with no grace) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the serving threads. Unavailable when the address cannot be
  // bound (in use, not local, no permission), with the address in the message.
  Status Start();

  // The port actually bound (useful with port 0). Valid after Start().
  uint16_t port() const;

  // Graceful shutdown, callable from any thread: stop accepting, close idle keep-alive
  // connections, let requests in flight finish for up to the grace period, then cut the
  // rest. Returns at once; Wait() blocks until everything has stopped.
  void Shutdown();
  void Wait();

  // Connections currently open (for tests and metrics).
  size_t open_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmsg::http
