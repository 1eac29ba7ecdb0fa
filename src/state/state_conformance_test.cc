// The conformance suite every state backend must pass, with a fake clock: the contracts of
// state.h (TTLs, expiry, priority order, redelivery, retries and the dead set,
// cancellation, atomic rate limits, ordered progress delivery). Backends register a
// factory in state_backends_for_test.cc.
#include "state/state_conformance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "base/ids.h"

namespace vmsg::state {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class StateConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    Result<StateBackend> backend = GetParam().make(clock_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
  }

  JobSpec Spec(std::string name = "test.noop", int priority = 5) {
    JobSpec spec;
    spec.task_id = ids_.NewUuid();
    spec.task_name = std::move(name);
    spec.priority = priority;
    spec.args = {{"n", ++counter_}};
    return spec;
  }

  std::optional<Reservation> FetchNow(Duration visibility = 30s) {
    auto r = backend_.queue->Fetch(visibility, 0s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 1 / 2) + 10h};
  IdGenerator ids_{99};
  StateBackend backend_;
  int counter_ = 0;
};

// --- JobQueue ------------------------------------------------------------------------

TEST_P(StateConformanceTest, EnqueueFetchAck) {
  EXPECT_FALSE(FetchNow().has_value());
  JobSpec spec = Spec("vmsg.generate_video");
  spec.args = {{"text", "おめでとう"}, {"person_index", 0}};
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  auto r = FetchNow(30s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->job.task_id, spec.task_id);
  EXPECT_EQ(r->job.task_name, "vmsg.generate_video");
  EXPECT_EQ(r->job.args, spec.args);
  EXPECT_EQ(r->job.attempt, 0);
  EXPECT_EQ(r->expires_at, clock_.Now() + 30s);
  EXPECT_FALSE(FetchNow().has_value());  // reserved: invisible to others
  EXPECT_TRUE(backend_.queue->Ack(*r).ok());
  EXPECT_TRUE(backend_.queue->Ack(*r).IsNotFound());  // a delivery is acked once
  auto stats = backend_.queue->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready + stats->reserved + stats->delayed + stats->dead, 0);
}

TEST_P(StateConformanceTest, AckAndFetchAcksThenTakesTheNextJobs) {
  std::vector<JobSpec> specs;
  for (int i = 0; i < 5; ++i) {
    specs.push_back(Spec());
    ASSERT_TRUE(backend_.queue->Enqueue(specs.back()).ok());
  }
  auto first = backend_.queue->AckAndFetch({}, 30s, 0s, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->fetched.size(), 1u);
  EXPECT_EQ(first->fetched[0].job.task_id, specs[0].task_id);

  // Acks the first, takes up to three more in queue order, each with its own token.
  auto next = backend_.queue->AckAndFetch(first->fetched, 30s, 0s, 3);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->stale, 0);
  ASSERT_EQ(next->fetched.size(), 3u);
  std::set<std::string> tokens;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(next->fetched[i].job.task_id, specs[i + 1].task_id);
    EXPECT_EQ(next->fetched[i].job.args, specs[i + 1].args);
    EXPECT_EQ(next->fetched[i].expires_at, clock_.Now() + 30s);
    tokens.insert(next->fetched[i].token);
  }
  EXPECT_EQ(tokens.size(), 3u);
  EXPECT_TRUE(backend_.queue->Ack(first->fetched[0]).IsNotFound());  // already acked
  EXPECT_EQ(backend_.queue->Stats()->reserved, 3);

  // A stale reservation is skipped and counted; the held ones are acked; only what is
  // ready is taken.
  std::vector<Reservation> done = next->fetched;
  done.push_back(first->fetched[0]);
  auto last = backend_.queue->AckAndFetch(done, 30s, 0s, 4);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->stale, 1);
  ASSERT_EQ(last->fetched.size(), 1u);
  EXPECT_EQ(last->fetched[0].job.task_id, specs[4].task_id);

  // Acked even when nothing is left to take.
  auto none = backend_.queue->AckAndFetch(last->fetched, 30s, 0s, 2);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->fetched.empty());
  auto stats = backend_.queue->Stats();
  EXPECT_EQ(stats->ready + stats->reserved + stats->delayed + stats->dead, 0);

  EXPECT_TRUE(backend_.queue->AckAndFetch({}, 30s, 0s, 0).status().IsInvalidArgument());
  EXPECT_TRUE(
      backend_.queue->AckAndFetch({}, 30s, 0s, kMaxFetchBatch + 1).status().IsInvalidArgument());
}

