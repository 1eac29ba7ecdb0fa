// Opening the configured object store, shared by the services (serve, worker) and the
// one-shot commands (backup): S3 when S3_BUCKET is set (bucket checked or created,
// versioning enabled), else the local store under the data dir; the spec's lifecycle rules
// applied to either; and the configured task state (SQLite, or Redis with REDIS_URL).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "config/config.h"
#include "objects/local/local_store.h"
#include "objects/object_store.h"
#include "state/state.h"

namespace vmsg {

struct OpenedObjectStore {
  std::unique_ptr<objects::ObjectStore> store;
  // The same store when it is the local one (it needs a lifecycle sweeper and serves its
  // own URLs); null on S3.
  objects::LocalObjectStore* local = nullptr;
  // On S3, what the start-up checks read back from the bucket after setting it up
  // ("versioning Enabled, lifecycle rules ..."); empty for the local store.
  std::string checked;
};

// Errors name the setting at fault (S3's own answer for a wrong bucket, endpoint or key).
// On S3 the versioning and lifecycle settings are read back after being applied: a bucket
// that does not report them (a store that ignores them) is FailedPrecondition, naming what
// it reported.
Result<OpenedObjectStore> OpenObjectStore(const Config& config, const Clock& clock);

// Where the embedded task state lives: <data dir>/state.sqlite3.
std::filesystem::path StateDatabasePath(const Config& config);

// The task state backend the configuration names: Redis (results and state on
// CELERY_RESULT_BACKEND, the queue on CELERY_BROKER_URL, `max_connections` each) when
// REDIS_URL is set, else SQLite at StateDatabasePath.
Result<state::StateBackend> OpenStateBackend(const Config& config, const Clock& clock,
                                             int max_connections);

}  // namespace vmsg
