// Test fixture: a private PostgreSQL 15 server in a temporary directory, listening only on a
// unix socket there (listen_addresses=''), with trust authentication for the role "vmsg".
// PostgreSQL refuses to run as root, so when the test runs as root, initdb and the server
// run as the system's "postgres" user (the directory is handed to it). Durability is
// switched off (fsync, synchronous_commit): test data is thrown away. A missing PostgreSQL
// is an error, never a skip.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::test {

class PgTestServer {
 public:
  // initdb, then starts the server; Unavailable when the binaries are missing or the server
  // does not accept connections within a few seconds.
  static Result<std::unique_ptr<PgTestServer>> Start();
  ~PgTestServer();  // stops the server and removes the directory

  // Creates an empty database `name` ([a-z0-9_]) and returns its URL.
  Result<std::string> CreateDatabase(std::string_view name);
  // postgresql://vmsg@/{database}?host={socket dir}&port={port}
  std::string Url(std::string_view database) const;
  const std::filesystem::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

 private:
  explicit PgTestServer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status Launch();

  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace vmsg::test