TEST_P(StateConformanceTest, RejectsBadAndDuplicateJobs) {
  JobSpec bad = Spec();
  bad.priority = 10;
  EXPECT_TRUE(backend_.queue->Enqueue(bad).IsInvalidArgument());
  bad.priority = -1;
  EXPECT_TRUE(backend_.queue->Enqueue(bad).IsInvalidArgument());
  JobSpec unnamed = Spec("");
  EXPECT_TRUE(backend_.queue->Enqueue(unnamed).IsInvalidArgument());
  JobSpec spec = Spec();
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  EXPECT_EQ(backend_.queue->Enqueue(spec).code(), StatusCode::kAlreadyExists);
}

TEST_P(StateConformanceTest, HigherPriorityFirstThenOldestFirst) {
  std::vector<JobSpec> specs = {Spec("a", 1), Spec("b", 9), Spec("c", 5), Spec("d", 9),
                                Spec("e", 0)};
  for (const auto& s : specs) {
    ASSERT_TRUE(backend_.queue->Enqueue(s).ok());
    clock_.Advance(1ms);
  }
  auto stats = backend_.queue->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready_by_priority.at(kMaxPriority), 2);  // b and d
  int64_t counted = 0;
  for (const auto& [priority, count] : stats->ready_by_priority) counted += count;
  EXPECT_EQ(counted, 5);
  std::string order;
  while (auto r = FetchNow()) order += r->job.task_name;
  EXPECT_EQ(order, "bdcae");
}

TEST_P(StateConformanceTest, DelayedJobsWaitForEnqueueDue) {
  JobSpec spec = Spec();
  spec.delay = 10s;
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  EXPECT_EQ(backend_.queue->Stats()->delayed, 1);
  EXPECT_FALSE(FetchNow().has_value());
  clock_.Advance(9s);
  EXPECT_EQ(*backend_.queue->EnqueueDue(), 0);
  EXPECT_FALSE(FetchNow().has_value());
  clock_.Advance(1s);
  EXPECT_EQ(*backend_.queue->EnqueueDue(), 1);
  auto r = FetchNow();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->job.task_id, spec.task_id);
}

TEST_P(StateConformanceTest, ExpiredReservationsAreRedelivered) {
  JobSpec spec = Spec();
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  auto first = FetchNow(30s);
  ASSERT_TRUE(first.has_value());
  clock_.Advance(29s);
  EXPECT_EQ(*backend_.queue->ReapExpired(), 0);
  clock_.Advance(1s);
  EXPECT_EQ(*backend_.queue->ReapExpired(), 1);
  auto second = FetchNow(30s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->job.task_id, spec.task_id);
  EXPECT_EQ(second->job.attempt, 1);
  EXPECT_NE(second->token, first->token);
  // The worker that lost the job can no longer complete it; the new one can.
  EXPECT_TRUE(backend_.queue->Ack(*first).IsNotFound());
  EXPECT_TRUE(backend_.queue->Fail(*first, Status::Internal("late")).status().IsNotFound());
  EXPECT_TRUE(backend_.queue->Ack(*second).ok());
}

