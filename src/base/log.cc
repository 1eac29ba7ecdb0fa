// Text and JSON-lines log formatting.
#include "base/log.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace vmsg {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

// Text values are quoted when they hold spaces, quotes, '=' or control characters, so a
// line always splits back into the same key=value pairs.
void AppendTextValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) quote = true;
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

nlohmann::json FieldToJson(const LogField::Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Secret>) {
          return kRedacted;
        } else if constexpr (std::is_same_v<T, std::string_view>) {
          return std::string(v);
        } else {
          return v;
        }
      },
      value);
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning" || text == "warn") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Logger::Logger(LogFormat format, LogLevel min_level, const Clock& clock, Sink sink)
    : format_(format), min_level_(min_level), clock_(clock), sink_(std::move(sink)) {}

std::unique_ptr<Logger> Logger::ToStderr(LogFormat format, LogLevel min_level, const Clock& clock) {
  return std::make_unique<Logger>(format, min_level, clock, [](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  });
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!Enabled(level)) return;
  std::string line = format_ == LogFormat::kJson ? FormatJson(level, component, message, fields)
                                                 : FormatText(level, component, message, fields);
  line += '\n';
  std::lock_guard lock(mutex_);
  sink_(line);
}

std::string Logger::FormatText(LogLevel level, std::string_view component, std::string_view message,
                               std::initializer_list<LogField> fields) const {
  std::string out = FormatIso8601Millis(clock_.Now());
  char level_buf[16];
  std::snprintf(level_buf, sizeof level_buf, " %-7s ", std::string(LogLevelName(level)).c_str());
  out += level_buf;
  out += component;
  out += ": ";
  out += message;
  for (const LogField& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Secret>) {
            out += kRedacted;
          } else if constexpr (std::is_same_v<T, std::string_view>) {
            AppendTextValue(out, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            out += v ? "true" : "false";
          } else if constexpr (std::is_same_v<T, double>) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3f", v);
            out += buf;
          } else {
            out += std::to_string(v);
          }
        },
        f.value);
  }
  return out;
}

std::string Logger::FormatJson(LogLevel level, std::string_view component, std::string_view message,
                               std::initializer_list<LogField> fields) const {
  nlohmann::ordered_json j;
  j["ts"] = FormatIso8601Millis(clock_.Now());
  j["level"] = LogLevelName(level);
  j["component"] = component;
  j["msg"] = message;
  for (const LogField& f : fields) j[std::string(f.key)] = FieldToJson(f.value);
  // Invalid UTF-8 from outside must not make logging throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vmsg
