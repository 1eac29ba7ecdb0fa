// Test fixture: a private moto_server (an S3 emulator, from the Python on the PATH; not
// /usr/bin/python3) on a free loopback port, killed when the fixture goes. Used by
// s3_store_test.cc and, through MakeS3StoreForTest, by the ObjectStore conformance suite.
// A missing moto_server is an error, never a skip.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "objects/object_store.h"
#include "objects/s3/s3_store.h"
#include "objects/s3/sigv4.h"

namespace vmsg::test {

class MotoTestServer {
 public:
  // Starts moto_server; Unavailable when it is not on the PATH or does not answer within
  // kStartTimeout. `env` entries ("NAME=value") are added to its environment.
  static Result<std::unique_ptr<MotoTestServer>> Start(std::vector<std::string> env = {});
  ~MotoTestServer();  // kills the server and removes its log directory

  // "http://127.0.0.1:PORT"
  std::string Endpoint() const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Path-style options for `bucket` with moto's usual dummy credentials.
  objects::S3Options Options(std::string bucket) const;
  // Creates an IAM user allowed s3:* with an access key, then makes moto check every
  // request's signature (and permissions) from then on; returns that key. Only requests
  // signed in the Authorization header pass after this: moto cannot check presigned URLs.
  Result<objects::sigv4::Credentials> EnableAuth();
  // The server's output so far, for failure messages.
  std::string Log() const;

 private:
  explicit MotoTestServer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status Launch(const std::vector<std::string>& env);

  std::filesystem::path dir_;
  int port_ = 0;  // read from the server's log once it listens
  pid_t pid_ = -1;
};

// The moto_server this test process shares, started on first use (and its start error, if
// it could not start, on every call).
Result<MotoTestServer*> SharedMotoServer();

// Options for a new, uniquely named bucket on the shared server (not yet created).
Result<objects::S3Options> NewMotoBucketOptions();

// A store on a fresh bucket (created, versioned) of the shared server; `clock` must outlive
// it. The no-argument form uses a system clock that lives as long as the process.
Result<std::unique_ptr<objects::ObjectStore>> MakeS3StoreForTest(const Clock& clock);
Result<std::unique_ptr<objects::ObjectStore>> MakeS3StoreForTest();

}  // namespace vmsg::test