TEST_P(StateConformanceTest, RetryableFailuresBackOffThenDie) {
  JobSpec spec = Spec();
  spec.max_retries = 2;
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  for (int attempt = 0; attempt <= 2; ++attempt) {
    auto r = FetchNow();
    ASSERT_TRUE(r.has_value()) << "attempt " << attempt;
    EXPECT_EQ(r->job.attempt, attempt);
    Result<bool> rescheduled = backend_.queue->Fail(*r, Status::Unavailable("redis down"));
    ASSERT_TRUE(rescheduled.ok());
    if (attempt < 2) {
      EXPECT_TRUE(*rescheduled);
      EXPECT_EQ(backend_.queue->Stats()->delayed, 1);
      // Not before the smallest possible backoff, surely after the largest.
      clock_.Advance(RetryBackoff(attempt, 0.0) - 1s);
      EXPECT_EQ(*backend_.queue->EnqueueDue(), 0);
      clock_.Advance(RetryBackoff(attempt, 1.0));
      EXPECT_EQ(*backend_.queue->EnqueueDue(), 1);
    } else {
      EXPECT_FALSE(*rescheduled);
    }
  }
  auto stats = backend_.queue->Stats();
  EXPECT_EQ(stats->dead, 1);
  EXPECT_EQ(stats->ready + stats->delayed + stats->reserved, 0);
  auto dead = backend_.queue->ListDead(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].job.task_id, spec.task_id);
  EXPECT_THAT((*dead)[0].error, HasSubstr("redis down"));
}

TEST_P(StateConformanceTest, PermanentFailuresDieAtOnce) {
  ASSERT_TRUE(backend_.queue->Enqueue(Spec()).ok());
  auto r = FetchNow();
  ASSERT_TRUE(r.has_value());
  Result<bool> rescheduled =
      backend_.queue->Fail(*r, Status::InvalidArgument("no face", "no_person"));
  ASSERT_TRUE(rescheduled.ok());
  EXPECT_FALSE(*rescheduled);
  EXPECT_EQ(backend_.queue->Stats()->dead, 1);
  EXPECT_THAT(backend_.queue->ListDead(10)->at(0).error, HasSubstr("no face"));
}

TEST_P(StateConformanceTest, ReleaseHandsBackAtOnce) {
  JobSpec spec = Spec();
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  auto r = FetchNow(300s);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(backend_.queue->Release(*r).ok());
  auto again = FetchNow();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->job.task_id, spec.task_id);
  EXPECT_EQ(again->job.attempt, 0);
  EXPECT_TRUE(backend_.queue->Release(*r).IsNotFound());
}

TEST_P(StateConformanceTest, CancelQueuedAndRunning) {
  JobSpec queued = Spec(), running = Spec(), delayed = Spec();
  delayed.delay = 60s;
  ASSERT_TRUE(backend_.queue->Enqueue(running).ok());
  auto r = FetchNow();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(backend_.queue->Enqueue(queued).ok());
  ASSERT_TRUE(backend_.queue->Enqueue(delayed).ok());

  EXPECT_TRUE(backend_.queue->Cancel(queued.task_id).ok());
  EXPECT_TRUE(backend_.queue->Cancel(delayed.task_id).ok());
  clock_.Advance(61s);
  (void)backend_.queue->EnqueueDue();
  EXPECT_FALSE(FetchNow().has_value());  // neither comes back

  EXPECT_FALSE(*backend_.queue->IsCancelRequested(running.task_id));
  EXPECT_TRUE(backend_.queue->Cancel(running.task_id).ok());
  EXPECT_TRUE(*backend_.queue->IsCancelRequested(running.task_id));
  EXPECT_TRUE(backend_.queue->Cancel(ids_.NewUuid()).IsNotFound());
}

TEST_P(StateConformanceTest, ConcurrentFetchersNeverShareAJob) {
  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(backend_.queue->Enqueue(Spec()).ok());
  std::mutex mutex;
  std::multiset<std::string> delivered;
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (;;) {
        auto r = backend_.queue->Fetch(60s, 0s);
        if (!r.ok() || !r->has_value()) break;
        EXPECT_TRUE(backend_.queue->Ack(**r).ok());
        std::lock_guard lock(mutex);
        delivered.insert((*r)->job.task_id);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()).size(),
            static_cast<size_t>(kJobs));
}

