// The photo endpoints the page calls before generating. POST /api/image/frame: the framed
// still for a detected photo, by image id or by an upload's key, for each framing and
// background, and its refusals (nothing stored by any). POST /api/person-detection/detect
// naming a presigned upload by its object key, as the web page does: a real photo from Debian's
// dlib examples uploaded with a real presigned form to the local store, then detected from the
// store; and every refusal (no such object, a key outside images/uploads/, an object that is not a
// photo, one over the photo limit), none of which changes what is stored. The multipart path
// answers the same photo the same way.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <sstream>

#include "api/image_handlers.h"
#include "base/json.h"
#include "http_fetch.h"
#include "image/image_io.h"
#include "image/output_format.h"
#include "running_service.h"

namespace vmsg {
namespace {

using testing::FetchResult;
using testing::HttpPostForm;
using testing::HttpPostJson;

const std::filesystem::path kFaces = "/usr/share/doc/libdlib19.1/examples/faces";
// Several people.
constexpr char kGroup[] = "2008_001009.jpg";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Json BodyOf(const FetchResult& r) {
  Result<Json> j = ParseJson(r.body);
  return j.ok() ? *j : Json(nullptr);
}

class DetectHttpTest : public testing::SharedServiceTest<DetectHttpTest> {
 public:
  static constexpr const char* kServiceName = "vmsg_detect_http_test";
  static std::vector<std::string> ServiceFlags() { return {"--rate-limit-uploads=1000"}; }

 protected:
  static std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  static objects::ObjectStore& store() { return services().objects(); }
  // A form's URL as a browser resolves it (the local store's is relative to the page).
  static std::string FormUrl(const Json& form) {
    const std::string url = form["url"];
    return url.starts_with("/") ? Url(url) : url;
  }

  // Uploads `data` as a browser would: a presigned form for an image, POSTed to its URL.
  // Returns the object key, or "" (with a test failure) when the upload was refused.
  static std::string Upload(const std::string& data, const std::string& type = "image/jpeg") {
    FetchResult presign = HttpPostJson(Url("/api/uploads/presign"),
                                       DumpJson({{"kind", "image"}, {"content_type", type}}));
    EXPECT_EQ(presign.status, 200) << presign.body;
    const Json form = BodyOf(presign);
    if (!form.is_object()) return "";
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [name, value] : form["fields"].items()) {
      fields.emplace_back(name, value.get<std::string>());
    }
    FetchResult up = HttpPostForm(FormUrl(form), fields, "photo.jpg", type, data);
    EXPECT_EQ(up.status, 204) << up.body << up.error;
    return up.status == 204 ? form["object_key"].get<std::string>() : "";
  }

  static FetchResult Frame(const Json& body, const std::vector<std::string>& headers = {}) {
    return HttpPostJson(Url("/api/image/frame"), DumpJson(body), headers);
  }
  static cv::Mat Decoded(const FetchResult& r) {
    return cv::imdecode(cv::Mat(1, int(r.body.size()), CV_8UC1, const_cast<char*>(r.body.data())),
                        cv::IMREAD_COLOR);
  }
  // A detected group photo's image id (uploaded and detected once for the suite).
  static const std::string& GroupImageId() {
    static const std::string id = [] {
      const std::string key = Upload(ReadFile(kFaces / kGroup));
      return BodyOf(DetectKey(key))["image_id"].get<std::string>();
    }();
    return id;
  }

