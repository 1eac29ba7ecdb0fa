// Status naming, retry classification and formatting.
#include "base/status.h"

namespace vmsg {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

#define VMSG_STATUS_CONSTRUCTOR(Name, Code)                                 \
  Status Status::Name(std::string message, std::string reason) {            \
    return Status(StatusCode::Code, std::move(message), std::move(reason)); \
  }
VMSG_STATUS_CONSTRUCTOR(InvalidArgument, kInvalidArgument)
VMSG_STATUS_CONSTRUCTOR(NotFound, kNotFound)
VMSG_STATUS_CONSTRUCTOR(AlreadyExists, kAlreadyExists)
VMSG_STATUS_CONSTRUCTOR(PermissionDenied, kPermissionDenied)
VMSG_STATUS_CONSTRUCTOR(FailedPrecondition, kFailedPrecondition)
VMSG_STATUS_CONSTRUCTOR(ResourceExhausted, kResourceExhausted)
VMSG_STATUS_CONSTRUCTOR(Unavailable, kUnavailable)
VMSG_STATUS_CONSTRUCTOR(DeadlineExceeded, kDeadlineExceeded)
VMSG_STATUS_CONSTRUCTOR(Cancelled, kCancelled)
VMSG_STATUS_CONSTRUCTOR(Unimplemented, kUnimplemented)
VMSG_STATUS_CONSTRUCTOR(DataLoss, kDataLoss)
VMSG_STATUS_CONSTRUCTOR(Internal, kInternal)
#undef VMSG_STATUS_CONSTRUCTOR

bool Status::IsRetryable() const {
  switch (code_) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message), reason_);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  if (!reason_.empty()) {
    out += " [";
    out += reason_;
    out += "]";
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Status& status) { return os << status.ToString(); }

}  // namespace vmsg