TEST_P(StateConformanceTest, BlockingFetchWakesOnEnqueue) {
  std::atomic<bool> started{false};
  std::optional<Reservation> got;
  std::thread fetcher([&] {
    started = true;
    auto r = backend_.queue->Fetch(30s, 20s);
    if (r.ok()) got = *r;
  });
  while (!started) std::this_thread::yield();
  JobSpec spec = Spec();
  ASSERT_TRUE(backend_.queue->Enqueue(spec).ok());
  fetcher.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->job.task_id, spec.task_id);
}

// --- TaskResults ---------------------------------------------------------------------

TEST_P(StateConformanceTest, TaskResultsRoundTripAndExpireAfterADay) {
  TaskResult r;
  r.task_id = ids_.NewUuid();
  r.status = TaskStatus::kSuccess;
  r.result = {{"video_url", "/files/videos/x/final_video.mp4"}, {"duration_seconds", 7.5}};
  r.date_done = clock_.Now();
  ASSERT_TRUE(backend_.results->Put(r).ok());
  Result<TaskResult> got = backend_.results->Get(r.task_id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->ToJson(), r.ToJson());

  clock_.Advance(kTaskResultTtl - 1s);
  EXPECT_TRUE(backend_.results->Get(r.task_id).ok());
  clock_.Advance(1s);
  EXPECT_TRUE(backend_.results->Get(r.task_id).status().IsNotFound());
  EXPECT_TRUE(backend_.results->Get(ids_.NewUuid()).status().IsNotFound());
}

TEST_P(StateConformanceTest, TaskResultPutReplacesAndRestartsTheTtl) {
  TaskResult r;
  r.task_id = ids_.NewUuid();
  r.status = TaskStatus::kStarted;
  ASSERT_TRUE(backend_.results->Put(r).ok());
  clock_.Advance(20h);
  r.status = TaskStatus::kFailure;
  r.result = {{"exc_type", "NoPersonFound"}, {"exc_message", "no face in the photo"}};
  r.date_done = clock_.Now();
  ASSERT_TRUE(backend_.results->Put(r).ok());
  clock_.Advance(20h);
  Result<TaskResult> got = backend_.results->Get(r.task_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, TaskStatus::kFailure);
  EXPECT_EQ(got->result["exc_type"], "NoPersonFound");
}

// --- Progress ------------------------------------------------------------------------

Progress MakeProgress(const std::string& task_id, int percentage, TimePoint at) {
  Progress p;
  p.task_id = task_id;
  p.percentage = percentage;
  p.message = "背景を削除中...";
  p.current_step = "background_removal";
  p.timestamp = at;
  p.final = percentage >= 100 || percentage < 0;
  return p;
}

TEST_P(StateConformanceTest, ProgressLatestAndExpiryAfterCompletion) {
  const std::string task = ids_.NewUuid();
  ASSERT_TRUE(backend_.progress->Publish(MakeProgress(task, 35, clock_.Now())).ok());
  Result<Progress> latest = backend_.progress->Latest(task);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->ToJson(), MakeProgress(task, 35, clock_.Now()).ToJson());
  clock_.Advance(10min);  // running tasks keep their progress
  EXPECT_TRUE(backend_.progress->Latest(task).ok());
  ASSERT_TRUE(backend_.progress->Publish(MakeProgress(task, 100, clock_.Now())).ok());
  clock_.Advance(kProgressTtlAfterCompletion - 1s);
  EXPECT_EQ(backend_.progress->Latest(task)->percentage, 100);
  clock_.Advance(1s);
  EXPECT_TRUE(backend_.progress->Latest(task).status().IsNotFound());
}

