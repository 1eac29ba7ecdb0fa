#include "state/redis/celery_message.h"

#include <algorithm>
#include <cmath>

#include "base/base64.h"

namespace vmsg::state::celery {
namespace {

Status Invalid(std::string_view what) {
  return Status::InvalidArgument("Celery message: " + std::string(what), "invalid_message");
}

// headers.eta / headers.expires: null or ISO 8601 (a time without an offset is UTC, as
// Celery writes it when its app is not timezone-aware).
Result<std::optional<TimePoint>> OptionalTime(const Json& headers, const char* name) {
  auto it = headers.find(name);
  if (it == headers.end() || it->is_null()) return std::optional<TimePoint>();
  if (!it->is_string()) return Invalid(std::string("headers.") + name + " must be a string");
  const std::string text = it->get<std::string>();
  std::optional<TimePoint> t = ParseIso8601AssumingUtc(text);
  if (!t) return Invalid(std::string("headers.") + name + " is not an ISO 8601 time: " + text);
  return t;
}

// The envelope's body as JSON: only JSON content, base64 (or plain) encoded.
Result<Json> DecodeBody(const Json& envelope) {
  const Json properties = envelope.value("properties", Json::object());
  const std::string content_type = envelope.value("content-type", Json("")).is_string()
                                       ? envelope.value("content-type", std::string())
                                       : std::string();
  if (content_type != "application/json") {
    return Status::InvalidArgument(
        "Celery message has content type '" + content_type +
            "'; vmsg accepts only application/json (set task_serializer='json')",
        "unsupported_content");
  }
  auto body_it = envelope.find("body");
  if (body_it == envelope.end() || !body_it->is_string()) return Invalid("body must be a string");
  std::string body = body_it->get<std::string>();
  const Json encoding = properties.value("body_encoding", Json(nullptr));
  if (encoding == "base64") {
    std::optional<std::string> decoded = Base64Decode(body);
    if (!decoded) return Invalid("body is not base64 although body_encoding says so");
    body = std::move(*decoded);
  } else if (!encoding.is_null() && encoding != "utf-8") {
    return Invalid("unknown body_encoding " + DumpJson(encoding));
  }
  Result<Json> payload = ParseJson(body);
  if (!payload.ok()) return Invalid("body is not JSON");
  return payload;
}

std::string Repr(const Json& value) { return DumpJson(value); }

Json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? Json(FormatIso8601Millis(*t)) : Json(nullptr);
}

}  // namespace

std::string QueueListName(std::string_view queue, int celery_priority) {
  const int clamped = std::clamp(celery_priority, 0, kMaxCeleryPriority);
  int step = kPrioritySteps.front();
  for (int s : kPrioritySteps) {
    if (s <= clamped) step = s;
  }
  std::string name(queue);
  if (step != 0) name += std::string(kPrioritySeparator) + std::to_string(step);
  return name;
}

std::vector<std::string> QueueListNames(std::string_view queue) {
  std::vector<std::string> names;
  for (int step : kPrioritySteps) names.push_back(QueueListName(queue, step));
  return names;
}

int ToCeleryPriority(int job_priority) {
  return kMaxCeleryPriority - std::clamp(job_priority, 0, kMaxCeleryPriority);
}
int FromCeleryPriority(int celery_priority) {
  return kMaxCeleryPriority - std::clamp(celery_priority, 0, kMaxCeleryPriority);
}

std::string EncodeTaskMessage(const TaskMessage& m) {
  const Json body = Json::array(
      {m.args,
       m.kwargs,
       {{"callbacks", nullptr}, {"errbacks", nullptr}, {"chain", nullptr}, {"chord", nullptr}}});
  const Json envelope = {
      {"body", Base64Encode(DumpJson(body))},
      {"content-encoding", "utf-8"},
      {"content-type", "application/json"},
      {"headers",
       {{"lang", "py"},
        {"task", m.task},
        {"id", m.id},
        {"shadow", nullptr},
        {"eta", TimeOrNull(m.eta)},
        {"expires", TimeOrNull(m.expires)},
        {"group", nullptr},
        {"group_index", nullptr},
        {"retries", m.retries},
        {"timelimit", Json::array({nullptr, nullptr})},
        {"root_id", m.id},
        {"parent_id", nullptr},
        {"argsrepr", Repr(m.args)},
        {"kwargsrepr", Repr(m.kwargs)},
        {"origin", m.origin},
        {"ignore_result", false}}},
      {"properties",
       {{"correlation_id", m.id},
        {"reply_to", ""},
        {"delivery_mode", 2},
        {"delivery_info", {{"exchange", m.exchange}, {"routing_key", m.routing_key}}},
        {"priority", m.priority},
        {"body_encoding", "base64"},
        {"delivery_tag", m.delivery_tag}}}};
  return DumpJson(envelope);
}

