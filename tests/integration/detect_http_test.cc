// POST /api/person-detection/detect naming a presigned upload by its object key, as the web
// page does: a real photo from Debian's dlib examples uploaded with a real presigned form to
// the local store, then detected from the store; and every refusal (no such object, a key
// outside images/uploads/, an object that is not a photo, one over the photo limit), none of
// which changes what is stored. The multipart path answers the same photo the same way.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json.h"
#include "http/handlers/image_handlers.h"
#include "http_fetch.h"
#include "media/image_io.h"
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
  static blob::ObjectStore& store() { return services().objects(); }
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
                   DumpJson({{"object_key", std::string(http::kMaxDetectJsonBytes, 'a')}}));
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
  EXPECT_EQ(BodyOf(r)["code"], std::string(media::kUnsupportedImageType)) << r.body;
  EXPECT_EQ(*store().GetBytes(key), text);
  EXPECT_EQ(UploadFolders(), before);

  // A real JPEG cut short.
  const std::string photo = ReadFile(kFaces / kGroup);
  const std::string cut = Upload(photo.substr(0, photo.size() / 3));
  ASSERT_FALSE(cut.empty());
  FetchResult corrupt = DetectKey(cut);
  EXPECT_EQ(corrupt.status, 400) << corrupt.body;
  EXPECT_EQ(BodyOf(corrupt)["code"], std::string(media::kImageCorrupt)) << corrupt.body;
}

TEST_F(DetectHttpTest, AnObjectOverThePhotoLimitIsRefusedAndKept) {
  // A presigned form refuses such a photo itself (the store's entity_too_large)...
  FetchResult presign = HttpPostJson(Url("/api/uploads/presign"),
                                     DumpJson({{"kind", "image"}, {"content_type", "image/jpeg"}}));
  ASSERT_EQ(presign.status, 200) << presign.body;
  const Json form = BodyOf(presign);
  EXPECT_EQ(form["max_bytes"], media::kMaxUploadBytes);
  const std::string photo = ReadFile(kFaces / kGroup);
  std::string big = photo + std::string(media::kMaxUploadBytes + 1 - photo.size(), '\0');
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
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(BodyOf(r)["code"], std::string(media::kImageTooLarge)) << r.body;
  EXPECT_EQ(store().Head(key)->size, big.size());
  EXPECT_EQ(UploadFolders(), before);
}

}  // namespace
}  // namespace vmsg
