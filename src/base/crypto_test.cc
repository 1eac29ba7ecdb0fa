#include "base/crypto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg {
namespace {

TEST(CryptoTest, Sha256MatchesFipsVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, Base64RoundTripsAndMatchesRfc4648) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
  const std::string binary("\0\xff\x10 x", 5);
  EXPECT_EQ(Base64Decode(Base64Encode(binary)), binary);
}

TEST(CryptoTest, Base64DecodeRejectsMalformedText) {
  EXPECT_EQ(Base64Decode("Zg="), std::nullopt);       // not a multiple of 4
  EXPECT_EQ(Base64Decode("Z=g="), std::nullopt);      // padding in the middle
  EXPECT_EQ(Base64Decode("Zm9v!mFy"), std::nullopt);  // outside the alphabet
}

TEST(CryptoTest, UriEncodeFollowsSigV4Rules) {
  EXPECT_EQ(UriEncode("a b+c~d_e.f-g", false), "a%20b%2Bc~d_e.f-g");
  EXPECT_EQ(UriEncode("dir/file name", true), "dir/file%20name");
  EXPECT_EQ(UriEncode("dir/file", false), "dir%2Ffile");
  EXPECT_EQ(UriEncode("\xe3\x81\x82", false), "%E3%81%82");
}

TEST(CryptoTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(CryptoTest, RandomBytesDiffer) {
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

}  // namespace
}  // namespace vmsg
