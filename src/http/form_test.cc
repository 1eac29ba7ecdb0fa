// FormCollector over the real parser: what is kept, and each refusal's reason.
#include "http/form.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vmsg::http {
namespace {

constexpr char kBoundary[] = "b0undary";

struct Part {
  std::string name;
  std::string body;
  std::string filename;  // empty: a text field
};

std::string Body(const std::vector<Part>& parts) {
  std::string out;
  for (const Part& p : parts) {
    out += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + p.name +
           "\"";
    if (!p.filename.empty()) out += "; filename=\"" + p.filename + "\"";
    out += "\r\n\r\n" + p.body + "\r\n";
  }
  return out + "--" + kBoundary + "--\r\n";
}

Status Collect(FormCollector& form, const std::vector<Part>& parts) {
  MultipartParser parser(kBoundary, {.max_parts = 64, .max_part_bytes = 1 << 20}, form);
  VMSG_RETURN_IF_ERROR(parser.Feed(Body(parts)));
  return parser.Finish();
}

FormRules PhotoRules() {
  return {.files = {{.names = {"image"},
                     .max_bytes = 10,
                     .what = "the photo",
                     .too_large_reason = "image_too_large",
                     .too_many_reason = "too_many_images",
                     .too_many_message = "send one photo"},
                    {.names = {"files"},
                     .any_filename = true,
                     .max_count = 2,
                     .max_bytes = 4,
                     .what = "recording",
                     .too_large_reason = "file_too_large",
                     .too_many_reason = "too_many_files",
                     .too_many_message = "two at most"}},
          .max_fields = 3,
          .max_field_bytes = 5,
          .field_too_long_reasons = {{"name", "name_too_long"}}};
}

TEST(FormCollectorTest, KeepsFieldsAndFilesByRule) {
  FormCollector form(PhotoRules());
  ASSERT_TRUE(Collect(form, {{"text", "hello"},
                             {"image", "jpeg", "a.jpg"},
                             {"files", "r1", "one.wav"},
                             {"other", "r2", "two.wav"}})
                  .ok());
  EXPECT_EQ(form.field("text"), "hello");
  EXPECT_EQ(form.field("missing"), std::nullopt);
  ASSERT_EQ(form.files(0).size(), 1u);
  EXPECT_EQ(form.files(0)[0].bytes, "jpeg");
  EXPECT_EQ(form.files(0)[0].filename, "a.jpg");
  ASSERT_EQ(form.files(1).size(), 2u);  // "files" by name, "other" by its filename
  EXPECT_EQ(form.files(1)[1].bytes, "r2");
  EXPECT_EQ(form.files(1)[1].field, "other");
}

TEST(FormCollectorTest, EachLimitRefusesWithItsReason) {
  auto reason = [](FormRules rules, const std::vector<Part>& parts) {
    FormCollector form(std::move(rules));
    return Collect(form, parts).reason();
  };
  EXPECT_EQ(reason(PhotoRules(), {{"image", "12345678901", "a.jpg"}}), "image_too_large");
  EXPECT_EQ(reason(PhotoRules(), {{"image", "a", "a.jpg"}, {"image", "b", "b.jpg"}}),
            "too_many_images");
  EXPECT_EQ(reason(PhotoRules(), {{"files", "12345", "a.wav"}}), "file_too_large");
  EXPECT_EQ(reason(PhotoRules(), {{"x", "1", "a"}, {"y", "2", "b"}, {"z", "3", "c"}}),
            "too_many_files");
  EXPECT_EQ(reason(PhotoRules(), {{"text", "123456"}}), "form_field_too_large");
  EXPECT_EQ(reason(PhotoRules(), {{"name", "123456"}}), "name_too_long");
  EXPECT_EQ(reason(PhotoRules(), {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}),
            "too_many_fields");
  // A repeated field is the last one's unless refused.
  FormRules strict = PhotoRules();
  strict.refuse_repeated_fields = true;
  EXPECT_EQ(reason(strict, {{"a", "1"}, {"a", "2"}}), "invalid_request");
  FormRules no_any = PhotoRules();
  no_any.files[1].any_filename = false;
  no_any.refuse_unknown_files = true;
  EXPECT_EQ(reason(no_any, {{"other", "r", "x.wav"}}), "unknown_field");
}

TEST(FormCollectorTest, FieldsNotKeptAreReadPastWithoutTheirLimit) {
  FormRules rules = PhotoRules();
  rules.kept_fields = std::vector<std::string>{"name"};
  FormCollector form(std::move(rules));
  ASSERT_TRUE(Collect(form, {{"name", "ok"}, {"note", "far longer than five bytes"}}).ok());
  EXPECT_EQ(form.field("name"), "ok");
  EXPECT_EQ(form.field("note"), std::nullopt);
  EXPECT_EQ(form.fields().size(), 1u);
}

}  // namespace
}  // namespace vmsg::http