  static FetchResult DetectKey(const std::string& key) {
    return HttpPostJson(Url("/api/person-detection/detect"), DumpJson({{"object_key", key}}));
  }
};

TEST_F(DetectHttpTest, APresignedUploadIsDetectedByItsKeyAsAMultipartPhotoIs) {
  const std::string photo = ReadFile(kFaces / kGroup);
  ASSERT_FALSE(photo.empty());
  const std::string key = Upload(photo);
  ASSERT_FALSE(key.empty());
  EXPECT_TRUE(key.starts_with("images/uploads/")) << key;

  FetchResult detected = DetectKey(key);
  ASSERT_EQ(detected.status, 200) << detected.body;
  const Json body = BodyOf(detected);
  const std::string image_id = body["image_id"];
  EXPECT_TRUE(IsUuidV4(image_id)) << image_id;
  EXPECT_GE(body["person_count"].get<int>(), 2) << detected.body;
  EXPECT_EQ(body["persons"].size(), body["person_count"].get<size_t>());
  for (const Json& p : body["persons"]) {
    EXPECT_LT(p["bbox"]["x1"].get<int>(), p["bbox"]["x2"].get<int>());
    FetchResult preview = testing::HttpGet(Url(p["preview_url"]));
    EXPECT_EQ(preview.status, 200) << p["preview_url"];
  }
  // Stored where generate looks for an image_id, and the upload itself untouched.
  EXPECT_TRUE(*store().Exists("images/uploads/" + image_id + "/original.jpg"));
  EXPECT_EQ(*store().GetBytes(key), photo);

  // The same photo sent as multipart: the same people.
  FetchResult multipart = [&] {
    // http_fetch's form helper names the file part "file", which detect also takes.
    return HttpPostForm(Url("/api/person-detection/detect"), {}, "photo.jpg", "image/jpeg", photo);
  }();
  ASSERT_EQ(multipart.status, 200) << multipart.body;
  const Json other = BodyOf(multipart);
  EXPECT_NE(other["image_id"], body["image_id"]);
  EXPECT_EQ(other["width"], body["width"]);
  EXPECT_EQ(other["height"], body["height"]);
  ASSERT_EQ(other["persons"].size(), body["persons"].size());
  for (size_t i = 0; i < other["persons"].size(); ++i) {
    EXPECT_EQ(other["persons"][i]["bbox"], body["persons"][i]["bbox"]);
  }
}

TEST_F(DetectHttpTest, AMissingObjectIsNotFound) {
  const auto before = UploadFolders();
  FetchResult r = DetectKey("images/uploads/0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c/original.jpg");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  EXPECT_EQ(BodyOf(r)["code"], "image_not_found") << r.body;
  EXPECT_EQ(UploadFolders(), before);
}

TEST_F(DetectHttpTest, AKeyOutsideTheUploadsIsRefused) {
  const auto before = UploadFolders();
  // An object that exists but is not an upload: a system voice.
  for (const std::string key :
       {"voices/system/default_male.wav", "images/uploads/../../voices/x.wav", "images/uploads/",
        "videos/x/final_video.mp4", ""}) {
    FetchResult r = DetectKey(key);
    EXPECT_EQ(r.status, 400) << key << ": " << r.body;
    EXPECT_EQ(BodyOf(r)["code"], "invalid_object_key") << key << ": " << r.body;
  }
  // Not a key at all, and not JSON.
  FetchResult number =
      HttpPostJson(Url("/api/person-detection/detect"), DumpJson({{"object_key", 7}}));
  EXPECT_EQ(BodyOf(number)["code"], "invalid_request") << number.body;
  FetchResult broken = HttpPostJson(Url("/api/person-detection/detect"), "{\"object_key\":");
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(BodyOf(broken)["code"], "invalid_json") << broken.body;
  FetchResult large =
      HttpPostJson(Url("/api/person-detection/detect"),
                   DumpJson({{"object_key", std::string(api::kMaxDetectJsonBytes, 'a')}}));
  EXPECT_EQ(large.status, 413) << large.body;
  EXPECT_EQ(UploadFolders(), before);
}

TEST_F(DetectHttpTest, AnObjectThatIsNotAPhotoIsRefusedAndKept) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "this is a text file, not a photo\n";
  const std::string key = Upload(text);
  ASSERT_FALSE(key.empty());
  const auto before = UploadFolders();
  FetchResult r = DetectKey(key);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(BodyOf(r)["code"], std::string(image::kUnsupportedImageType)) << r.body;
  EXPECT_EQ(*store().GetBytes(key), text);
  EXPECT_EQ(UploadFolders(), before);

  // A real JPEG cut short.
  const std::string photo = ReadFile(kFaces / kGroup);
  const std::string cut = Upload(photo.substr(0, photo.size() / 3));
  ASSERT_FALSE(cut.empty());
  FetchResult corrupt = DetectKey(cut);
  EXPECT_EQ(corrupt.status, 400) << corrupt.body;
  EXPECT_EQ(BodyOf(corrupt)["code"], std::string(image::kImageCorrupt)) << corrupt.body;
}

