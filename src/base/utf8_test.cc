#include "base/utf8.h"

#include <gtest/gtest.h>

namespace vmsg {
namespace {

TEST(Utf8Test, RoundTripsEveryLength) {
  const std::u32string text = U"a\u00e9\u3042\U0001F382";  // 1, 2, 3 and 4 bytes
  const std::string bytes = EncodeUtf8(text);
  EXPECT_EQ(bytes, "a\xc3\xa9\xe3\x81\x82\xf0\x9f\x8e\x82");
  EXPECT_EQ(*DecodeUtf8(bytes), text);
}

TEST(Utf8Test, RefusesWhatIsNotStrictUtf8) {
  for (const std::string& bad :
       {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xe0\x80\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\xe3\x81"),
        std::string("\xe3\x41\x82")}) {
    Result<std::u32string> decoded = DecodeUtf8(bad);
    EXPECT_EQ(decoded.status().reason(), "invalid_utf8");
    EXPECT_FALSE(IsValidUtf8(bad));
  }
  EXPECT_NE(DecodeUtf8("ok\xe3\x41\x42").status().message().find("offset 3"), std::string::npos);
}

}  // namespace
}  // namespace vmsg
