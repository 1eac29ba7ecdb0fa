#include "state/redis/celery_control.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "state/redis/celery_message.h"

namespace vmsg::state {
namespace {

constexpr std::string_view kComponent = "celery";
// How long one wait for a command lasts, and the backoff after a broken subscription.
constexpr std::chrono::seconds kListenWait{1};
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::seconds kMaxBackoff{5};

class PidboxListener final : public CeleryControlListener {
 public:
  PidboxListener(std::unique_ptr<RedisClient> client, std::unique_ptr<RedisSubscription> sub,
                 std::string channel, std::function<void(const std::string&)> on_revoke,
                 const Clock& clock, const Logger& logger)
      : client_(std::move(client)),
        sub_(std::move(sub)),
        channel_(std::move(channel)),
        on_revoke_(std::move(on_revoke)),
        clock_(clock),
        logger_(logger),
        thread_([this] { Run(); }) {}

  ~PidboxListener() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      if (sub_) sub_->Close();
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
    while (true) {
      RedisSubscription* sub = nullptr;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        sub = sub_.get();
      }
      Result<std::optional<std::string>> message =
          sub != nullptr ? sub->Next(kListenWait) : Status::Unavailable("not subscribed");
      if (message.ok()) {
        backoff = kFirstBackoff;
        if (message->has_value()) Handle(**message);
        continue;
      }
      if (!Resubscribe(message.status(), backoff)) return;
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
  }

  // After a failure: waits `backoff` (or until stopped), then subscribes again. False once
  // stopping.
  bool Resubscribe(const Status& why, std::chrono::milliseconds backoff) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return false;
      logger_.Warning(
          kComponent, "control channel lost; subscribing again",
          {{"channel", channel_}, {"error", why.ToString()}, {"retry_in_ms", backoff.count()}});
      sub_.reset();
      if (wake_.wait_for(lock, backoff, [this] { return stopping_; })) return false;
    }
    Result<std::unique_ptr<RedisSubscription>> again = client_->Subscribe(channel_);
    std::lock_guard lock(mutex_);
    if (again.ok()) sub_ = std::move(*again);
    return !stopping_;
  }

  void Handle(const std::string& raw) {
    Result<celery::ControlCommand> command = celery::DecodeControlCommand(raw);
    if (!command.ok()) {
      logger_.Debug(kComponent, "control message ignored",
                    {{"error", command.status().ToString()}});
      return;
    }
    const double now = std::chrono::duration<double>(clock_.Now().time_since_epoch()).count();
    if (command->addressed || (command->expires && *command->expires < now)) return;
    for (const std::string& id : celery::RevokedTaskIds(*command)) {
      logger_.Info(kComponent, "revoke received", {{"task_id", id}});
      on_revoke_(id);
    }
  }

  std::unique_ptr<RedisClient> client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;                   // GUARDED_BY(mutex_)
  std::unique_ptr<RedisSubscription> sub_;  // GUARDED_BY(mutex_); Next runs unlocked
  const std::string channel_;
  const std::function<void(const std::string&)> on_revoke_;
  const Clock& clock_;
  const Logger& logger_;
  std::thread thread_;  // last: starts once everything above is set
};

}  // namespace

Result<std::unique_ptr<CeleryControlListener>> CeleryControlListener::Start(
    const RedisOptions& broker, std::function<void(const std::string&)> on_revoke,
    const Clock& clock, const Logger& logger) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> client, NewRedisClient(broker));
  std::string channel = celery::PidboxChannel(client->endpoint().db);
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<RedisSubscription> sub, client->Subscribe(channel));
  return std::unique_ptr<CeleryControlListener>(std::make_unique<PidboxListener>(
      std::move(client), std::move(sub), std::move(channel), std::move(on_revoke), clock, logger));
}

}  // namespace vmsg::state
