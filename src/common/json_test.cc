#include "common/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg {
namespace {

using ::testing::HasSubstr;

TEST(JsonTest, ParsesValidJson) {
  Result<Json> j = ParseJson(R"({"a": 1, "b": "x"})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["a"], 1);
}

TEST(JsonTest, ReportsWhereParsingFailed) {
  Result<Json> j = ParseJson(R"({"a": 1,, })");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().reason(), "invalid_json");
  EXPECT_THAT(j.status().message(), HasSubstr("byte 9"));
  EXPECT_FALSE(ParseJson("").ok());
}

TEST(JsonTest, TypedFieldsNameTheField) {
  Json j = Json::parse(R"({"s": "x", "i": 3, "d": 2.5, "b": true})");
  EXPECT_EQ(*GetString(j, "s"), "x");
  EXPECT_EQ(*GetInt(j, "i"), 3);
  EXPECT_DOUBLE_EQ(*GetNumber(j, "d"), 2.5);
  EXPECT_DOUBLE_EQ(*GetNumber(j, "i"), 3.0);
  EXPECT_TRUE(*GetBool(j, "b"));
  EXPECT_THAT(GetString(j, "i").status().message(), HasSubstr("field 'i' must be a string"));
  EXPECT_THAT(GetInt(j, "d").status().message(), HasSubstr("'d' must be an integer"));
  EXPECT_THAT(GetBool(j, "zz").status().message(), HasSubstr("missing field 'zz'"));
  EXPECT_FALSE(GetString(Json::array(), "s").ok());
}

TEST(JsonTest, DumpReplacesInvalidUtf8) {
  Json j = std::string("a\xff");
  EXPECT_EQ(DumpJson(j), "\"a\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace vmsg