TEST_P(StateConformanceTest, SubscribersReceiveEveryUpdateInOrder) {
  const std::string task = ids_.NewUuid(), other = ids_.NewUuid();
  auto sub = backend_.progress->Subscribe(task);
  ASSERT_TRUE(sub.ok()) << sub.status();
  std::thread publisher([&] {
    for (int i = 1; i <= 50; ++i) {
      ASSERT_TRUE(backend_.progress->Publish(MakeProgress(other, i, clock_.Now())).ok());
      ASSERT_TRUE(backend_.progress->Publish(MakeProgress(task, i * 2, clock_.Now())).ok());
    }
  });
  std::vector<int> seen;
  while (seen.size() < 50) {
    Result<std::optional<Progress>> next = (*sub)->Next(20s);
    ASSERT_TRUE(next.ok()) << next.status();
    ASSERT_TRUE(next->has_value()) << "timed out after " << seen.size() << " updates";
    EXPECT_EQ((*next)->task_id, task);
    seen.push_back((*next)->percentage);
  }
  publisher.join();
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int>(i + 1) * 2);
}

TEST_P(StateConformanceTest, PutFinalStoresTheOutcomeAndDeliversTheLastProgress) {
  const std::string task = ids_.NewUuid();
  auto sub = backend_.progress->Subscribe(task);
  ASSERT_TRUE(sub.ok()) << sub.status();
  TaskResult done;
  done.task_id = task;
  done.status = TaskStatus::kSuccess;
  done.result = {{"video", "videos/x/final_video.mp4"}};
  done.date_done = clock_.Now();
  ASSERT_TRUE(backend_.results->PutFinal(done, MakeProgress(task, 100, clock_.Now())).ok());
  Result<std::optional<Progress>> delivered = (*sub)->Next(20s);
  ASSERT_TRUE(delivered.ok() && delivered->has_value());
  EXPECT_EQ((*delivered)->percentage, 100);
  EXPECT_EQ(backend_.results->Get(task)->ToJson(), done.ToJson());
  EXPECT_EQ(backend_.progress->Latest(task)->percentage, 100);
  clock_.Advance(kProgressTtlAfterCompletion);  // the final record's short TTL applies
  EXPECT_TRUE(backend_.progress->Latest(task).status().IsNotFound());
  EXPECT_TRUE(backend_.results->Get(task).ok());

  // Invalid progress writes nothing at all.
  const std::string other = ids_.NewUuid();
  done.task_id = other;
  EXPECT_TRUE(
      backend_.results->PutFinal(done, MakeProgress(other, 101, clock_.Now())).IsInvalidArgument());
  EXPECT_TRUE(backend_.results->Get(other).status().IsNotFound());
}

TEST_P(StateConformanceTest, CloseWakesABlockedSubscriber) {
  auto sub = backend_.progress->Subscribe(ids_.NewUuid());
  ASSERT_TRUE(sub.ok());
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    auto next = (*sub)->Next(60s);
    EXPECT_TRUE(!next.ok() || !next->has_value());
    returned = true;
  });
  (*sub)->Close();
  waiter.join();
  EXPECT_TRUE(returned);
}

// --- Sessions ------------------------------------------------------------------------

TEST_P(StateConformanceTest, SessionsExpireUnlessTouched) {
  Session s{ids_.NewUuid(), ids_.NewUuid(), clock_.Now(), clock_.Now()};
  ASSERT_TRUE(backend_.sessions->Put(s).ok());
  EXPECT_EQ(backend_.sessions->Get(s.session_id)->ToJson(), s.ToJson());
  clock_.Advance(9min);
  ASSERT_TRUE(backend_.sessions->Touch(s.session_id).ok());
  EXPECT_EQ(backend_.sessions->Get(s.session_id)->last_ping, clock_.Now());
  clock_.Advance(9min);  // 18 min after connecting, 9 after the ping
  EXPECT_TRUE(backend_.sessions->Get(s.session_id).ok());
  clock_.Advance(1min);
  EXPECT_TRUE(backend_.sessions->Get(s.session_id).status().IsNotFound());
  EXPECT_TRUE(backend_.sessions->Touch(s.session_id).IsNotFound());

  Session t{ids_.NewUuid(), ids_.NewUuid(), clock_.Now(), clock_.Now()};
  ASSERT_TRUE(backend_.sessions->Put(t).ok());
  ASSERT_TRUE(backend_.sessions->Remove(t.session_id).ok());
  EXPECT_TRUE(backend_.sessions->Get(t.session_id).status().IsNotFound());
}

