// The distributed state backend: every state interface over Redis, with the spec's key
// names and JSON records so that Celery tools can read them.
//
// Where things live:
// - results_and_state DB (spec: DB 1, CELERY_RESULT_BACKEND): celery-task-meta-{id},
//   progress:{id}, ws:session:{id}, ratelimit:{ip} (a hash: count, window_start) and the
//   sidecar sorted set vmsg:expiry.
// - broker DB (spec: DB 0, CELERY_BROKER_URL): the job queue as Celery task messages on
//   kombu's lists, with kombu's unacked bookkeeping and ours under vmsg:queue:
//   (redis_job_queue.cc), so Celery clients and workers share it.
//
// Expiry: every record gets the real Redis TTL the spec asks for (cleanup in production)
// and also its expiry by the injected Clock in vmsg:expiry (member = key, score = ms).
// Reads (Lua) treat a key whose score has passed as absent and delete it, so a FakeClock
// moves expiry exactly as it does for SQLite; with a real clock both agree.
#pragma once

#include <cstdint>
#include <functional>

#include "base/clock.h"
#include "base/result.h"
#include "state/redis/redis_client.h"
#include "state/state.h"

namespace vmsg::state {

// Connects to both URLs (one pool each; they may name the same server). Every interface is
// thread-safe and atomic across processes (each operation is one Lua script or command).
// `jitter` is a uniform [0, 1) source for retry backoff, called under a mutex; empty: a
// std::mt19937_64 seeded from std::random_device. `clock` must outlive the backend.
// Errors as NewRedisClient. description: the results_and_state URL without the password.
Result<StateBackend> NewRedisBackend(const RedisOptions& results_and_state,
                                     const RedisOptions& broker, const Clock& clock,
                                     std::function<double()> jitter = {});

// How long a waiting Fetch blocks on the wake-up list before trying the queue again even
// without a wake-up (covers a lost token, e.g. a crashed process).
inline constexpr std::chrono::seconds kRedisFetchPollInterval{1};

// One pass of the expiry sweep: deletes every record whose expiry by `clock` has passed
// (per vmsg:expiry) and returns how many. Thread-safe. `clock` must outlive the function.
using RedisExpirySweep = std::function<Result<int64_t>()>;
Result<RedisExpirySweep> NewRedisSweeper(const RedisOptions& results_and_state, const Clock& clock);

}  // namespace vmsg::state
