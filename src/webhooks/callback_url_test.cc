// Callback URLs: their shape, and which addresses they may reach.
#include "webhooks/callback_url.h"

#include <gtest/gtest.h>

namespace vmsg::webhooks {
namespace {

TEST(CallbackUrlTest, ParsesHttpAndHttpsUrlsWithTheirPorts) {
  auto a = ParseCallbackUrl("https://hooks.example.com/vmsg?x=1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->scheme, "https");
  EXPECT_EQ(a->host, "hooks.example.com");
  EXPECT_EQ(a->port, 443);
  auto b = ParseCallbackUrl("HTTP://Example.COM:8080");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->scheme, "http");
  EXPECT_EQ(b->host, "example.com");
  EXPECT_EQ(b->port, 8080);
  auto c = ParseCallbackUrl("http://[2001:db8::1]:9000/hook");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->host, "2001:db8::1");
  EXPECT_EQ(c->port, 9000);
}

TEST(CallbackUrlTest, RefusesWhatIsNotAnHttpUrlToAHost) {
  for (const std::string& bad :
       {std::string(), std::string("hooks.example.com/x"), std::string("ftp://example.com/"),
        std::string("file:///etc/passwd"), std::string("gopher://example.com"),
        std::string("http://"), std::string("http://:80/"),
        std::string("http://user:pw@example.com/"), std::string("http://example.com:0/"),
        std::string("http://example.com:65536/"), std::string("http://example.com:80x/"),
        std::string("http://example.com/a b"), std::string("http://example.com/#frag"),
        std::string("http://[::1/"), std::string("http://[nothex]/"),
        std::string("https://example.com/\xe3\x81\x82"),
        "https://example.com/" + std::string(2048, 'a')}) {
    EXPECT_EQ(ParseCallbackUrl(bad).status().reason(), "invalid_callback_url") << bad;
  }
}

TEST(CallbackUrlTest, ClassifiesNonPublicAddresses) {
  for (const char* address : {"127.0.0.1",
                              "127.1.2.3",
                              "10.0.0.1",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254",
                              "100.64.0.1",
                              "0.0.0.0",
                              "224.0.0.1",
                              "255.255.255.255",
                              "198.18.0.1",
                              "::1",
                              "::",
                              "fc00::1",
                              "fd12:3456::1",
                              "fe80::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.1.2.3",
                              "64:ff9b::a9fe:a9fe"}) {
    EXPECT_TRUE(IsNonPublicAddress(address)) << address;
  }
  for (const char* address : {"8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1",
                              "2606:4700::1111", "::ffff:8.8.8.8", "not an address"}) {
    EXPECT_FALSE(IsNonPublicAddress(address)) << address;
  }
}

TEST(CallbackUrlTest, NamesAndLiteralsThatReachThisMachineAreRefusedUnlessAllowed) {
  for (const char* url : {"http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]:8080/",
                          "http://169.254.169.254/latest/meta-data/"}) {
    auto parsed = ParseCallbackUrl(url);
    ASSERT_TRUE(parsed.ok()) << url;
    EXPECT_EQ(ResolveCallbackUrl(*parsed, false).status().reason(), "callback_url_refused") << url;
    EXPECT_TRUE(ResolveCallbackUrl(*parsed, true).ok()) << url;
  }
  auto nowhere = ParseCallbackUrl("http://no-such-host.invalid/hook");
  ASSERT_TRUE(nowhere.ok());
  EXPECT_EQ(ResolveCallbackUrl(*nowhere, true).status().reason(), "callback_url_unresolvable");
}

}  // namespace
}  // namespace vmsg::webhooks
