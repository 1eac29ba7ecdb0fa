// An in-memory ObjectStore for tests: Put/Get/Head/Delete/List over a map, with the real key
// validation. PresignGet gives "http://objects.test/{key}?expires_in=N" (a URL that points
// nowhere, for code that only passes URLs on); PresignPost and lifecycle rules answer
// Unimplemented. Never linked into vmsg: the real stores and their conformance suite are in
// src/objects.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/clock.h"
#include "objects/object_store.h"

namespace vmsg::test {

// Thread-safe.
class MemoryObjectStore final : public objects::ObjectStore {
 public:
  // `clock` stamps last_modified and must outlive the store; by default the system's.
  explicit MemoryObjectStore(const Clock& clock = SystemClockForTests()) : clock_(clock) {}

  static const Clock& SystemClockForTests();

  std::string_view Name() const override { return "memory"; }
  Status Put(std::string_view key, std::string_view data,
             const objects::PutOptions& options) override;
  Status PutFile(std::string_view key, const std::filesystem::path& file,
                 const objects::PutOptions& options) override;
  Result<objects::ObjectInfo> Get(std::string_view key, const objects::ChunkSink& sink,
                                  std::optional<objects::ByteRange> range) override;
  Result<objects::ObjectInfo> Head(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Result<objects::ListPage> List(std::string_view prefix, std::string_view continuation_token,
                                 int max_keys) override;
  Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) override;
  Result<objects::PresignedPost> PresignPost(const objects::PostPolicy&) override;
  Status ApplyLifecycle(const std::vector<objects::LifecycleRule>&) override;
  Status CheckReachable() override { return Status::Ok(); }

  bool Has(const std::string& key);
  // Deletes of `key` fail with Unavailable from now on (a store outage).
  void FailDeletesOf(const std::string& key);

 private:
  struct Stored {
    std::string data;
    objects::ObjectInfo info;
  };

  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Stored> objects_;  // GUARDED_BY(mutex_)
  std::set<std::string> failing_deletes_;  // GUARDED_BY(mutex_)
  uint64_t version_ = 0;                   // GUARDED_BY(mutex_)
};

// The same, owned.
std::unique_ptr<objects::ObjectStore> NewMemoryObjectStore(const Clock& clock);

}  // namespace vmsg::test
