// Background removal on synthetic scenes with a known mask and on real portraits.
#include "media/segmenter.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "media/person_detector.h"
#include "pipeline/testing/synthetic_images.h"

namespace vmsg::media {
namespace {

const std::filesystem::path kFaces = "/usr/share/doc/libdlib19.1/examples/faces";

// Set VMSG_TEST_DUMP_DIR to look at the mattes.
void Dump(const std::string& name, const cv::Mat& image) {
  if (const char* dir = std::getenv("VMSG_TEST_DUMP_DIR")) {
    cv::imwrite((std::filesystem::path(dir) / name).string(), image);
  }
}

double MaskIoU(const cv::Mat& a, const cv::Mat& b) {
  const double inter = cv::countNonZero(a & b);
  const double uni = cv::countNonZero(a | b);
  return uni > 0 ? inter / uni : 0;
}

TEST(SegmenterTest, SyntheticScenesMatchTheirKnownMask) {
  const auto segmenter = NewGrabCutSegmenter();
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const auto scene = pipeline::testing::MakeSyntheticPortrait(cv::Size(600, 800), seed);
    auto alpha = segmenter->Segment(scene.image, {.face = scene.face});
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    ASSERT_EQ(alpha->size(), scene.image.size());
    ASSERT_EQ(alpha->type(), CV_8UC1);
    const double iou = MaskIoU(*alpha > 127, scene.mask > 127);
    EXPECT_GE(iou, 0.9) << "seed " << seed;
    Dump("synthetic_" + std::to_string(seed) + ".png", *alpha);
  }
}

TEST(SegmenterTest, TinyCropsStillSegment) {
  const auto segmenter = NewGrabCutSegmenter();
  const auto scene = pipeline::testing::MakeSyntheticPortrait(cv::Size(48, 64), 21);
  auto alpha = segmenter->Segment(scene.image, {.face = scene.face});
  ASSERT_TRUE(alpha.ok()) << alpha.status();
  EXPECT_EQ(alpha->size(), scene.image.size());
  EXPECT_GE(MaskIoU(*alpha > 127, scene.mask > 127), 0.8);
}

TEST(SegmenterTest, ABodyBoxAloneIsEnoughWithoutAFace) {
  const auto segmenter = NewGrabCutSegmenter();
  for (uint64_t seed = 11; seed <= 13; ++seed) {
    const auto scene = pipeline::testing::MakeSyntheticPortrait(cv::Size(600, 800), seed);
    auto alpha = segmenter->Segment(scene.image, {.body = cv::boundingRect(scene.mask)});
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    EXPECT_GE(MaskIoU(*alpha > 127, scene.mask > 127), 0.85) << "seed " << seed;
  }
}

TEST(SegmenterTest, RealPortraitsAreOpaqueAtTheFaceAndClearAtTheCorners) {
  auto detector = NewPersonDetector({});
  ASSERT_TRUE(detector.ok()) << detector.status();
  const auto segmenter = NewGrabCutSegmenter();
  for (const char* file : {"Tom_Cruise_avp_2014_4.jpg", "2008_001009.jpg"}) {
    const cv::Mat photo = cv::imread((kFaces / file).string());
    ASSERT_FALSE(photo.empty());
    auto detection = (*detector)->Detect(photo);
    ASSERT_TRUE(detection.ok());
    ASSERT_FALSE(detection->persons.empty()) << file;
    const Person& person = detection->persons[0];
    ASSERT_TRUE(person.face) << file;
    const cv::Rect face = *person.face;
    auto alpha = segmenter->Segment(photo, {.face = face, .body = person.bbox});
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    Dump(std::string("real_") + file + ".png", *alpha);
    const cv::Point centre(face.x + face.width / 2, face.y + face.height / 2);
    EXPECT_GE(alpha->at<uchar>(centre), 240) << file;
    const int last_x = alpha->cols - 1, last_y = alpha->rows - 1;
    for (const cv::Point corner :
         {cv::Point(0, 0), cv::Point(last_x, 0), cv::Point(0, last_y), cv::Point(last_x, last_y)}) {
      EXPECT_LE(alpha->at<uchar>(corner), 15) << file << " at " << corner;
    }
    // Soft, not binary: some pixels are in between (the edge refinement ran).
    const int soft = cv::countNonZero((*alpha > 20) & (*alpha < 235));
    EXPECT_GT(soft, 0) << file;
  }
}

// The neural segmenter runs only where scripts/install-isnet-model.sh has installed the model
// (VMSG_ISNET_MODEL, or data/models/ under VMSG_SOURCE_DIR).
std::filesystem::path IsnetModel() {
  if (const char* path = std::getenv("VMSG_ISNET_MODEL")) return path;
  const char* source = std::getenv("VMSG_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / kDefaultIsnetModel;
}

TEST(SegmenterTest, ChoosesBySettingAndFallsBackWithoutTheModel) {
  const IsnetOptions missing{.model = "/nonexistent/isnet.onnx"};
  auto automatic = NewSegmenter("auto", missing);
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ((*automatic)->Name(), "grabcut");
  EXPECT_EQ(NewSegmenter("isnet", missing).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(NewSegmenter("magic", missing).status().IsInvalidArgument());
  EXPECT_EQ((*NewSegmenter("grabcut", missing))->Name(), "grabcut");
}

TEST(SegmenterTest, IsnetOnRealPortraits) {
  const auto model = IsnetModel();
  if (!std::filesystem::exists(model)) {
    GTEST_SKIP() << "no ISNet model at " << model << " (scripts/install-isnet-model.sh)";
  }
  auto segmenter = NewSegmenter("auto", {.model = model});
  ASSERT_TRUE(segmenter.ok()) << segmenter.status();
  EXPECT_EQ((*segmenter)->Name(), "isnet");
  auto detector = NewPersonDetector({});
  ASSERT_TRUE(detector.ok());
  for (const char* file : {"Tom_Cruise_avp_2014_4.jpg", "2008_001009.jpg"}) {
    const cv::Mat photo = cv::imread((kFaces / file).string());
    auto detection = (*detector)->Detect(photo);
    ASSERT_TRUE(detection.ok() && !detection->persons.empty());
    const cv::Rect face = *detection->persons[0].face;
    auto alpha = (*segmenter)->Segment(photo, {.face = face});
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    Dump(std::string("isnet_") + file + ".png", *alpha);
    EXPECT_GE(alpha->at<uchar>(face.y + face.height / 2, face.x + face.width / 2), 240) << file;
    EXPECT_LE(alpha->at<uchar>(0, 0), 15) << file;
    EXPECT_LE(alpha->at<uchar>(0, alpha->cols - 1), 15) << file;
  }
}

}  // namespace
}  // namespace vmsg::media
