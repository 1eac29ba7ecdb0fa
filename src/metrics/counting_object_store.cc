// Counting decorator over any ObjectStore.
#include "metrics/counting_object_store.h"

#include <array>

namespace vmsg::metrics {
namespace {

enum Op {
  kPut,
  kGet,
  kHead,
  kDelete,
  kList,
  kPresignGet,
  kPresignPost,
  kApplyLifecycle,
  kCheckReachable,
  kOpCount
};
constexpr std::array<const char*, kOpCount> kOpNames = {"put",
                                                        "get",
                                                        "head",
                                                        "delete",
                                                        "list",
                                                        "presign_get",
                                                        "presign_post",
                                                        "apply_lifecycle",
                                                        "check_reachable"};

class CountingObjectStore final : public objects::ObjectStore {
 public:
  CountingObjectStore(std::unique_ptr<objects::ObjectStore> inner, Registry& registry)
      : inner_(std::move(inner)) {
    auto& requests = registry.AddCounter("vmsg_object_store_requests_total",
                                         "Object store calls, by operation.", {"operation"});
    auto& errors = registry.AddCounter(
        "vmsg_object_store_errors_total",
        "Object store calls that failed (NotFound excluded), by operation.", {"operation"});
    // Every series exists from the start, so rates work from the first scrape.
    for (int op = 0; op < kOpCount; ++op) {
      requests_[op] = &requests.With({kOpNames[op]});
      errors_[op] = &errors.With({kOpNames[op]});
    }
  }

  std::string_view Name() const override { return inner_->Name(); }

  Status Put(std::string_view key, std::string_view data,
             const objects::PutOptions& options) override {
    return Count(kPut, inner_->Put(key, data, options));
  }
  Status PutFile(std::string_view key, const std::filesystem::path& file,
                 const objects::PutOptions& options) override {
    return Count(kPut, inner_->PutFile(key, file, options));
  }
  Result<objects::ObjectInfo> Get(std::string_view key, const objects::ChunkSink& sink,
                                  std::optional<objects::ByteRange> range) override {
    return Count(kGet, inner_->Get(key, sink, range));
  }
  Result<objects::ObjectInfo> Head(std::string_view key) override {
    return Count(kHead, inner_->Head(key));
  }
  Status Delete(std::string_view key) override { return Count(kDelete, inner_->Delete(key)); }
  Result<objects::ListPage> List(std::string_view prefix, std::string_view continuation_token,
                                 int max_keys) override {
    return Count(kList, inner_->List(prefix, continuation_token, max_keys));
  }
  Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) override {
    return Count(kPresignGet, inner_->PresignGet(key, expires_in));
  }
  Result<objects::PresignedPost> PresignPost(const objects::PostPolicy& policy) override {
    return Count(kPresignPost, inner_->PresignPost(policy));
  }
  Status ApplyLifecycle(const std::vector<objects::LifecycleRule>& rules) override {
    return Count(kApplyLifecycle, inner_->ApplyLifecycle(rules));
  }
  Status CheckReachable() override { return Count(kCheckReachable, inner_->CheckReachable()); }

 private:
  void Record(Op op, const Status& status) {
    requests_[op]->Inc();
    if (!status.ok() && status.code() != StatusCode::kNotFound) errors_[op]->Inc();
  }
  Status Count(Op op, Status status) {
    Record(op, status);
    return status;
  }
  template <typename T>
  Result<T> Count(Op op, Result<T> result) {
    Record(op, result.ok() ? Status::Ok() : result.status());
    return result;
  }

  std::unique_ptr<objects::ObjectStore> inner_;
  std::array<Counter*, kOpCount> requests_{};
  std::array<Counter*, kOpCount> errors_{};
};

}  // namespace

std::unique_ptr<objects::ObjectStore> NewCountingObjectStore(
    std::unique_ptr<objects::ObjectStore> inner, Registry& registry) {
  return std::make_unique<CountingObjectStore>(std::move(inner), registry);
}

Result<StoreUsage> MeasureStore(objects::ObjectStore& store, int page_size) {
  StoreUsage usage;
  std::string token;
  do {
    VMSG_ASSIGN_OR_RETURN(objects::ListPage page, store.List("", token, page_size));
    for (const objects::ObjectInfo& object : page.objects) {
      ++usage.objects;
      usage.bytes += object.size;
    }
    token = std::move(page.next_token);
  } while (!token.empty());
  return usage;
}

}  // namespace vmsg::metrics