// --- API keys and webhook deliveries --------------------------------------------------

TEST_P(StateConformanceTest, ApiKeysAreFoundByHashListedAndRevokedOnce) {
  const std::string tag = IdGenerator().NewUuid().substr(0, 8);  // unique across runs
  ApiKey a{"key_a" + tag, "ci", "hash-a-" + tag, "vmsg_aaaa", clock_.Now(), std::nullopt};
  ASSERT_TRUE(backend_.api_keys->Create(a).ok());
  clock_.Advance(1s);
  ApiKey b{"key_b" + tag, "billing", "hash-b-" + tag, "vmsg_bbbb", clock_.Now(), std::nullopt};
  ASSERT_TRUE(backend_.api_keys->Create(b).ok());

  auto found = backend_.api_keys->FindByHash(b.hash);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->ToJson(), b.ToJson());
  EXPECT_EQ(backend_.api_keys->FindByHash("hash-none-" + tag).status().reason(), "api_key_invalid");

  // Neither the id nor the secret's hash may be used twice; nothing changes then.
  ApiKey same_id = b;
  same_id.hash = "hash-c-" + tag;
  EXPECT_EQ(backend_.api_keys->Create(same_id).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(backend_.api_keys->FindByHash(same_id.hash).status().IsNotFound());
  ApiKey same_hash = b;
  same_hash.id = "key_c" + tag;
  EXPECT_EQ(backend_.api_keys->Create(same_hash).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(backend_.api_keys->FindByHash(b.hash)->id, b.id);
  ApiKey nameless = a;
  nameless.name.clear();
  EXPECT_TRUE(backend_.api_keys->Create(nameless).IsInvalidArgument());

  clock_.Advance(1min);
  const TimePoint revoked_at = clock_.Now();
  auto revoked = backend_.api_keys->Revoke(a.id);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revoked_at, revoked_at);
  clock_.Advance(1min);
  EXPECT_EQ(backend_.api_keys->Revoke(a.id)->revoked_at, revoked_at);  // the first one stays
  EXPECT_EQ(backend_.api_keys->FindByHash(a.hash)->revoked_at, revoked_at);
  EXPECT_EQ(backend_.api_keys->Revoke("key_none" + tag).status().reason(), "api_key_not_found");

  // Keys never expire, and List gives them oldest first.
  clock_.Advance(24h * 400);
  auto listed = backend_.api_keys->List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> ours;
  for (const ApiKey& k : *listed) {
    if (k.id.ends_with(tag)) ours.push_back(k.id);
  }
  EXPECT_EQ(ours, (std::vector<std::string>{a.id, b.id}));
  EXPECT_TRUE(backend_.api_keys->FindByHash(b.hash).ok());
}

TEST_P(StateConformanceTest, WebhookDeliveriesRoundTripAndExpire) {
  WebhookDelivery d;
  d.task_id = ids_.NewUuid();
  d.url = "https://example.com/hooks/vmsg";
  d.updated_at = clock_.Now();
  ASSERT_TRUE(backend_.webhooks->Put(d).ok());
  EXPECT_EQ(backend_.webhooks->Get(d.task_id)->ToJson(), d.ToJson());

  d.state = WebhookState::kPending;
  d.attempts = 2;
  d.last_http_status = 503;
  d.last_error = "the receiver answered 503";
  d.task_ended_at = clock_.Now();
  clock_.Advance(1h);
  d.next_attempt_at = clock_.Now() + 5min;
  d.updated_at = clock_.Now();
  ASSERT_TRUE(backend_.webhooks->Put(d).ok());
  auto got = backend_.webhooks->Get(d.task_id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->ToJson(), d.ToJson());
  EXPECT_EQ(got->state, WebhookState::kPending);

  clock_.Advance(kWebhookRecordTtl - 1s);
  EXPECT_TRUE(backend_.webhooks->Get(d.task_id).ok());
  clock_.Advance(1s);
  EXPECT_TRUE(backend_.webhooks->Get(d.task_id).status().IsNotFound());
  d.task_id.clear();
  EXPECT_TRUE(backend_.webhooks->Put(d).IsInvalidArgument());
}

