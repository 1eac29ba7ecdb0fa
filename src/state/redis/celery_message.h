// Celery's task message (protocol 2) in the JSON envelope that kombu's Redis transport
// keeps on a queue list, and kombu's names for those lists. The Redis job queue stores
// every job as such a message, so a Python program with Celery can queue tasks for our
// workers (`send_task`), and a Celery worker could take ours.
//
// The envelope: {"body": base64 of the JSON [args, kwargs, embed], "content-encoding":
// "utf-8", "content-type": "application/json", "headers": {lang, task, id, shadow, eta,
// expires, group, group_index, retries, timelimit, root_id, parent_id, argsrepr,
// kwargsrepr, origin, ignore_result}, "properties": {correlation_id, reply_to,
// delivery_mode, delivery_info: {exchange, routing_key}, priority, body_encoding,
// delivery_tag}}.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/result.h"

namespace vmsg::state::celery {

// Celery's default queue; the anonymous exchange routes to it by its name.
inline constexpr std::string_view kDefaultQueue = "celery";
// kombu's separator between a queue's name and its priority step ("celery\x06\x163").
inline constexpr std::string_view kPrioritySeparator = "\x06\x16";
// kombu's default priority steps: Celery priorities 0..9 share four lists per queue, and
// consumers read the lists in this order, so on Redis 0 is served first.
inline constexpr std::array<int, 4> kPrioritySteps = {0, 3, 6, 9};
inline constexpr int kMaxCeleryPriority = 9;
// kombu's acknowledgement emulation: the messages being worked on (hash: delivery tag ->
// JSON [message, exchange, routing_key]), when each was delivered (sorted set: tag ->
// Unix seconds), and the lock its restorer holds while putting expired ones back.
inline constexpr std::string_view kUnackedKey = "unacked";
inline constexpr std::string_view kUnackedIndexKey = "unacked_index";
inline constexpr std::string_view kUnackedMutexKey = "unacked_mutex";
// kombu's default visibility timeout: a delivery recorded by another consumer (a Celery
// worker, which keeps its own timeout) is put back only after this long.
inline constexpr std::chrono::seconds kKombuVisibilityTimeout{3600};

// The list holding messages of `celery_priority` (clamped to 0..9) on `queue`: the queue's
// own name for step 0, "{queue}\x06\x16{step}" for the others.
std::string QueueListName(std::string_view queue, int celery_priority);
// The queue's lists in the order a consumer reads them (most urgent first).
std::vector<std::string> QueueListNames(std::string_view queue);

// The JobQueue's priority (0..9, 9 most urgent) and Celery's on Redis (0..9, 0 served
// first) run in opposite directions.
int ToCeleryPriority(int job_priority);
int FromCeleryPriority(int celery_priority);

// One task message: what we read and write of it.
struct TaskMessage {
  std::string id;
  std::string task;  // the task's name
  Json args = Json::array();
  Json kwargs = Json::object();
  int priority = 0;  // Celery's, 0..9
  int retries = 0;
  std::optional<TimePoint> eta;
  std::optional<TimePoint> expires;
  std::string origin;  // the sender, "name@host"
  std::string delivery_tag;
  std::string exchange;                    // "" is the anonymous exchange
  std::string routing_key{kDefaultQueue};  // with "", the queue's name
};

// The envelope as JSON text, ready for LPUSH.
std::string EncodeTaskMessage(const TaskMessage& message);

// Reads an envelope. InvalidArgument with a stable reason when it is not one we can run:
// "invalid_json", "celery_protocol_1" (the body carries the task: Celery 3), "unsupported_content"
// (a content type other than JSON, e.g. pickle), "invalid_message" (a field missing or of the wrong
// type, naming it).
Result<TaskMessage> DecodeTaskMessage(std::string_view raw);

// Celery's broadcast commands (`app.control.revoke(...)`, ...) travel in the same envelope
// over kombu's fanout: a PUBLISH on this channel of the broker's server, with the body
// {method, arguments, destination, pattern, matcher} and headers {clock, expires}.
std::string PidboxChannel(int db);

struct ControlCommand {
  std::string method;  // "revoke", "ping", ...
  Json arguments;
  bool addressed = false;         // meant for named workers only (destination or pattern)
  std::optional<double> expires;  // Unix seconds after which it no longer applies
};

// InvalidArgument (reasons as DecodeTaskMessage's) for anything but a JSON command.
Result<ControlCommand> DecodeControlCommand(std::string_view raw);

// The task ids a `revoke` names (arguments.task_id: one id or a list); none for any other
// command.
std::vector<std::string> RevokedTaskIds(const ControlCommand& command);

}  // namespace vmsg::state::celery
