// The store needs its server's address for its URLs before the server starts, so a free
// port is found first and bound again by the server (retried if someone takes it between).
#include "local_store_server.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "api/upload_handlers.h"
#include "base/crypto.h"

namespace vmsg::testing {
namespace {

constexpr int kPortAttempts = 5;

uint16_t FreeLoopbackPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace

Result<std::unique_ptr<LocalStoreServer>> LocalStoreServer::Start(const Clock& clock,
                                                                  uint64_t upload_max_bytes) {
  static std::atomic<int> counter{0};
  Status last;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    std::unique_ptr<LocalStoreServer> s(new LocalStoreServer);
    s->dir_ = std::filesystem::temp_directory_path() /
              ("vmsg_local_store_it_" + std::to_string(::getpid()) + "_" +
               std::to_string(counter++) + "_" + HexEncode(RandomBytes(4)));
    s->port_ = FreeLoopbackPort();
    s->base_url_ = "http://127.0.0.1:" + std::to_string(s->port_);
    VMSG_ASSIGN_OR_RETURN(
        s->owned_, objects::NewLocalObjectStore({.root = s->dir_ / "objects",
                                                 .cold_dir = s->dir_ / "cold",
                                                 .secret_path = s->dir_ / "object_store.secret",
                                                 .public_base_url = s->base_url_},
                                                clock));
    s->store_ = s->owned_.get();
    s->log_clock_ = NewSystemClock();
    s->logger_ = std::make_unique<Logger>(LogFormat::kText, LogLevel::kError, *s->log_clock_,
                                          [](std::string_view) {});
    api::AddUploadRoutes(s->router_, {.store = s->store_,
                                      .local = s->store_,
                                      .ids = &s->ids_,
                                      .presign_expiry = std::chrono::seconds(3600),
                                      .upload_max_bytes = upload_max_bytes});
    s->dispatcher_ = std::make_unique<http::Dispatcher>(s->router_, http::DispatcherOptions{},
                                                        *s->logger_, s->ids_);
    s->server_ = std::make_unique<http::Server>(
        http::ServerOptions{.host = "127.0.0.1", .port = s->port_, .threads = 2}, *s->dispatcher_,
        *s->logger_);
    last = s->server_->Start();
    if (last.ok()) return s;
  }
  return last;
}

LocalStoreServer::~LocalStoreServer() {
  if (server_) {
    server_->Shutdown();
    server_->Wait();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace vmsg::testing
