// An in-memory ObjectStore for pipeline tests: Put/Get/Head/Delete/List over a map, with
// the real key validation. Presigning and lifecycle rules answer Unimplemented: no test of
// the pipeline needs them. Never linked into vmsg.
#pragma once

#include <memory>

#include "blob/object_store.h"
#include "common/clock.h"

namespace vmsg::pipeline::testing {

// Thread-safe. `clock` stamps last_modified and must outlive the store.
std::unique_ptr<blob::ObjectStore> NewMemoryObjectStore(const Clock& clock);

}  // namespace vmsg::pipeline::testing
