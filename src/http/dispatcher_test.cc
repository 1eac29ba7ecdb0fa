#include "http/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <tuple>

#include "base/ids.h"
#include "http/run_sync.h"
#include "state/sqlite/sqlite_state.h"

namespace vmsg::http {
namespace {

using ::testing::HasSubstr;

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : logger_(LogFormat::kText, LogLevel::kError, clock_,
                [this](std::string_view line) { log_ += line; }) {
    router_.Add("GET", "/hello", Sync([](Request& r) {
                  return Response::Text(200, "hi " + r.remote_address, "text/plain");
                }));
    RouteOptions small;
    small.max_body_bytes = 10;
    router_.Add(
        "POST", "/echo",
        [](Request& r) -> boost::asio::awaitable<Response> {
          Result<std::string> body = co_await ReadAll(r);
          if (!body.ok()) co_return ProblemFromStatus(body.status(), r.request_id);
          co_return Response::Text(200, *body, "text/plain");
        },
        small);
    router_.Add("POST", "/ignore", Sync([](Request&) { return Response::Empty(204); }));
    router_.Add("GET", "/throw",
                Sync([](Request&) -> Response { throw std::runtime_error("kaboom at /secret"); }));
  }

  Response Dispatch(std::string method, std::string path, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::vector<std::string> cors = {}) {
    Dispatcher d(router_,
                 {.default_max_body_bytes = 1000, .cors_origins = cors, .observer = observer_},
                 logger_, ids_);
    StringBodyReader reader(std::move(body), 4);
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.remote_address = "127.0.0.1";
    for (auto& [k, v] : headers) r.headers.Add(k, v);
    r.body = &reader;
    return RunSync(d.Handle(r));
  }

  static vmsg::Json BodyJson(const Response& r) {
    return vmsg::Json::parse(std::get<std::string>(r.body));
  }

  ~DispatcherTest() override {
    rate_state_ = {};  // closed before its directory goes
    if (!rate_dir_.empty()) std::filesystem::remove_all(rate_dir_);
  }

  // The rate limits of a SQLite task-state store in a directory of this test's own (removed
  // with the fixture); null, with a failure recorded, when it cannot be opened.
  state::RateLimiter* RateLimits() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    rate_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_dispatcher_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(rate_dir_);
    auto state = state::NewSqliteBackend({.path = rate_dir_ / "state.sqlite3"}, clock_);
    EXPECT_TRUE(state.ok()) << state.status();
    if (!state.ok()) return nullptr;
    rate_state_ = std::move(state).value();
    return rate_state_.rate_limits.get();
  }

  FakeClock clock_{TimePoint{}};
  std::function<void(const RequestOutcome&)> observer_;
  std::string log_;
  Logger logger_;
  IdGenerator ids_{7};
  Router router_;
  std::filesystem::path rate_dir_;
  state::StateBackend rate_state_;
};

