// Result<T>: a value or the Status explaining why there is none (std::expected's shape,
// which C++20 lacks). Accessing the value of an error result is a bug and aborts.
#pragma once

#include <cstdlib>
#include <utility>
#include <variant>

#include "base/status.h"

namespace vmsg {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose: `return value;` and `return Status::NotFound(...);` both read well.
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}        // NOLINT
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(data_).ok()) std::abort();  // an OK status carries no value
  }

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // The error; OK when the result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<1>(data_); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<0>(data_) : std::move(fallback); }

 private:
  T& Checked() {
    if (!ok()) std::abort();
    return std::get<0>(data_);
  }

  std::variant<T, Status> data_;
};

// Assigns the value of a Result expression to `lhs`, or returns its error.
#define VMSG_ASSIGN_OR_RETURN(lhs, expr) \
  VMSG_ASSIGN_OR_RETURN_IMPL_(VMSG_CONCAT_(vmsg_result_, __LINE__), lhs, expr)
#define VMSG_CONCAT_INNER_(a, b) a##b
#define VMSG_CONCAT_(a, b) VMSG_CONCAT_INNER_(a, b)
#define VMSG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

}  // namespace vmsg
