// Logging: one line per event, human-readable by default or JSON lines
// (VMSG_LOG_FORMAT=json). A Logger is built once by the composition root and passed down;
// there is no global logger. Values wrapped in Secret are never written out.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/clock.h"

namespace vmsg {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::optional<LogFormat> ParseLogFormat(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// A value that must never reach a log line (passwords, keys, signatures).
struct Secret {
  std::string_view value;
};

struct LogField {
  using Value = std::variant<std::string_view, int64_t, double, bool, Secret>;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, Secret v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  template <typename I>
  requires std::is_integral_v<I> LogField(std::string_view k, I v)
      : key(k), value(static_cast<int64_t>(v)) {}

  std::string_view key;
  Value value;
};

class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // Writes complete lines (with '\n') to `sink`; `clock` stamps each line.
  Logger(LogFormat format, LogLevel min_level, const Clock& clock, Sink sink);

  // A logger writing to standard error.
  static std::unique_ptr<Logger> ToStderr(LogFormat format, LogLevel min_level, const Clock& clock);

  // Thread-safe: concurrent lines never interleave.
  void Log(LogLevel level, std::string_view component, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;

  void Debug(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kDebug, component, message, fields);
  }
  void Info(std::string_view component, std::string_view message,
            std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kInfo, component, message, fields);
  }
  void Warning(std::string_view component, std::string_view message,
               std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kWarning, component, message, fields);
  }
  void Error(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kError, component, message, fields);
  }

  bool Enabled(LogLevel level) const { return level >= min_level_; }

 private:
  std::string FormatText(LogLevel level, std::string_view component, std::string_view message,
                         std::initializer_list<LogField> fields) const;
  std::string FormatJson(LogLevel level, std::string_view component, std::string_view message,
                         std::initializer_list<LogField> fields) const;

  LogFormat format_;
  LogLevel min_level_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  Sink sink_;  // GUARDED_BY(mutex_)
};

}  // namespace vmsg
