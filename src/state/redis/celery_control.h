// Celery's remote control, the part that concerns vmsg: `app.control.revoke(task_id)` (and
// `AsyncResult.revoke()`) from a Python program reaches every vmsg process on Redis.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "state/redis/redis_client.h"

namespace vmsg::state {

// Listens on the broker's pidbox channel (celery_message.h) on a thread of its own and
// hands every task id a `revoke` names to `on_revoke`, until destroyed. Commands meant for
// named workers, expired ones and every other method are ignored. A broken subscription (a
// Redis restart) is opened again with backoff; commands published meanwhile are lost, as
// they are for Celery's own workers.
class CeleryControlListener {
 public:
  // Subscribes before returning, so every later revoke is seen. A command's `expires` is
  // compared with `clock`. Errors as NewRedisClient and Subscribe. `clock` and `logger`
  // must outlive the listener.
  static Result<std::unique_ptr<CeleryControlListener>> Start(
      const RedisOptions& broker, std::function<void(const std::string&)> on_revoke,
      const Clock& clock, const Logger& logger);
  virtual ~CeleryControlListener() = default;
};

}  // namespace vmsg::state
