// See memory_object_store.h.
#include "testing/memory_object_store.h"

#include <fstream>
#include <sstream>

namespace vmsg::test {

const Clock& MemoryObjectStore::SystemClockForTests() {
  static const std::unique_ptr<Clock> clock = NewSystemClock();
  return *clock;
}

Status MemoryObjectStore::Put(std::string_view key, std::string_view data,
                              const objects::PutOptions& options) {
  VMSG_RETURN_IF_ERROR(objects::ValidateKey(key));
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

Status MemoryObjectStore::PutFile(std::string_view key, const std::filesystem::path& file,
                                  const objects::PutOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return Put(key, bytes.str(), options);
}

Result<objects::ObjectInfo> MemoryObjectStore::Get(std::string_view key,
                                                   const objects::ChunkSink& sink,
                                                   std::optional<objects::ByteRange> range) {
  VMSG_RETURN_IF_ERROR(objects::ValidateKey(key));
  std::string data;
  objects::ObjectInfo info;
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

Result<objects::ObjectInfo> MemoryObjectStore::Head(std::string_view key) {
  VMSG_RETURN_IF_ERROR(objects::ValidateKey(key));
  std::lock_guard lock(mutex_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return Status::NotFound("no object " + std::string(key));
  return it->second.info;
}

Status MemoryObjectStore::Delete(std::string_view key) {
  VMSG_RETURN_IF_ERROR(objects::ValidateKey(key));
  std::lock_guard lock(mutex_);
  if (failing_deletes_.contains(std::string(key))) {
    return Status::Unavailable("injected failure deleting " + std::string(key));
  }
  objects_.erase(std::string(key));
  return Status::Ok();
}

Result<objects::ListPage> MemoryObjectStore::List(std::string_view prefix,
                                                  std::string_view continuation_token,
                                                  int max_keys) {
  std::lock_guard lock(mutex_);
  objects::ListPage page;
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

Result<std::string> MemoryObjectStore::PresignGet(std::string_view key,
                                                  std::chrono::seconds expires_in) {
  VMSG_RETURN_IF_ERROR(objects::ValidateKey(key));
  return "http://objects.test/" + std::string(key) +
         "?expires_in=" + std::to_string(expires_in.count());
}

Result<objects::PresignedPost> MemoryObjectStore::PresignPost(const objects::PostPolicy&) {
  return Status::Unimplemented("the memory store takes no browser uploads");
}

Status MemoryObjectStore::ApplyLifecycle(const std::vector<objects::LifecycleRule>&) {
  return Status::Unimplemented("the memory store keeps objects until deleted");
}

bool MemoryObjectStore::Has(const std::string& key) {
  std::lock_guard lock(mutex_);
  return objects_.contains(key);
}

void MemoryObjectStore::FailDeletesOf(const std::string& key) {
  std::lock_guard lock(mutex_);
  failing_deletes_.insert(key);
}

std::unique_ptr<objects::ObjectStore> NewMemoryObjectStore(const Clock& clock) {
  return std::make_unique<MemoryObjectStore>(clock);
}

}  // namespace vmsg::test
