#include "base/json.h"

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

// The details are ours: where it went wrong and what was there, never the parser's own
// words ("[json.exception.parse_error.101] ... syntax error while parsing value").
TEST(JsonTest, ParseErrorsSayWhatIsWrongInOurWords) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the body is empty"},
      {"  \n", "the body is empty"},
      {R"({"object_key":)", "ends before it is complete (14 bytes)"},
      {"{\n  \"a\": x}", "unexpected 'x' at byte 10 (line 2, column 8)"},
      {"{\"a\": \"\xC3\x28\"}", "not valid UTF-8"},
      {"{\"a\": \"tab\there\"}", "control character (0x09)"},
  };
  for (const auto& [text, says] : cases) {
    Result<Json> j = ParseJson(text);
    ASSERT_FALSE(j.ok()) << text;
    EXPECT_EQ(j.status().reason(), "invalid_json");
    EXPECT_THAT(j.status().message(), HasSubstr(says)) << text;
    EXPECT_THAT(j.status().message(), ::testing::Not(HasSubstr("json.exception"))) << text;
    EXPECT_THAT(j.status().message(), ::testing::Not(HasSubstr("parse_error"))) << text;
  }
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
