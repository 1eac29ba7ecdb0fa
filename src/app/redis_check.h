// Start-up checks of the configured Redis (issue 9): that it answers, and how it keeps its
// data across a restart (AOF, RDB save points, the last save's outcome), so an operator
// learns at start-up, not after a crash, that queued tasks would not survive one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/result.h"
#include "config/config.h"
#include "state/redis/redis_client.h"

namespace vmsg {

// What INFO persistence and CONFIG GET say. CONFIG is often renamed away on managed Redis;
// then the fields only CONFIG tells (appendfsync, the save points) are unknown (nullopt).
struct RedisPersistence {
  bool aof_enabled = false;
  std::optional<std::string> appendfsync;  // always, everysec or no
  std::optional<std::string> save_points;  // "900 1 300 10": seconds and changes; "" none
  std::string rdb_last_bgsave_status;      // ok or err
  std::string aof_last_write_status;       // ok or err (meaningful with AOF on)
  int64_t rdb_last_save_time = 0;          // Unix seconds
  int64_t rdb_changes_since_last_save = 0;

  // False only when it is known that neither AOF nor RDB snapshots are on: every queued
  // task and result would be lost on a restart.
  bool Durable() const;
  // "AOF on (appendfsync everysec), RDB save 900 1 300 10, last save ok"
  std::string Summary() const;
};

// INFO persistence plus CONFIG GET appendfsync / save (an error reply to CONFIG leaves those
// nullopt). Unavailable when the server does not answer.
Result<RedisPersistence> ReadRedisPersistence(state::RedisClient& client);

// For serve and worker, with REDIS_URL set: connects once (an unreachable server is
// Unavailable, its message naming the URL without its password) and logs the persistence
// settings as one line, as a warning when the data would not survive a restart.
Status CheckRedisAtStartup(const Config& config, const Logger& logger);

}  // namespace vmsg
