// The embedded state backend: every state interface over one SQLite file in WAL mode, with
// in-process notifications for queue waits and progress subscriptions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "base/clock.h"
#include "base/env.h"
#include "base/result.h"
#include "state/state.h"

namespace vmsg::state {

struct SqliteOptions {
  // The database file, e.g. data/state.sqlite3; missing parent folders are created.
  std::filesystem::path path;
  // Uniform [0, 1) source for retry jitter; called under the backend's lock. Empty: a
  // std::mt19937_64 seeded from std::random_device.
  std::function<double()> jitter;
  // Monotonic time for queue waits and the ping (null: Env::Default()).
  Env* env = nullptr;
};

// Opens (creating if needed) the database in WAL mode with a busy timeout, creates or checks
// the schema (versioned with PRAGMA user_version) and returns every interface backed by it.
// All interfaces share one connection guarded by a mutex, so every method is thread-safe.
// Several backends (or processes) may open the same file: queue fetches, rate-limit hits
// and all other writes stay atomic across them (IMMEDIATE transactions, waiting on the
// busy timeout). In-process notifications do not cross backends: a progress subscriber
// hears only the Publish calls of its own backend, and a Fetch waiting on one backend
// notices jobs enqueued through another by polling at most every kSqliteFetchPollInterval.
// `clock` must outlive the backend. Unavailable (with the path and SQLite's message) when
// the file cannot be opened or is not a database; FailedPrecondition when its schema is
// newer than this build.
Result<StateBackend> NewSqliteBackend(const SqliteOptions& options, const Clock& clock);

// How often a waiting Fetch re-reads the database when no in-process event woke it.
inline constexpr std::chrono::milliseconds kSqliteFetchPollInterval{200};

// One pass of the periodic sweep: deletes every result, progress, session and rate-limit
// record whose expiry has passed at clock.Now(), and returns how many it deleted. (Reads
// already treat expired records as absent; the sweep only reclaims space.) Queue rows and
// dead jobs are never swept.
using ExpirySweep = std::function<Result<int64_t>()>;

// Opens its own connection to the file at `options.path` (same rules and errors as
// NewSqliteBackend) and returns the sweep over it; the function is thread-safe and may run
// beside any number of backends on that file. `clock` must outlive the function.
Result<ExpirySweep> NewSqliteSweeper(const SqliteOptions& options, const Clock& clock);

}  // namespace vmsg::state
