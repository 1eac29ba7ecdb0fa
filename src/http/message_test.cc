#include "http/message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/run_sync.h"

namespace vmsg::http {
namespace {

using ::testing::HasSubstr;

TEST(HeadersTest, CaseInsensitiveGetSetAdd) {
  Headers h;
  h.Set("Content-Type", "text/plain");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  h.Set("CONTENT-TYPE", "application/json");
  EXPECT_EQ(h.fields().size(), 1u);
  EXPECT_EQ(h.Get("Content-Type"), "application/json");
  h.Add("Vary", "Origin");
  h.Add("vary", "Accept");
  EXPECT_EQ(h.fields().size(), 3u);
  EXPECT_FALSE(h.Has("X-Missing"));
}

TEST(RequestTest, QueryParamsAreDecoded) {
  Request r;
  r.query = "type=system&name=a%20b+c&flag&bad=%zz&type=custom";
  EXPECT_EQ(r.QueryParam("type"), "system");
  EXPECT_EQ(r.QueryParam("name"), "a b c");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_FALSE(r.QueryParam("bad").has_value());
  EXPECT_FALSE(r.QueryParam("missing").has_value());
}

TEST(BodyTest, ReadAllJoinsPiecesAndEnforcesTheLimit) {
  StringBodyReader body(std::string(1000, 'x'), /*piece=*/7);
  Request r;
  r.body = &body;
  r.body_limit = 1000;
  Result<std::string> all = RunSync(ReadAll(r));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1000u);
  EXPECT_TRUE(body.complete());

  StringBodyReader big(std::string(1001, 'x'), 7);
  Request r2;
  r2.body = &big;
  r2.body_limit = 1000;
  Result<std::string> too_big = RunSync(ReadAll(r2));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().reason(), "payload_too_large");
}

TEST(BodyTest, ReaderRefusesPastItsOwnLimit) {
  StringBodyReader body(std::string(100, 'x'), 40);
  body.SetLimit(50);
  std::string piece;
  EXPECT_TRUE(*RunSync(body.Read(piece)));
  Result<bool> second = RunSync(body.Read(piece));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().reason(), "payload_too_large");
  EXPECT_FALSE(body.complete());
}

TEST(ProblemTest, HasTheRfc9457FieldsAndStableCode) {
  Response r = ProblemResponse(404, "not_found", "no such task", "req-1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/problem+json");
  auto j = vmsg::Json::parse(std::get<std::string>(r.body));
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["title"], "Not Found");
  EXPECT_EQ(j["code"], "not_found");
  EXPECT_EQ(j["detail"], "no such task");
  EXPECT_EQ(j["type"], "urn:vmsg:problem:not_found");
  EXPECT_EQ(j["request_id"], "req-1");
}

TEST(ProblemTest, StatusMappingIsCentral) {
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Status::NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(Status::PermissionDenied("x")), 403);
  EXPECT_EQ(HttpStatusFor(Status::AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x")), 413);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x", "rate_limited")), 429);
  EXPECT_EQ(HttpStatusFor(Status::Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(Status::Internal("x")), 500);
  Response r = ProblemFromStatus(Status::InvalidArgument("text is empty", "text_empty"));
  auto j = vmsg::Json::parse(std::get<std::string>(r.body));
  EXPECT_EQ(j["code"], "text_empty");
  EXPECT_EQ(j["detail"], "text is empty");
  Response plain = ProblemFromStatus(Status::NotFound("gone"));
  EXPECT_EQ(vmsg::Json::parse(std::get<std::string>(plain.body))["code"], "not_found");
}

TEST(ProblemTest, InternalErrorsDoNotLeakTheirMessage) {
  Response r = ProblemFromStatus(Status::Internal("segfault near /secret/path"));
  const std::string& body = std::get<std::string>(r.body);
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(body, ::testing::Not(HasSubstr("/secret/path")));
  EXPECT_THAT(body, HasSubstr("internal"));
}

}  // namespace
}  // namespace vmsg::http