Result<TaskMessage> DecodeTaskMessage(std::string_view raw) {
  Result<Json> parsed = ParseJson(raw);
  if (!parsed.ok()) {
    return Status::InvalidArgument("Celery message is not JSON: " + parsed.status().message(),
                                   "invalid_json");
  }
  const Json& envelope = *parsed;
  if (!envelope.is_object()) return Invalid("the envelope must be a JSON object");
  const Json headers = envelope.value("headers", Json::object());
  const Json properties = envelope.value("properties", Json::object());
  if (!headers.is_object() || !properties.is_object()) {
    return Invalid("headers and properties must be objects");
  }

  VMSG_ASSIGN_OR_RETURN(Json payload, DecodeBody(envelope));
  if (!headers.contains("task")) {
    if (payload.is_object() && payload.contains("task")) {
      return Status::InvalidArgument(
          "Celery message uses protocol 1 (the task in the body); vmsg speaks protocol 2 "
          "(Celery 4 and later, task_protocol=2)",
          "celery_protocol_1");
    }
    return Invalid("headers.task is missing");
  }
  if (!headers["task"].is_string() || !headers.value("id", Json(nullptr)).is_string()) {
    return Invalid("headers.task and headers.id must be strings");
  }
  TaskMessage m;
  m.task = headers["task"].get<std::string>();
  m.id = headers["id"].get<std::string>();
  if (m.task.empty() || m.id.empty()) return Invalid("headers.task and headers.id must be set");
  if (!payload.is_array() || payload.size() != 3 || !payload[0].is_array() ||
      !payload[1].is_object()) {
    return Invalid("body must be [args, kwargs, embed]");
  }
  m.args = payload[0];
  m.kwargs = payload[1];
  if (const Json retries = headers.value("retries", Json(0)); retries.is_number_integer()) {
    m.retries = retries.get<int>();
  } else if (!retries.is_null()) {
    return Invalid("headers.retries must be an integer");
  }
  VMSG_ASSIGN_OR_RETURN(m.eta, OptionalTime(headers, "eta"));
  VMSG_ASSIGN_OR_RETURN(m.expires, OptionalTime(headers, "expires"));
  if (const Json origin = headers.value("origin", Json(nullptr)); origin.is_string()) {
    m.origin = origin.get<std::string>();
  }
  // kombu: a priority that is not a number counts as 0.
  if (const Json priority = properties.value("priority", Json(0)); priority.is_number()) {
    m.priority =
        std::clamp(static_cast<int>(std::lround(priority.get<double>())), 0, kMaxCeleryPriority);
  }
  if (const Json tag = properties.value("delivery_tag", Json(nullptr)); tag.is_string()) {
    m.delivery_tag = tag.get<std::string>();
  }
  const Json info = properties.value("delivery_info", Json::object());
  if (info.is_object()) {
    if (info.value("exchange", Json(nullptr)).is_string()) m.exchange = info["exchange"];
    if (info.value("routing_key", Json(nullptr)).is_string()) m.routing_key = info["routing_key"];
  }
  return m;
}

std::string PidboxChannel(int db) { return "/" + std::to_string(db) + ".celery.pidbox"; }

Result<ControlCommand> DecodeControlCommand(std::string_view raw) {
  Result<Json> parsed = ParseJson(raw);
  if (!parsed.ok() || !parsed->is_object())
    return Invalid("a control message must be a JSON object");
  VMSG_ASSIGN_OR_RETURN(Json body, DecodeBody(*parsed));
  if (!body.is_object() || !body.value("method", Json(nullptr)).is_string()) {
    return Invalid("a control message's body must name its method");
  }
  ControlCommand command;
  command.method = body["method"].get<std::string>();
  command.arguments = body.value("arguments", Json::object());
  const Json destination = body.value("destination", Json(nullptr));
  command.addressed = !destination.is_null() || !body.value("pattern", Json(nullptr)).is_null();
  const Json headers = parsed->value("headers", Json::object());
  if (headers.is_object() && headers.value("expires", Json(0)).is_number()) {
    const double expires = headers["expires"].get<double>();
    if (expires > 0) command.expires = expires;
  }
  return command;
}

std::vector<std::string> RevokedTaskIds(const ControlCommand& command) {
  std::vector<std::string> ids;
  if (command.method != "revoke" || !command.arguments.is_object()) return ids;
  const Json task_id = command.arguments.value("task_id", Json(nullptr));
  if (task_id.is_string()) ids.push_back(task_id.get<std::string>());
  if (task_id.is_array()) {
    for (const Json& id : task_id) {
      if (id.is_string()) ids.push_back(id.get<std::string>());
    }
  }
  return ids;
}

}  // namespace vmsg::state::celery
