// Status: the error value every fallible vmsg function returns. A status carries a code,
// a human-readable message and an optional stable reason (the problem+json `code` that
// clients match on), and knows whether retrying the operation can help.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace vmsg {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller sent something malformed or out of range
  kNotFound,            // the thing named does not exist (or has expired)
  kAlreadyExists,       // creating something that is already there
  kPermissionDenied,    // the caller may not do this (e.g. delete a system entry)
  kFailedPrecondition,  // the system is not in a state that allows this
  kResourceExhausted,   // a size or count limit was hit (never retryable as it stands)
  kUnavailable,         // a dependency is down or unreachable; try again later
  kDeadlineExceeded,    // an operation ran out of time
  kCancelled,           // the operation was cancelled on purpose
  kUnimplemented,       // the capability does not exist in this build
  kDataLoss,            // stored data is corrupt or unreadable
  kInternal,            // a bug or an unexpected failure inside vmsg
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // The default status is OK.
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message, std::string reason = {});
  static Status NotFound(std::string message, std::string reason = {});
  static Status AlreadyExists(std::string message, std::string reason = {});
  static Status PermissionDenied(std::string message, std::string reason = {});
  static Status FailedPrecondition(std::string message, std::string reason = {});
  static Status ResourceExhausted(std::string message, std::string reason = {});
  static Status Unavailable(std::string message, std::string reason = {});
  static Status DeadlineExceeded(std::string message, std::string reason = {});
  static Status Cancelled(std::string message, std::string reason = {});
  static Status Unimplemented(std::string message, std::string reason = {});
  static Status DataLoss(std::string message, std::string reason = {});
  static Status Internal(std::string message, std::string reason = {});

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // A stable, machine-readable reason such as "image_too_large"; empty when none was given.
  const std::string& reason() const { return reason_; }

  // True when the same operation may succeed if tried again later: unavailable
  // dependencies and timeouts. Bad input, exceeded limits and bugs are never retryable.
  bool IsRetryable() const;

  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsInvalidArgument() const { return code_ == StatusCode::kInvalidArgument; }
  bool IsCancelled() const { return code_ == StatusCode::kCancelled; }

  // Returns a copy whose message is prefixed with `context` ("reading x: <message>").
  Status WithContext(std::string_view context) const;

  // "INVALID_ARGUMENT: message [reason]" or "OK".
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.reason_ == b.reason_;
  }

 private:
  Status(StatusCode code, std::string message, std::string reason)
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string reason_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define VMSG_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::vmsg::Status vmsg_status_ = (expr);        \
    if (!vmsg_status_.ok()) return vmsg_status_; \
  } while (false)

}  // namespace vmsg
