#include "http/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg::http {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

Handler Named(std::string name) {
  return Sync([name](Request&) { return Response::Text(200, name, "text/plain"); });
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/health", Named("health"));
    router_.Add("GET", "/api/video/status/{task_id}", Named("status"));
    router_.Add("DELETE", "/api/video/tasks/{task_id}", Named("cancel"));
    router_.Add("POST", "/api/items", Named("create"));
    router_.Add("GET", "/api/items/{id}/preview", Named("preview"));
    router_.Add("GET", "/files/{key...}", Named("files"));
    router_.Add("GET", "/{path...}", Named("static"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralsAndParams) {
  RouteMatch m = router_.Find("GET", "/api/video/status/abc-123");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/video/status/{task_id}");
  EXPECT_EQ(m.params.at("task_id"), "abc-123");
  m = router_.Find("GET", "/api/items/x%20y/preview");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.params.at("id"), "x y");
}

TEST_F(RouterTest, RestParamsStayEncoded) {
  RouteMatch m = router_.Find("GET", "/files/videos/a%2Fb/final_video.mp4");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.params.at("key"), "videos/a%2Fb/final_video.mp4");
  m = router_.Find("GET", "/");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/{path...}");
  EXPECT_EQ(m.params.at("path"), "");
}

TEST_F(RouterTest, WrongMethodIs405WithAllowedList) {
  RouteMatch m = router_.Find("POST", "/api/video/tasks/abc");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_THAT(m.allowed, ElementsAre("DELETE"));
  m = router_.Find("DELETE", "/health");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_THAT(m.allowed, UnorderedElementsAre("GET", "HEAD"));
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  RouteMatch m = router_.Find("HEAD", "/health");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->method, "GET");
}

TEST_F(RouterTest, BadEscapesAndRelativeTargetsAreBadPaths) {
  EXPECT_EQ(router_.Find("GET", "/api/%zz").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "/api/%4").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "http://example.com/").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "*").kind, RouteMatch::Kind::kBadPath);
  EXPECT_EQ(router_.Find("GET", "").kind, RouteMatch::Kind::kBadPath);
}

TEST_F(RouterTest, EmptyParamDoesNotMatch) {
  Router r;
  r.Add("GET", "/a/{id}", Named("a"));
  EXPECT_EQ(r.Find("GET", "/a/").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.Find("GET", "/a/b/c").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.Find("GET", "/a/b").kind, RouteMatch::Kind::kFound);
}

TEST_F(RouterTest, OpenApiPathsListVisibleRoutesWithParameters) {
  Router r;
  RouteOptions doc;
  doc.doc.summary = "Task status";
  r.Add("GET", "/api/video/status/{task_id}", Named("s"), doc);
  RouteOptions hidden;
  hidden.doc.hidden = true;
  r.Add("GET", "/{path...}", Named("static"), hidden);
  vmsg::Json paths = r.OpenApiPaths();
  ASSERT_TRUE(paths.contains("/api/video/status/{task_id}"));
  EXPECT_EQ(paths.size(), 1u);
  const auto& op = paths["/api/video/status/{task_id}"]["get"];
  EXPECT_EQ(op["summary"], "Task status");
  EXPECT_EQ(op["parameters"][0]["name"], "task_id");
  EXPECT_EQ(op["parameters"][0]["in"], "path");
  EXPECT_TRUE(op["responses"].contains("default"));
}

TEST(RouterDeathTest, RestParamMustBeLast) {
  Router r;
  EXPECT_DEATH(r.Add("GET", "/{rest...}/x", Named("x")), "");
  EXPECT_DEATH(r.Add("GET", "relative", Named("x")), "");
}

}  // namespace
}  // namespace vmsg::http
