// A local object store in a fresh temp dir, served by a real vmsg HTTP server on loopback
// with the upload routes (POST /api/uploads/presign, POST /api/uploads, GET /files/...), so
// that its URLs and forms can be used by a plain HTTP client.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "objects/local/local_store.h"

namespace vmsg::testing {

class LocalStoreServer {
 public:
  // `clock` must outlive the server; the store's URLs are absolute (http://127.0.0.1:port).
  static Result<std::unique_ptr<LocalStoreServer>> Start(const Clock& clock,
                                                         uint64_t upload_max_bytes = 10 << 20);
  ~LocalStoreServer();  // stops the server, then removes the directory

  objects::LocalObjectStore& store() { return *store_; }
  // Hands the store's ownership out (the conformance suite's StoreUnderTest owns it); the
  // server keeps using it, so it must be destroyed after this object.
  std::unique_ptr<objects::LocalObjectStore> ReleaseStore() { return std::move(owned_); }
  const std::string& base_url() const { return base_url_; }
  uint16_t port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  LocalStoreServer() = default;

  std::filesystem::path dir_;
  std::string base_url_;
  uint16_t port_ = 0;
  std::unique_ptr<objects::LocalObjectStore> owned_;
  objects::LocalObjectStore* store_ = nullptr;
  std::unique_ptr<Clock> log_clock_;
  std::unique_ptr<Logger> logger_;
  IdGenerator ids_;
  http::Router router_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace vmsg::testing
