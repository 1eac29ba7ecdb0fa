// The Redis job queue, laid out as kombu's Redis transport lays out a Celery queue, so that
// Celery clients and our workers share it (see redis_job_queue.cc for the keys).
#pragma once

#include <functional>
#include <memory>

#include "base/clock.h"
#include "state/redis/redis_client.h"
#include "state/state.h"

namespace vmsg::state {

// Jobs another producer queued carry no max_retries; they get this many.
inline constexpr int kForeignJobMaxRetries = 3;

// `client` talks to the broker DB. `jitter` as NewRedisBackend's; `clock` must outlive it.
std::unique_ptr<JobQueue> NewRedisJobQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                                           std::function<double()> jitter);

}  // namespace vmsg::state
