// An ObjectStore decorator that counts requests and errors per operation into the metrics
// registry (vmsg_object_store_requests_total / _errors_total), and the background measure
// of a store's object count and size (vmsg_object_store_objects / _bytes).
#pragma once

#include <cstdint>
#include <memory>

#include "base/result.h"
#include "metrics/registry.h"
#include "objects/object_store.h"

namespace vmsg::metrics {

// Wraps `inner` (which it owns). Every call is passed through and counted under its
// operation: put (Put and PutFile), get, head, delete, list, presign_get, presign_post,
// apply_lifecycle, check_reachable. A failed call also counts as an error, except NotFound,
// which is an answer (Exists asks Head), not a failure of the store. Registers the two
// counter families in `registry`, once per registry.
std::unique_ptr<objects::ObjectStore> NewCountingObjectStore(
    std::unique_ptr<objects::ObjectStore> inner, Registry& registry);

struct StoreUsage {
  int64_t objects = 0;
  uint64_t bytes = 0;
};

// Lists the whole store page by page and adds up the objects and their sizes. Costs one
// List request per `page_size` objects: run it from a periodic task, never per scrape.
inline constexpr int kListPageSize = 1000;
Result<StoreUsage> MeasureStore(objects::ObjectStore& store, int page_size = kListPageSize);

}  // namespace vmsg::metrics