// --- Rate limits ---------------------------------------------------------------------

TEST_P(StateConformanceTest, RateLimitWindow) {
  const std::string key = "generate:203.0.113.9";
  const TimePoint start = clock_.Now();
  for (int i = 1; i <= 3; ++i) {
    auto d = backend_.rate_limits->Hit(key, 3);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->allowed);
    EXPECT_EQ(d->count, i);
    EXPECT_EQ(d->window_start, start);
    clock_.Advance(10min);
  }
  auto refused = backend_.rate_limits->Hit(key, 3);
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->retry_after, 30min);
  EXPECT_TRUE(backend_.rate_limits->Hit("generate:198.51.100.1", 3)->allowed);  // per key
  clock_.Advance(30min);
  auto fresh = backend_.rate_limits->Hit(key, 3);
  EXPECT_TRUE(fresh->allowed);
  EXPECT_EQ(fresh->count, 1);
  EXPECT_EQ(fresh->window_start, clock_.Now());
}

TEST_P(StateConformanceTest, ARefundTakesOneHitBackWithinTheWindowOnly) {
  const std::string key = "generate:203.0.113.10";
  EXPECT_TRUE(backend_.rate_limits->Refund(key).ok());  // nothing to take back: a no-op
  EXPECT_EQ(backend_.rate_limits->Hit(key, 2)->count, 1);
  EXPECT_EQ(backend_.rate_limits->Hit(key, 2)->count, 2);
  ASSERT_TRUE(backend_.rate_limits->Refund(key).ok());
  auto again = backend_.rate_limits->Hit(key, 2);
  EXPECT_EQ(again->count, 2);
  EXPECT_TRUE(again->allowed);
  // Never below zero, and the window stays where it began.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(backend_.rate_limits->Refund(key).ok());
  auto after = backend_.rate_limits->Hit(key, 2);
  EXPECT_EQ(after->count, 1);
  EXPECT_EQ(after->window_start, again->window_start);
  // A window that has ended is not brought back by a refund.
  clock_.Advance(kRateLimitWindow);
  ASSERT_TRUE(backend_.rate_limits->Refund(key).ok());
  auto fresh = backend_.rate_limits->Hit(key, 2);
  EXPECT_EQ(fresh->count, 1);
  EXPECT_EQ(fresh->window_start, clock_.Now());
  EXPECT_TRUE(backend_.rate_limits->Refund("").IsInvalidArgument());
}

TEST_P(StateConformanceTest, ConcurrentRateLimitHitsCountExactly) {
  constexpr int kThreads = 8, kHitsEach = 100, kLimit = 500;
  std::atomic<int> allowed{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kHitsEach; ++i) {
        auto d = backend_.rate_limits->Hit("upload:192.0.2.1", kLimit);
        if (!d.ok()) {
          ++errors;
        } else if (d->allowed) {
          ++allowed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(allowed, kLimit);
  EXPECT_EQ(backend_.rate_limits->Hit("upload:192.0.2.1", kLimit)->count, kThreads * kHitsEach + 1);
}

// --- Health --------------------------------------------------------------------------

TEST_P(StateConformanceTest, PingAnswers) {
  ASSERT_TRUE(backend_.ping);
  Result<Duration> rtt = backend_.ping();
  ASSERT_TRUE(rtt.ok()) << rtt.status();
  EXPECT_GE(rtt->count(), 0);
  EXPECT_FALSE(backend_.description.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StateConformanceTest, ::testing::ValuesIn(TestBackends()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace vmsg::state