TEST_F(DetectHttpTest, AnObjectOverThePhotoLimitIsRefusedAndKept) {
  // A presigned form refuses such a photo itself (the store's entity_too_large)...
  FetchResult presign = HttpPostJson(Url("/api/uploads/presign"),
                                     DumpJson({{"kind", "image"}, {"content_type", "image/jpeg"}}));
  ASSERT_EQ(presign.status, 200) << presign.body;
  const Json form = BodyOf(presign);
  EXPECT_EQ(form["max_bytes"], image::kMaxUploadBytes);
  const std::string photo = ReadFile(kFaces / kGroup);
  std::string big = photo + std::string(image::kMaxUploadBytes + 1 - photo.size(), '\0');
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : form["fields"].items()) {
    fields.emplace_back(name, value.get<std::string>());
  }
  FetchResult refused = HttpPostForm(FormUrl(form), fields, "big.jpg", "image/jpeg", big);
  EXPECT_EQ(refused.status, 400) << refused.body << refused.error;
  EXPECT_EQ(BodyOf(refused)["code"], "entity_too_large") << refused.body;

  // ...and one that got into the uploads another way is refused by detect as multipart is.
  const std::string key = "images/uploads/5d1c9a52-7a0e-4c4f-8f7e-3f0b2a6d9e11/original.jpg";
  ASSERT_TRUE(store().Put(key, big, {.content_type = "image/jpeg"}).ok());
  const auto before = UploadFolders();
  FetchResult r = DetectKey(key);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(BodyOf(r)["code"], std::string(image::kImageTooLarge)) << r.body;
  EXPECT_EQ(store().Head(key)->size, big.size());
  EXPECT_EQ(UploadFolders(), before);
}

// --- the framed preview ----------------------------------------------------------------------