TEST_F(DispatcherTest, GeneratesOrKeepsRequestIds) {
  Response r = Dispatch("GET", "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(IsUuidV4(*r.headers.Get("X-Request-Id")));
  r = Dispatch("GET", "/hello", "", {{"X-Request-Id", "client-abc.1"}});
  EXPECT_EQ(r.headers.Get("X-Request-Id"), "client-abc.1");
  r = Dispatch("GET", "/hello", "", {{"X-Request-Id", "bad id\nInjected: 1"}});
  EXPECT_TRUE(IsUuidV4(*r.headers.Get("X-Request-Id")));
}

TEST_F(DispatcherTest, ObserverSeesTheRoutePatternMethodAndStatus) {
  router_.Add("GET", "/items/{id}", Sync([](Request&) { return Response::Empty(204); }));
  std::vector<std::tuple<std::string, std::string, int>> seen;
  observer_ = [&seen](const RequestOutcome& o) {
    EXPECT_GE(o.elapsed.count(), 0);
    seen.emplace_back(std::string(o.route), std::string(o.method), o.status);
  };
  Dispatch("GET", "/items/42");
  Dispatch("GET", "/items/43");
  Dispatch("GET", "/nowhere");
  Dispatch("DELETE", "/hello");
  Dispatch("GET", "/throw");
  using Seen = std::tuple<std::string, std::string, int>;
  EXPECT_THAT(
      seen, ::testing::ElementsAre(Seen{"/items/{id}", "GET", 204}, Seen{"/items/{id}", "GET", 204},
                                   Seen{"unmatched", "GET", 404}, Seen{"unmatched", "DELETE", 405},
                                   Seen{"/throw", "GET", 500}));
}

TEST_F(DispatcherTest, EveryResponseCarriesSecurityHeaders) {
  for (const char* path : {"/hello", "/missing"}) {
    Response r = Dispatch("GET", path);
    EXPECT_EQ(r.headers.Get("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.headers.Get("Referrer-Policy"), "no-referrer") << path;
    EXPECT_THAT(std::string(*r.headers.Get("Content-Security-Policy")),
                HasSubstr("default-src 'self'"));
    EXPECT_THAT(std::string(*r.headers.Get("Content-Security-Policy")),
                HasSubstr("object-src 'none'"));
  }
}

TEST(ContentSecurityPolicyTest, MediaOriginsAreAllowedForMediaFetchesAndFormsOnly) {
  const std::string plain = ContentSecurityPolicy({});
  EXPECT_THAT(plain, HasSubstr("media-src 'self' blob:;"));
  EXPECT_THAT(plain, HasSubstr("form-action 'self';"));
  const std::string s3 = ContentSecurityPolicy({"https://bucket.s3.example"});
  for (const char* directive : {"img-src", "media-src", "connect-src", "form-action"}) {
    const size_t at = s3.find(directive);
    ASSERT_NE(at, std::string::npos) << directive;
    const std::string value = s3.substr(at, s3.find(';', at) - at);
    EXPECT_THAT(value, HasSubstr("https://bucket.s3.example")) << directive;
  }
  for (const char* directive : {"script-src", "style-src", "default-src", "worker-src"}) {
    const size_t at = s3.find(directive);
    EXPECT_THAT(s3.substr(at, s3.find(';', at) - at),
                ::testing::Not(HasSubstr("bucket.s3.example")))
        << directive;
  }
}

TEST_F(DispatcherTest, RoutingErrorsAreProblems) {
  Response r = Dispatch("GET", "/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(BodyJson(r)["code"], "not_found");
  r = Dispatch("PUT", "/hello");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow"), "GET, HEAD");
  EXPECT_EQ(BodyJson(r)["code"], "method_not_allowed");
  r = Dispatch("GET", "/%zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(BodyJson(r)["code"], "bad_path");
  r = Dispatch("OPTIONS", "/hello");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.Get("Allow"), "GET, HEAD");
}

TEST_F(DispatcherTest, BodiesWithinTheLimitArrive) {
  Response r = Dispatch("POST", "/echo", "0123456789", {{"Content-Length", "10"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(std::get<std::string>(r.body), "0123456789");
  EXPECT_FALSE(r.close);
}

TEST_F(DispatcherTest, DeclaredOversizeBodyIsRefusedUnread) {
  Response r = Dispatch("POST", "/echo", std::string(5000, 'x'), {{"Content-Length", "5000"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(BodyJson(r)["code"], "payload_too_large");
  EXPECT_TRUE(r.close);
  EXPECT_EQ(r.headers.Get("Connection"), "close");
}

TEST_F(DispatcherTest, UndeclaredOversizeBodyIsRefusedWhileStreaming) {
  Response r = Dispatch("POST", "/echo", std::string(50, 'x'));  // chunked: no Content-Length
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.close);
}

TEST_F(DispatcherTest, UnreadBodyClosesTheConnection) {
  Response r = Dispatch("POST", "/ignore", "abc", {{"Content-Length", "3"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.close);
}

TEST_F(DispatcherTest, HandlerExceptionsBecome500WithoutDetails) {
  Response r = Dispatch("GET", "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(BodyJson(r)["code"], "internal");
  EXPECT_THAT(std::get<std::string>(r.body), ::testing::Not(HasSubstr("/secret")));
  EXPECT_THAT(log_, HasSubstr("kaboom"));
}

TEST_F(DispatcherTest, CorsAllowListOnly) {
  const std::vector<std::string> allowed = {"https://app.example"};
  Response r = Dispatch("GET", "/hello", "", {{"Origin", "https://app.example"}}, allowed);
  EXPECT_EQ(r.headers.Get("Access-Control-Allow-Origin"), "https://app.example");
  r = Dispatch("GET", "/hello", "", {{"Origin", "https://evil.example"}}, allowed);
  EXPECT_FALSE(r.headers.Has("Access-Control-Allow-Origin"));
  r = Dispatch("GET", "/hello", "", {{"Origin", "https://app.example"}});  // none configured
  EXPECT_FALSE(r.headers.Has("Access-Control-Allow-Origin"));

  r = Dispatch("OPTIONS", "/echo", "",
               {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}},
               allowed);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.Get("Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(r.headers.Get("Access-Control-Allow-Origin"), "https://app.example");
  r = Dispatch("OPTIONS", "/echo", "",
               {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}},
               allowed);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(BodyJson(r)["code"], "cors_origin_denied");
}

// Another site's page can make a browser post a form or text/plain "JSON" here with no
// preflight; such requests carry that site in Origin and change nothing.
TEST_F(DispatcherTest, RequestsFromAnotherSiteThatChangeSomethingAreRefused) {
  const std::vector<std::string> cors = {"https://app.example"};
  auto post = [&](std::vector<std::pair<std::string, std::string>> headers) {
    headers.emplace_back("Host", "vmsg.example:8080");
    return Dispatch("POST", "/ignore", "", headers, cors);
  };
  for (const char* origin : {"https://evil.example", "null", "http://vmsg.example:9999",
                             "http://vmsg.example:8080.evil.example", "vmsg.example:8080"}) {
    Response r = post({{"Origin", origin}});
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_EQ(BodyJson(r)["code"], "origin_denied") << origin;
  }
  EXPECT_EQ(Dispatch("DELETE", "/ignore", "", {{"Origin", "https://evil.example"}}).status, 403);
  // The page's own origin (either scheme: a proxy may terminate TLS), an allowed one, and
  // clients that are not browsers (no Origin).
  EXPECT_EQ(post({{"Origin", "http://vmsg.example:8080"}}).status, 204);
  EXPECT_EQ(post({{"Origin", "https://VMSG.example:8080"}}).status, 204);
  EXPECT_EQ(post({{"Origin", "https://app.example"}}).status, 204);
  EXPECT_EQ(post({}).status, 204);
  // Reading is not refused (CORS decides what the other page may see).
  EXPECT_EQ(Dispatch("GET", "/hello", "", {{"Origin", "https://evil.example"}}).status, 200);
}

TEST_F(DispatcherTest, RateLimitedRoutesAnswer429WithRetryAfter) {
  state::RateLimiter* limits = RateLimits();
  ASSERT_NE(limits, nullptr);
  RouteOptions limited;
  limited.rate_group = RateGroup::kApi;
  router_.Add("GET", "/limited", Sync([](Request&) { return Response::Empty(204); }), limited);
  Dispatcher d(router_, {.rate_limiter = limits, .api_requests_per_hour = 2}, logger_, ids_);
  auto call = [&](std::string path, std::string client) {
    StringBodyReader body("");
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.remote_address = std::move(client);
    r.body = &body;
    return RunSync(d.Handle(r));
  };
  EXPECT_EQ(call("/limited", "192.0.2.1").status, 204);
  clock_.Advance(std::chrono::minutes(10));
  EXPECT_EQ(call("/limited", "192.0.2.1").status, 204);
  Response refused = call("/limited", "192.0.2.1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(BodyJson(refused)["code"], "rate_limited");
  EXPECT_EQ(refused.headers.Get("Retry-After"), "3000");  // the window ends 50 min later
  EXPECT_EQ(call("/limited", "192.0.2.2").status, 204);   // every client has its own budget
  EXPECT_EQ(call("/hello", "192.0.2.1").status, 200);     // routes outside a group never are
  clock_.Advance(std::chrono::minutes(50));
  EXPECT_EQ(call("/limited", "192.0.2.1").status, 204);  // a new window
}

// With keys required: /api/ routes need a good key (header or cookie), open routes and
// routes outside /api/ do not, and each key has its own rate budget.
TEST_F(DispatcherTest, ApiKeysGuardApiRoutesAndCountRateLimitsPerKey) {
  state::RateLimiter* limits = RateLimits();
  ASSERT_NE(limits, nullptr);
  RouteOptions limited;
  limited.rate_group = RateGroup::kApi;
  std::string seen_key;
  router_.Add("GET", "/api/thing", Sync([&seen_key](Request& r) {
                seen_key = r.api_key_id;
                return Response::Empty(204);
              }),
              limited);
  RouteOptions open;
  open.open_without_api_key = true;
  router_.Add("GET", "/api/config", Sync([](Request&) { return Response::Empty(204); }), open);
  auto check = [](std::string_view key) -> Result<std::string> {
    if (key == "good-1") return std::string("key_1");
    if (key == "good-2") return std::string("key_2");
    if (key == "old") return Status::PermissionDenied("revoked", "api_key_revoked");
    if (key == "down") return Status::Unavailable("the state store is down", "state_unavailable");
    return Status::NotFound("no such key", "api_key_invalid");
  };
  Dispatcher d(router_,
               {.check_api_key = check, .rate_limiter = limits, .api_requests_per_hour = 2},
               logger_, ids_);
  auto call = [&](std::string path, std::vector<std::pair<std::string, std::string>> headers) {
    StringBodyReader body("");
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.remote_address = "192.0.2.7";
    for (auto& [k, v] : headers) r.headers.Add(k, v);
    r.body = &body;
    return RunSync(d.Handle(r));
  };
  Response missing = call("/api/thing", {});
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(BodyJson(missing)["code"], "api_key_required");
  EXPECT_EQ(missing.headers.Get("WWW-Authenticate"), "Bearer realm=\"vmsg\"");
  EXPECT_EQ(BodyJson(call("/api/thing", {{"Authorization", "Bearer wrong"}}))["code"],
            "api_key_invalid");
  EXPECT_EQ(BodyJson(call("/api/thing", {{"Authorization", "Basic Z29vZC0x"}}))["code"],
            "api_key_invalid");
  EXPECT_EQ(BodyJson(call("/api/thing", {{"Authorization", "Bearer"}}))["code"], "api_key_invalid");
  EXPECT_EQ(BodyJson(call("/api/thing", {{"Authorization", "Bearer good-1"},
                                         {"Authorization", "Bearer good-2"}}))["code"],
            "api_key_invalid");
  Response revoked = call("/api/thing", {{"Authorization", "Bearer old"}});
  EXPECT_EQ(revoked.status, 403);
  EXPECT_EQ(BodyJson(revoked)["code"], "api_key_revoked");
  EXPECT_EQ(call("/api/thing", {{"Authorization", "Bearer down"}}).status, 503);  // fails closed
  EXPECT_EQ(seen_key, "");  // no refused request reached the handler

  EXPECT_EQ(call("/api/thing", {{"Authorization", "bearer good-1"}}).status, 204);
  EXPECT_EQ(seen_key, "key_1");
  EXPECT_EQ(call("/api/thing", {{"Cookie", "a=b; vmsg_api_key=good-1"}}).status, 204);
  EXPECT_EQ(call("/api/thing", {{"Authorization", "Bearer good-1"}}).status, 429);  // key 1 spent
  EXPECT_EQ(call("/api/thing", {{"Authorization", "Bearer good-2"}}).status, 204);  // its own
  EXPECT_EQ(seen_key, "key_2");
  // The header wins over the cookie.
  EXPECT_EQ(
      call("/api/thing", {{"Authorization", "Bearer wrong"}, {"Cookie", "vmsg_api_key=good-2"}})
          .status,
      401);
  EXPECT_EQ(call("/api/config", {}).status, 204);  // open
  EXPECT_EQ(call("/hello", {}).status, 200);       // not under /api/
}

// The generate route's budget is for videos made: ten refused requests (400) leave it whole.
TEST_F(DispatcherTest, OnlyAcceptedRequestsSpendAnAcceptedOnlyBudget) {
  state::RateLimiter* limits = RateLimits();
  ASSERT_NE(limits, nullptr);
  RouteOptions generate;
  generate.rate_group = RateGroup::kGenerate;
  generate.rate_counts_accepted_only = true;
  router_.Add("POST", "/make", Sync([](Request& r) {
                return r.headers.Get("X-Valid") ? Response::Empty(202)
                                                : ProblemResponse(400, "invalid_request", "no");
              }),
              generate);
  Dispatcher d(router_, {.rate_limiter = limits, .generations_per_hour = 2}, logger_, ids_);
  auto call = [&](bool valid) {
    StringBodyReader body("");
    Request r;
    r.method = "POST";
    r.path = "/make";
    r.remote_address = "192.0.2.7";
    if (valid) r.headers.Set("X-Valid", "1");
    r.body = &body;
    return RunSync(d.Handle(r)).status;
  };
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call(false), 400) << i;
  EXPECT_EQ(call(true), 202);
  EXPECT_EQ(call(true), 202);
  EXPECT_EQ(call(true), 429);  // the budget: two videos
  EXPECT_EQ(call(false), 429);
}

TEST_F(DispatcherTest, ARouteMayPickItsRateGroupPerRequest) {
  state::RateLimiter* limits = RateLimits();
  ASSERT_NE(limits, nullptr);
  // As the detect route: a file is an upload, a JSON body (a key) an API call.
  RouteOptions either;
  either.rate_group = RateGroup::kUpload;
  either.rate_group_of = [](const Request& r) {
    return r.headers.Get("Content-Type") == "application/json" ? RateGroup::kApi
                                                               : RateGroup::kUpload;
  };
  router_.Add("POST", "/either", Sync([](Request&) { return Response::Empty(204); }), either);
  Dispatcher d(router_, {.rate_limiter = limits, .api_requests_per_hour = 3, .uploads_per_hour = 1},
               logger_, ids_);
  auto call = [&](std::string type) {
    StringBodyReader body("");
    Request r;
    r.method = "POST";
    r.path = "/either";
    r.remote_address = "192.0.2.1";
    r.headers.Set("Content-Type", std::move(type));
    r.body = &body;
    return RunSync(d.Handle(r)).status;
  };
  EXPECT_EQ(call("multipart/form-data; boundary=b"), 204);
  EXPECT_EQ(call("multipart/form-data; boundary=b"), 429);  // the upload budget is used up
  EXPECT_EQ(call("application/json"), 204);                 // the API budget is not
  EXPECT_EQ(call("application/json"), 204);
  EXPECT_EQ(call("application/json"), 204);
  EXPECT_EQ(call("application/json"), 429);
}

TEST(ClientAddressTest, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  const std::vector<std::string> trusted = {"10.0.0.1", "10.0.0.2"};
  EXPECT_EQ(ClientAddress("203.0.113.9", std::nullopt, trusted), "203.0.113.9");
  // An untrusted peer cannot claim another address.
  EXPECT_EQ(ClientAddress("203.0.113.9", "1.2.3.4", trusted), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.0.1", "198.51.100.7", trusted), "198.51.100.7");
  // A client-supplied entry to the left of the real client is ignored.
  EXPECT_EQ(ClientAddress("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", trusted), "198.51.100.7");
  // Garbage stops the walk at the last good hop.
  EXPECT_EQ(ClientAddress("10.0.0.1", "evil<script>, 10.0.0.2", trusted), "10.0.0.2");
  EXPECT_EQ(ClientAddress("10.0.0.1", "2001:db8::1", trusted), "2001:db8::1");
  EXPECT_EQ(ClientAddress("10.0.0.1", "", trusted), "10.0.0.1");
}

TEST_F(DispatcherTest, RemoteAddressComesFromTrustedProxyHeader) {
  Dispatcher d(router_, {.trusted_proxies = {"127.0.0.1"}}, logger_, ids_);
  StringBodyReader reader("");
  Request r;
  r.method = "GET";
  r.path = "/hello";
  r.remote_address = "127.0.0.1";
  r.headers.Add("X-Forwarded-For", "198.51.100.7");
  r.body = &reader;
  Response response = RunSync(d.Handle(r));
  EXPECT_EQ(std::get<std::string>(response.body), "hi 198.51.100.7");
}

TEST_F(DispatcherTest, VaryOriginWheneverCorsIsConfigured) {
  Response r = Dispatch("GET", "/hello", "", {}, {"https://app.example"});
  EXPECT_EQ(r.headers.Get("Vary"), "Origin");
  r = Dispatch("GET", "/hello");
  EXPECT_FALSE(r.headers.Has("Vary"));
}

}  // namespace
}  // namespace vmsg::http
