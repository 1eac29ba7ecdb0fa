#include "generate/generate_args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vmsg::generate {
namespace {

using ::testing::HasSubstr;

Json Minimal() {
  return {{"text", "お誕生日おめでとう"}, {"object_key", "images/uploads/x/a.jpg"}};
}

TEST(GenerateArgsTest, DefaultsWhenOnlyTextAndImageAreGiven) {
  Result<GenerateArgs> args = GenerateArgsFromJson(Minimal());
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(args->text, "お誕生日おめでとう");
  EXPECT_EQ(args->voice_id, kDefaultVoice);
  EXPECT_FALSE(args->bgm_id.has_value());
  EXPECT_EQ(args->background_id, kDefaultBackground);
  EXPECT_FALSE(args->person_index.has_value());
  EXPECT_FALSE(args->prosody.preset.has_value());
  EXPECT_EQ(args->prosody.speed, 1);
  EXPECT_TRUE(args->language.empty());
  EXPECT_EQ(args->framing, image::Framing::kAuto);
  EXPECT_EQ(args->format, image::OutputFormat::kPortrait);
}

TEST(GenerateArgsTest, RoundTripsThroughJson) {
  Json fields = Minimal();
  fields["voice_id"] = "default_male";
  fields["bgm_id"] = "celebration_gentle";
  fields["background_id"] = "upload";
  fields["background_key"] = "images/uploads/x/bg.png";
  fields["person_index"] = 2;
  fields["framing"] = "half";
  fields["format"] = "landscape";
  fields["prosody"] = {{"preset", "calm"}, {"speed", 1.25}, {"pitch", -2}, {"volume", 3}};
  fields["language"] = "ja";
  Result<GenerateArgs> args = GenerateArgsFromJson(fields);
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  Result<GenerateArgs> again = GenerateArgsFromJson(args->ToJson());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToJson(), args->ToJson());
  EXPECT_EQ(again->bgm_id, "celebration_gentle");
  EXPECT_EQ(again->person_index, 2);
  EXPECT_EQ(again->prosody.preset, speech::ProsodyPreset::kCalm);
  EXPECT_EQ(again->prosody.speed, 1.25);
  EXPECT_EQ(again->prosody.pitch_semitones, -2);
  EXPECT_EQ(again->prosody.volume_db, 3);
  EXPECT_EQ(again->background_key, "images/uploads/x/bg.png");
  EXPECT_EQ(again->framing, image::Framing::kHalf);
  EXPECT_EQ(again->format, image::OutputFormat::kLandscape);
  EXPECT_EQ(args->ToJson()["format"], "landscape");
}

// A Celery client names the format in the task's kwargs as the API's JSON does; each of the
// four is taken, by its exact name only.
TEST(GenerateArgsTest, EveryFormatByItsNameFromCeleryKwargs) {
  for (size_t i = 0; i < image::kOutputFormats.size(); ++i) {
    Json kwargs = Minimal();
    kwargs["format"] = std::string(image::kOutputFormats[i].name);
    Result<GenerateArgs> args = GenerateArgsFromJson(kwargs);
    ASSERT_TRUE(args.ok()) << args.status();
    EXPECT_EQ(args->format, image::OutputFormat(i));
  }
  EXPECT_EQ(image::SizeName(image::OutputFormat::kPortrait), "512x910");
  EXPECT_EQ(image::SizeName(image::OutputFormat::kPortraitHd), "1080x1920");
}

TEST(GenerateArgsTest, FormFieldsAsTextAreNumbersWhereNumbersBelong) {
  Json fields = Minimal();
  fields["person_index"] = "1";
  fields["speed"] = "0.75";
  fields["prosody"] = "celebration";
  fields["bgm_id"] = "none";
  Result<GenerateArgs> args = GenerateArgsFromJson(fields);
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(args->person_index, 1);
  EXPECT_EQ(args->prosody.speed, 0.75);
  EXPECT_EQ(args->prosody.preset, speech::ProsodyPreset::kCelebration);
  EXPECT_FALSE(args->bgm_id.has_value());
}

TEST(GenerateArgsTest, TopLevelAdjustmentsOverrideTheProsodyObject) {
  Json fields = Minimal();
  fields["prosody"] = {{"speed", 1.5}};
  fields["speed"] = 0.8;
  Result<GenerateArgs> args = GenerateArgsFromJson(fields);
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->prosody.speed, 0.8);
}

struct BadCase {
  const char* name;
  Json patch;
  const char* reason;
  const char* mentions;
};

class GenerateArgsRefusalTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(GenerateArgsRefusalTest, RefusesWithAStableReasonNamingTheField) {
  Json fields = Minimal();
  for (const auto& [key, value] : GetParam().patch.items()) {
    if (value.is_null() && key == "text") {
      fields.erase("text");
    } else {
      fields[key] = value;
    }
  }
  Result<GenerateArgs> args = GenerateArgsFromJson(fields);
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().reason(), GetParam().reason) << args.status().ToString();
  EXPECT_THAT(args.status().message(), HasSubstr(GetParam().mentions));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GenerateArgsRefusalTest,
    ::testing::Values(
        BadCase{"missing_text", {{"text", nullptr}}, "invalid_request", "text"},
        BadCase{"text_not_string", {{"text", 5}}, "invalid_request", "text"},
        BadCase{"unknown_field", {{"colour", "red"}}, "unknown_field", "colour"},
        BadCase{"negative_person", {{"person_index", -1}}, "invalid_request", "person_index"},
        BadCase{"fractional_person", {{"person_index", 1.5}}, "invalid_request", "person_index"},
        BadCase{"person_text", {{"person_index", "one"}}, "invalid_request", "person_index"},
        BadCase{"speed_range", {{"speed", 3}}, "invalid_prosody", "speed"},
        BadCase{"pitch_range", {{"prosody", {{"pitch", 7}}}}, "invalid_prosody", "pitch"},
        BadCase{"speed_nan_text", {{"speed", "fast"}}, "invalid_request", "speed"},
        BadCase{"preset", {{"prosody", "shouty"}}, "invalid_prosody", "preset"},
        BadCase{"prosody_key", {{"prosody", {{"tempo", 2}}}}, "unknown_field", "prosody.tempo"},
        BadCase{"language", {{"language", "fr"}}, "invalid_request", "language"},
        BadCase{"upload_without_key",
                {{"background_id", "upload"}},
                "invalid_request",
                "background_key"},
        BadCase{"voice_not_string", {{"voice_id", 3}}, "invalid_request", "voice_id"},
        BadCase{"framing", {{"framing", "portrait"}}, "invalid_framing", "auto, bust, half, full"},
        BadCase{"framing_not_string", {{"framing", 2}}, "invalid_request", "framing"},
        BadCase{"format",
                {{"format", "1080p"}},
                "invalid_format",
                "portrait, portrait_hd, square, landscape, not '1080p'"},
        BadCase{"format_case", {{"format", "Landscape"}}, "invalid_format", "landscape"},
        BadCase{"format_long",
                {{"format", std::string(5000, 'x')}},
                "invalid_format",
                "not 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"},
        BadCase{"format_not_string", {{"format", 1080}}, "invalid_request", "format"},
        BadCase{"background_key_elsewhere",
                {{"background_id", "upload"}, {"background_key", "videos/t/thumbnail.jpg"}},
                "invalid_object_key",
                "images/uploads/"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(GenerateArgsTest, StoredArgumentsNeedTheImage) {
  Json fields = Minimal();
  fields.erase("object_key");
  EXPECT_TRUE(ParseGenerateArgs(fields).ok());
  Result<GenerateArgs> args = GenerateArgsFromJson(fields);
  ASSERT_FALSE(args.ok());
  EXPECT_THAT(args.status().message(), HasSubstr("object_key"));
}

TEST(GenerateArgsTest, TheImageMustBeAnUpload) {
  for (const char* key : {"videos/x/final_video.mp4", "images/uploads/", "images/uploadsx/a.jpg",
                          "images/uploads/../../videos/x/final_video.mp4", "bgm/system/a.mp3"}) {
    Json fields = Minimal();
    fields["object_key"] = key;
    Result<GenerateArgs> args = ParseGenerateArgs(fields);
    ASSERT_FALSE(args.ok()) << key;
    EXPECT_EQ(args.status().reason(), "invalid_object_key") << key;
  }
  EXPECT_TRUE(CheckImageObjectKey("images/uploads/0b9c/source.jpg").ok());
}

TEST(GenerateArgsTest, NotAnObjectIsInvalidJson) {
  Result<GenerateArgs> args = ParseGenerateArgs(Json::array());
  ASSERT_FALSE(args.ok());
  EXPECT_EQ(args.status().reason(), "invalid_json");
}

TEST(PreviewArgsTest, ThePhotoByImageIdOrObjectKeyAndThePicturesChoices) {
  Result<PreviewArgs> by_id =
      ParsePreviewArgs({{"image_id", "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c"},
                        {"person", 1},
                        {"framing", "full"},
                        {"format", "square"}});
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->image_id, "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c");
  EXPECT_TRUE(by_id->image_key.empty());
  EXPECT_EQ(by_id->person_index, 1);
  EXPECT_EQ(by_id->framing, image::Framing::kFull);
  EXPECT_EQ(by_id->format, image::OutputFormat::kSquare);
  EXPECT_EQ(by_id->background_id, kDefaultBackground);
  Result<PreviewArgs> by_key = ParsePreviewArgs({{"object_key", "images/uploads/x/original.jpg"},
                                                 {"person_index", 0},
                                                 {"background_id", "blurred"}});
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  EXPECT_EQ(by_key->image_key, "images/uploads/x/original.jpg");
  EXPECT_EQ(by_key->background_id, "blurred");

  const std::pair<Json, const char*> refused[] = {
      {Json::object(), "missing_image"},
      {{{"image_id", "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c"},
        {"object_key", "images/uploads/x/a.jpg"}},
       "missing_image"},
      {{{"image_id", "not-an-id"}}, "invalid_request"},
      {{{"object_key", "bgm/system/a.mp3"}}, "invalid_object_key"},
      {{{"object_key", "images/uploads/x/a.jpg"}, {"text", "hi"}}, "unknown_field"},
      {{{"object_key", "images/uploads/x/a.jpg"}, {"person", 1}, {"person_index", 1}},
       "invalid_request"},
      {{{"object_key", "images/uploads/x/a.jpg"}, {"person", nullptr}}, "invalid_request"},
      {{{"object_key", "images/uploads/x/a.jpg"}, {"framing", "wide"}}, "invalid_framing"},
      {{{"object_key", "images/uploads/x/a.jpg"}, {"format", "wide"}}, "invalid_format"},
      {Json::array(), "invalid_json"}};
  for (const auto& [fields, reason] : refused) {
    Result<PreviewArgs> args = ParsePreviewArgs(fields);
    ASSERT_FALSE(args.ok()) << fields;
    EXPECT_EQ(args.status().reason(), reason) << fields << ": " << args.status();
  }
}

}  // namespace
}  // namespace vmsg::generate
