// The ObjectStore conformance suite: every backend must pass the same tests, using only the
// interface and plain HTTP requests to the URLs and forms the store returns. Backends are
// listed by TestStores() (object_stores_for_test.cc).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "objects/object_store.h"

namespace vmsg::testing {

struct StoreUnderTest {
  std::unique_ptr<objects::ObjectStore> store;
  // Whatever the store needs to stay usable (a server for its URLs, a temp dir). Members
  // are destroyed in reverse order, so this goes first: a server using the store stops
  // before the store does.
  std::shared_ptr<void> keep_alive;
};

struct StoreFactory {
  std::string name;
  // A fresh store; it may share a bucket with earlier ones, so tests use keys of their own.
  std::function<Result<StoreUnderTest>()> make;
  // Whether the endpoint refuses tampered or expired presigned URLs and forms that break
  // their policy. Real S3 and the local store do; moto (the local S3 emulator) checks
  // neither, so on it only the accepting half of those tests can run. Our signatures
  // themselves are checked against AWS's vectors and botocore (sigv4_test).
  bool enforces_signatures = true;
};

std::vector<StoreFactory> TestStores();

// Test names and failure messages show the backend's name.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

}  // namespace vmsg::testing
