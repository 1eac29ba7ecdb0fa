#include "base/status.h"

#include <gtest/gtest.h>

#include "base/result.h"

namespace vmsg {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_FALSE(s.IsRetryable());
}

TEST(StatusTest, NamedConstructorsCarryCodeMessageAndReason) {
  Status s = Status::InvalidArgument("text is too long", "text_too_long");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "text is too long");
  EXPECT_EQ(s.reason(), "text_too_long");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: text is too long [text_too_long]");
  EXPECT_TRUE(s.IsInvalidArgument());
}

TEST(StatusTest, OnlyTransientFailuresAreRetryable) {
  EXPECT_TRUE(Status::Unavailable("redis down").IsRetryable());
  EXPECT_TRUE(Status::DeadlineExceeded("slow").IsRetryable());
  EXPECT_FALSE(Status::InvalidArgument("bad").IsRetryable());
  EXPECT_FALSE(Status::ResourceExhausted("too big").IsRetryable());
  EXPECT_FALSE(Status::Internal("bug").IsRetryable());
  EXPECT_FALSE(Status::NotFound("gone").IsRetryable());
  EXPECT_FALSE(Status::Cancelled("stop").IsRetryable());
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::NotFound("no such key", "not_found").WithContext("loading voice");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "loading voice: no such key");
  EXPECT_EQ(s.reason(), "not_found");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

Status FailsWhen(bool fail) {
  VMSG_RETURN_IF_ERROR(fail ? Status::Internal("boom") : Status::Ok());
  return Status::AlreadyExists("reached the end");
}

TEST(StatusTest, ReturnIfErrorReturnsEarly) {
  EXPECT_EQ(FailsWhen(true).code(), StatusCode::kInternal);
  EXPECT_EQ(FailsWhen(false).code(), StatusCode::kAlreadyExists);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  VMSG_ASSIGN_OR_RETURN(int half, Half(x));
  VMSG_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> ok = Half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 4);
  EXPECT_TRUE(ok.status().ok());
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());  // 6/2 = 3 is odd
  EXPECT_FALSE(Quarter(5).ok());
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = Half(3);
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace vmsg
