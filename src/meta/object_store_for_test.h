// TEST-ONLY: a minimal in-memory ObjectStore for the catalog tests (meta_test and the
// catalog HTTP test), which need some store to delete objects from and presign URLs with.
// It is not a backend: no library links it, and presigned URLs point nowhere. The real
// stores (local, S3) and their conformance suite live in src/blob.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "blob/object_store.h"

namespace vmsg::meta::testing {

class MemoryObjectStoreForTest final : public blob::ObjectStore {
 public:
  std::string_view Name() const override { return "memory-test"; }

  Status Put(std::string_view key, std::string_view data, const blob::PutOptions&) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    objects_[std::string(key)] = std::string(data);
    return Status::Ok();
  }
  Status PutFile(std::string_view, const std::filesystem::path&, const blob::PutOptions&) override {
    return Status::Unimplemented("test store");
  }
  Result<blob::ObjectInfo> Get(std::string_view key, const blob::ChunkSink& sink,
                               std::optional<blob::ByteRange>) override {
    VMSG_ASSIGN_OR_RETURN(blob::ObjectInfo info, Head(key));
    std::string data;
    {
      std::lock_guard lock(mutex_);
      data = objects_[std::string(key)];
    }
    VMSG_RETURN_IF_ERROR(sink(data));
    return info;
  }
  Result<blob::ObjectInfo> Head(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound("no object " + std::string(key));
    return blob::ObjectInfo{.key = it->first, .size = it->second.size()};
  }
  Status Delete(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    if (failing_deletes_.contains(std::string(key))) {
      return Status::Unavailable("injected failure deleting " + std::string(key));
    }
    objects_.erase(std::string(key));
    return Status::Ok();
  }
  Result<blob::ListPage> List(std::string_view, std::string_view, int) override {
    return Status::Unimplemented("test store");
  }
  Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    return "http://objects.test/" + std::string(key) +
           "?expires_in=" + std::to_string(expires_in.count());
  }
  Result<blob::PresignedPost> PresignPost(const blob::PostPolicy&) override {
    return Status::Unimplemented("test store");
  }
  Status ApplyLifecycle(const std::vector<blob::LifecycleRule>&) override {
    return Status::Unimplemented("test store");
  }
  Status CheckReachable() override { return Status::Ok(); }

  bool Has(const std::string& key) {
    std::lock_guard lock(mutex_);
    return objects_.contains(key);
  }
  // Deletes of `key` fail with Unavailable from now on (a store outage).
  void FailDeletesOf(const std::string& key) {
    std::lock_guard lock(mutex_);
    failing_deletes_.insert(key);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> objects_;  // GUARDED_BY(mutex_)
  std::set<std::string> failing_deletes_;       // GUARDED_BY(mutex_)
};

}  // namespace vmsg::meta::testing