TEST_F(DetectHttpTest, APreviewIsTheFramedStillOfEachFramingAndBackground) {
  const std::string id = GroupImageId();
  FetchResult first = Frame({{"image_id", id}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("content-type"), "image/jpeg");
  EXPECT_EQ(first.Header("x-image-id"), id);
  EXPECT_EQ(first.Header("cache-control"), "no-store");
  const cv::Mat still = Decoded(first);
  ASSERT_EQ(still.size(), cv::Size(512, 910));
  // The cut-out is made once and kept beside the photo for the next preview.
  EXPECT_TRUE(*store().Exists("images/uploads/" + id + "/person_0_bg_removed.png"));

  // Each choice gives another picture; PNG when asked for.
  const Json choices[] = {{{"image_id", id}, {"framing", "bust"}},
                          {{"image_id", id}, {"framing", "full"}},
                          {{"image_id", id}, {"background_id", "blurred"}},
                          {{"image_id", id}, {"background_id", "bg-gold-bokeh"}},
                          {{"image_id", id}, {"person", 1}}};
  for (const Json& body : choices) {
    FetchResult r = Frame(body, {"Accept: image/png"});
    ASSERT_EQ(r.status, 200) << body << r.body;
    EXPECT_EQ(r.Header("content-type"), "image/png");
    const cv::Mat other = Decoded(r);
    ASSERT_EQ(other.size(), still.size()) << body;
    EXPECT_GT(cv::norm(other, still, cv::NORM_L1) / double(still.total()), 3.0) << body;
  }
  // The same choices again: the same picture (the kept cut-out is used).
  const cv::Mat again = Decoded(Frame({{"image_id", id}}));
  EXPECT_LT(cv::norm(again, still, cv::NORM_L1) / double(still.total()), 0.5);
}

// Each format's preview at its size; /api/config lists the same formats for the page.
TEST_F(DetectHttpTest, APreviewComesInEveryFormatTheConfigLists) {
  FetchResult config = testing::HttpGet(Url("/api/config"));
  ASSERT_EQ(config.status, 200) << config.body;
  const Json formats = (*ParseJson(config.body))["formats"];
  ASSERT_EQ(formats.size(), image::kOutputFormats.size());
  const std::string id = GroupImageId();
  cv::Mat portrait;
  for (size_t i = 0; i < formats.size(); ++i) {
    const image::FormatSpec& spec = image::kOutputFormats[i];
    EXPECT_EQ(formats[i]["id"], spec.name);
    EXPECT_EQ(formats[i]["width"], spec.width);
    EXPECT_EQ(formats[i]["height"], spec.height);
    EXPECT_EQ(formats[i]["default"], i == 0);
    FetchResult r = Frame({{"image_id", id}, {"format", std::string(spec.name)}});
    ASSERT_EQ(r.status, 200) << spec.name << ": " << r.body;
    const cv::Mat still = Decoded(r);
    EXPECT_EQ(still.size(), cv::Size(spec.width, spec.height)) << spec.name;
    if (i == 0) portrait = still;
  }
  // No format: the default's picture.
  EXPECT_EQ(Decoded(Frame({{"image_id", id}})).size(), portrait.size());
}

TEST_F(DetectHttpTest, APreviewOfAnUploadDetectsItFirstAndNamesTheImage) {
  const std::string key = Upload(ReadFile(kFaces / kGroup));
  ASSERT_FALSE(key.empty());
  FetchResult r = Frame({{"object_key", key}, {"framing", "half"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string id = r.Header("x-image-id");
  ASSERT_TRUE(IsUuidV4(id)) << id;
  EXPECT_TRUE(*store().Exists("images/uploads/" + id + "/persons.json"));
  EXPECT_EQ(Decoded(r).size(), cv::Size(512, 910));
  // The id serves the next preview without detecting again.
  FetchResult next = Frame({{"image_id", id}, {"framing", "half"}});
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.Header("x-image-id"), id);
}

TEST_F(DetectHttpTest, PreviewRefusalsNameTheProblemAndStoreNothing) {
  const std::string id = GroupImageId();
  const std::string upload = Upload(ReadFile(kFaces / kGroup));
  const auto before = UploadFolders();
  const std::string stranger = "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c";
  const std::pair<Json, std::pair<int, std::string>> cases[] = {
      {Json::object(), {400, "missing_image"}},
      {{{"image_id", id}, {"object_key", upload}}, {400, "missing_image"}},
      {{{"image_id", "../etc"}}, {400, "invalid_request"}},
      {{{"image_id", 7}}, {400, "invalid_request"}},
      {{{"image_id", stranger}}, {404, "image_not_found"}},
      {{{"object_key", "videos/x/final_video.mp4"}}, {400, "invalid_object_key"}},
      {{{"object_key", "images/uploads/" + stranger + "/original.jpg"}}, {404, "image_not_found"}},
      {{{"image_id", id}, {"framing", "portrait"}}, {400, "invalid_framing"}},
      {{{"image_id", id}, {"format", "vertical"}}, {400, "invalid_format"}},
      {{{"image_id", id}, {"format", nullptr}}, {400, "invalid_request"}},
      {{{"image_id", id}, {"person_index", 99}}, {400, "person_index_out_of_range"}},
      {{{"object_key", upload}, {"person_index", 99}}, {400, "person_index_out_of_range"}},
      {{{"image_id", id}, {"person_index", -1}}, {400, "invalid_request"}},
      {{{"image_id", id}, {"person", 0}, {"person_index", 0}}, {400, "invalid_request"}},
      {{{"image_id", id}, {"background_id", "bg-nope"}}, {400, "unknown_background"}},
      {{{"image_id", id}, {"background_id", "upload"}}, {400, "invalid_request"}},
      {{{"image_id", id}, {"background_id", "upload"}, {"background_key", "bgm/user/x.mp3"}},
       {400, "invalid_object_key"}},
      {{{"image_id", id},
        {"background_id", "upload"},
        {"background_key", "images/uploads/" + stranger + "/original.png"}},
       {400, "background_not_found"}},
      {{{"image_id", id}, {"text", "hello"}}, {400, "unknown_field"}},
  };
  for (const auto& [body, expected] : cases) {
    FetchResult r = Frame(body);
    EXPECT_EQ(r.status, expected.first) << body << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << body;
    EXPECT_EQ(BodyOf(r)["code"], expected.second) << body << ": " << r.body;
  }
  FetchResult broken = HttpPostJson(Url("/api/image/frame"), "{\"image_id\":");
  EXPECT_EQ(BodyOf(broken)["code"], "invalid_json") << broken.body;
  FetchResult large =
      HttpPostJson(Url("/api/image/frame"), DumpJson({{"image_id", std::string(8192, 'a')}}));
  EXPECT_EQ(large.status, 413) << large.body;
  FetchResult form = HttpPostForm(Url("/api/image/frame"), {}, "photo.jpg", "image/jpeg", "x");
  EXPECT_EQ(form.status, 415) << form.body;
  EXPECT_EQ(UploadFolders(), before);
  // Nothing changed beside the kept photo either: no cut-out of a refused person.
  EXPECT_FALSE(*store().Exists("images/uploads/" + id + "/person_99_bg_removed.png"));
}

}  // namespace
}  // namespace vmsg
