// Person detection on real photos: Debian's libdlib19.1 ships PASCAL VOC photos with every
// face annotated (examples/faces/{training,testing}.xml).
#include "image/person_detector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <regex>

namespace vmsg::image {
namespace {

const std::filesystem::path kFaces = "/usr/share/doc/libdlib19.1/examples/faces";

struct Annotated {
  std::string file;
  std::vector<cv::Rect> faces;
};

std::vector<Annotated> ReadAnnotations(const std::filesystem::path& xml) {
  std::ifstream in(xml);
  std::vector<Annotated> out;
  const std::regex image_re("<image file='([^']+)'");
  const std::regex box_re("<box top='(\\d+)' left='(\\d+)' width='(\\d+)' height='(\\d+)'");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, image_re)) out.push_back({m[1].str(), {}});
    if (std::regex_search(line, m, box_re) && !out.empty()) {
      out.back().faces.emplace_back(std::stoi(m[2]), std::stoi(m[1]), std::stoi(m[3]),
                                    std::stoi(m[4]));
    }
  }
  return out;
}

class PersonDetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = NewPersonDetector({});
    ASSERT_TRUE(made.ok()) << made.status();
    detector_ = std::move(made).value().release();
  }
  static void TearDownTestSuite() { delete detector_; }

  static Detection DetectFile(const std::string& file) {
    const cv::Mat image = cv::imread((kFaces / file).string());
    EXPECT_FALSE(image.empty()) << file;
    auto detection = detector_->Detect(image);
    EXPECT_TRUE(detection.ok()) << detection.status();
    return detection.ok() ? *detection : Detection{};
  }

  static PersonDetector* detector_;
};
PersonDetector* PersonDetectorTest::detector_ = nullptr;

TEST_F(PersonDetectorTest, FindsAtLeastNinetyPercentOfTheAnnotatedFaces) {
  int annotated = 0, found = 0;
  for (const char* xml : {"training.xml", "testing.xml"}) {
    for (const Annotated& image : ReadAnnotations(kFaces / xml)) {
      const Detection detection = DetectFile(image.file);
      for (const cv::Rect& truth : image.faces) {
        ++annotated;
        const bool hit =
            std::any_of(detection.persons.begin(), detection.persons.end(),
                        [&](const Person& p) { return p.face && IoU(*p.face, truth) >= 0.5; });
        if (hit) {
          ++found;
        } else {
          ADD_FAILURE() << "missed face " << truth << " in " << image.file << " (not fatal alone)";
        }
      }
    }
  }
  ASSERT_EQ(annotated, 43);
  EXPECT_GE(found * 10, annotated * 9) << found << " of " << annotated;
  if (found * 10 >= annotated * 9) ::testing::Test::RecordProperty("found", found);
}

TEST_F(PersonDetectorTest, OnePersonPerFaceOnEveryGroupPhotoLargestFirst) {
  for (const char* xml : {"training.xml", "testing.xml"}) {
    for (const Annotated& image : ReadAnnotations(kFaces / xml)) {
      const Detection detection = DetectFile(image.file);
      ASSERT_EQ(detection.persons.size(), image.faces.size()) << image.file;
      for (size_t i = 0; i < detection.persons.size(); ++i) {
        const Person& p = detection.persons[i];
        EXPECT_EQ(p.index, int(i));
        EXPECT_TRUE(p.has_face);
        ASSERT_TRUE(p.face.has_value());
        EXPECT_EQ(p.landmarks.size(), size_t(kLandmarkCount));
        EXPECT_GT(p.confidence, 0.5);
        EXPECT_LE(p.confidence, 1.0);
        // The person's box holds the face.
        EXPECT_EQ((p.bbox & *p.face), *p.face) << image.file;
        if (i > 0) {
          EXPECT_GE(detection.persons[i - 1].face->area(), p.face->area()) << image.file;
        }
      }
    }
  }
}

TEST_F(PersonDetectorTest, NobodyInAPlainPictureIsNotAnError) {
  cv::Mat plain(480, 640, CV_8UC3, cv::Scalar(200, 180, 160));
  auto detection = detector_->Detect(plain);
  ASSERT_TRUE(detection.ok());
  EXPECT_TRUE(detection->persons.empty());
  EXPECT_EQ(detection->width, 640);
  EXPECT_EQ(detection->height, 480);
}

TEST_F(PersonDetectorTest, TheSmallestAllowedUploadIsSearchedWithoutError) {
  // 64x64 is smaller than the body detector's 64x128 window.
  cv::Mat tiny(64, 64, CV_8UC3, cv::Scalar(90, 100, 110));
  cv::circle(tiny, {32, 28}, 14, cv::Scalar(120, 160, 215), cv::FILLED);
  auto detection = detector_->Detect(tiny);
  ASSERT_TRUE(detection.ok()) << detection.status();
  EXPECT_EQ(detection->width, 64);
  // Extreme shapes within the limits shrink one side to a few pixels when searched.
  for (const cv::Size size : {cv::Size(64, 6000), cv::Size(6000, 64)}) {
    cv::Mat strip(size, CV_8UC3);
    cv::randu(strip, 0, 256);
    auto found = detector_->Detect(strip);
    ASSERT_TRUE(found.ok()) << size;
  }
}

TEST_F(PersonDetectorTest, JsonRoundTrip) {
  const Detection detection = DetectFile("Tom_Cruise_avp_2014_4.jpg");
  ASSERT_FALSE(detection.persons.empty());
  const Json json = DetectionToJson(detection);
  EXPECT_EQ(json["person_count"], detection.persons.size());
  EXPECT_TRUE(json["persons"][0]["bbox"].contains("x1"));
  auto back = DetectionFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->persons.size(), detection.persons.size());
  EXPECT_EQ(back->persons[0].bbox, detection.persons[0].bbox);
  EXPECT_EQ(back->persons[0].face, detection.persons[0].face);
  EXPECT_EQ(back->persons[0].landmarks.size(), detection.persons[0].landmarks.size());
}

}  // namespace
}  // namespace vmsg::image
