// The X-Vmsg-Signature header, against a vector computed with Python's hmac module.
#include "webhooks/signature.h"

#include <gtest/gtest.h>

namespace vmsg::webhooks {
namespace {

constexpr std::string_view kBody = R"({"task_id":"t","status":"SUCCESS"})";

TEST(SignatureTest, MatchesAnIndependentHmacSha256) {
  // hmac.new(b'whsec_test', b'1700000000.' + body, hashlib.sha256).hexdigest()
  EXPECT_EQ(SignatureHeader("whsec_test", 1700000000, kBody),
            "t=1700000000,v1=2b1ef4ccb8d5b3a48bced0d1feab4339b05abe6eb3d705d8b2e358221c676d55");
}

TEST(SignatureTest, VerifiesOnlyTheSameSecretBodyAndARecentTime) {
  const std::string header = SignatureHeader("s3cret", 1700000000, kBody);
  EXPECT_TRUE(VerifySignature("s3cret", header, kBody, 1700000100));
  EXPECT_FALSE(VerifySignature("other", header, kBody, 1700000100));
  std::string changed(kBody);
  changed[3] = 'T';
  EXPECT_FALSE(VerifySignature("s3cret", header, changed, 1700000100));
  EXPECT_FALSE(VerifySignature("s3cret", header, kBody, 1700000000 + 301));  // a replay
  EXPECT_FALSE(VerifySignature("s3cret", "v1=abc", kBody, 1700000000));
  EXPECT_FALSE(VerifySignature("s3cret", "t=17x,v1=abc", kBody, 1700000000));
}

}  // namespace
}  // namespace vmsg::webhooks
