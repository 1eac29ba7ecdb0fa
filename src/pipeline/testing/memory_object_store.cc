// See memory_object_store.h.
#include "pipeline/testing/memory_object_store.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace vmsg::pipeline::testing {
namespace {

struct Stored {
  std::string data;
  blob::ObjectInfo info;
};

class MemoryObjectStore final : public blob::ObjectStore {
 public:
  explicit MemoryObjectStore(const Clock& clock) : clock_(clock) {}

  std::string_view Name() const override { return "memory"; }

  Status Put(std::string_view key, std::string_view data,
             const blob::PutOptions& options) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    Stored& stored = objects_[std::string(key)];
    stored.data = std::string(data);
    stored.info.key = std::string(key);
    stored.info.size = data.size();
    stored.info.last_modified = clock_.Now();
    stored.info.etag = "\"" + std::to_string(++version_) + "\"";
    stored.info.content_type = options.content_type;
    return Status::Ok();
  }

  Status PutFile(std::string_view key, const std::filesystem::path& file,
                 const blob::PutOptions& options) override {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::NotFound("cannot open " + file.string());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return Put(key, bytes.str(), options);
  }

  Result<blob::ObjectInfo> Get(std::string_view key, const blob::ChunkSink& sink,
                               std::optional<blob::ByteRange> range) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::string data;
    blob::ObjectInfo info;
    {
      std::lock_guard lock(mutex_);
      auto it = objects_.find(std::string(key));
      if (it == objects_.end()) return Status::NotFound("no object " + std::string(key));
      data = it->second.data;
      info = it->second.info;
    }
    std::string_view view = data;
    if (range) {
      if (range->first >= data.size() && !data.empty()) {
        return Status::InvalidArgument("range starts past the end", "range_not_satisfiable");
      }
      const uint64_t last = std::min<uint64_t>(range->last.value_or(data.size() - 1),
                                               data.empty() ? 0 : data.size() - 1);
      view = view.substr(range->first, last + 1 - range->first);
    }
    VMSG_RETURN_IF_ERROR(sink(view));
    return info;
  }

  Result<blob::ObjectInfo> Head(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Status::NotFound("no object " + std::string(key));
    return it->second.info;
  }

  Status Delete(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(blob::ValidateKey(key));
    std::lock_guard lock(mutex_);
    objects_.erase(std::string(key));
    return Status::Ok();
  }

  Result<blob::ListPage> List(std::string_view prefix, std::string_view continuation_token,
                              int max_keys) override {
    std::lock_guard lock(mutex_);
    blob::ListPage page;
    for (auto it = objects_.lower_bound(std::string(prefix)); it != objects_.end(); ++it) {
      if (!it->first.starts_with(prefix)) break;
      if (!continuation_token.empty() && it->first <= continuation_token) continue;
      if (static_cast<int>(page.objects.size()) == max_keys) {
        page.next_token = page.objects.back().key;
        break;
      }
      page.objects.push_back(it->second.info);
    }
    return page;
  }

  Result<std::string> PresignGet(std::string_view, std::chrono::seconds) override {
    return Status::Unimplemented("the memory store has no URLs");
  }
  Result<blob::PresignedPost> PresignPost(const blob::PostPolicy&) override {
    return Status::Unimplemented("the memory store has no URLs");
  }
  Status ApplyLifecycle(const std::vector<blob::LifecycleRule>&) override {
    return Status::Unimplemented("the memory store keeps objects until deleted");
  }
  Status CheckReachable() override { return Status::Ok(); }

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Stored> objects_;  // GUARDED_BY(mutex_)
  uint64_t version_ = 0;                   // GUARDED_BY(mutex_)
};

}  // namespace

std::unique_ptr<blob::ObjectStore> NewMemoryObjectStore(const Clock& clock) {
  return std::make_unique<MemoryObjectStore>(clock);
}

}  // namespace vmsg::pipeline::testing
