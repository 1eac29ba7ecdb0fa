#include "objects/object_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg::objects {
namespace {

TEST(ValidateKeyTest, AcceptsTheSpecsKeys) {
  for (const char* key :
       {"images/uploads/0b6f/original.jpg", "voices/custom/my_voice.wav", "bgm/system/a.mp3",
        "videos/x/final_video.mp4", "backups/metadata/20261130/voices_metadata.json",
        "unicode/\xe3\x81\x82 space+plus~tilde.txt"}) {
    EXPECT_TRUE(ValidateKey(key).ok()) << key;
  }
}

TEST(ValidateKeyTest, RefusesKeysThatCouldEscapeOrConfuse) {
  const std::string with_nul("a\0b", 3);
  for (const std::string& key : std::vector<std::string>{
           "", "/etc/passwd", "a/../b", "..", "a/./b", "a//b", "a/", "a\\b", with_nul, "a\nb",
           std::string(1025, 'k'), "bad\xff utf8", "\xc0\xaf overlong"}) {
    Status s = ValidateKey(key);
    EXPECT_TRUE(s.IsInvalidArgument()) << key;
    EXPECT_EQ(s.reason(), "invalid_object_key") << key;
  }
  EXPECT_TRUE(ValidateKey(std::string(1024, 'k')).ok());
}

TEST(SpecLifecycleRulesTest, AreTheSpecsFourRules) {
  const auto& rules = SpecLifecycleRules();
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].prefix, "images/uploads/");
  EXPECT_EQ(rules[0].expiration_days, 7);
  EXPECT_EQ(rules[1].prefix, "voices/generated/");
  EXPECT_EQ(rules[1].expiration_days, 7);
  EXPECT_EQ(rules[2].prefix, "videos/");
  EXPECT_EQ(rules[2].expiration_days, 30);
  EXPECT_EQ(rules[3].prefix, "voices/custom/");
  EXPECT_EQ(rules[3].transition_days, 90);
  EXPECT_EQ(rules[3].transition_storage_class, "GLACIER");
}

}  // namespace
}  // namespace vmsg::objects
