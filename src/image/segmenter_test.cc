// Background removal on synthetic scenes with a known mask and on real portraits.
#include "image/segmenter.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/person_detector.h"
#include "testing/synthetic_images.h"

namespace vmsg::image {
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
    const auto scene = test::MakeSyntheticPortrait(cv::Size(600, 800), seed);
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
  const auto scene = test::MakeSyntheticPortrait(cv::Size(48, 64), 21);
  auto alpha = segmenter->Segment(scene.image, {.face = scene.face});
  ASSERT_TRUE(alpha.ok()) << alpha.status();
  EXPECT_EQ(alpha->size(), scene.image.size());
  EXPECT_GE(MaskIoU(*alpha > 127, scene.mask > 127), 0.8);
}

TEST(SegmenterTest, ABodyBoxAloneIsEnoughWithoutAFace) {
  const auto segmenter = NewGrabCutSegmenter();
  for (uint64_t seed = 11; seed <= 13; ++seed) {
    const auto scene = test::MakeSyntheticPortrait(cv::Size(600, 800), seed);
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

// Two synthetic people side by side; the left one is cut out.
struct Pair {
  cv::Mat image;
  cv::Mat left_mask;
  cv::Rect left_face, right_face;
};

Pair SideBySide(uint64_t seed) {
  const auto left = test::MakeSyntheticPortrait(cv::Size(400, 600), seed);
  const auto right = test::MakeSyntheticPortrait(cv::Size(400, 600), seed + 100);
  Pair pair;
  cv::hconcat(left.image, right.image, pair.image);
  cv::hconcat(left.mask, cv::Mat::zeros(right.mask.size(), CV_8UC1), pair.left_mask);
  pair.left_face = left.face;
  pair.right_face = right.face + cv::Point(400, 0);
  return pair;
}

int Components(const cv::Mat& alpha) {
  cv::Mat labels;
  return cv::connectedComponents(alpha > 127, labels, 8) - 1;
}

TEST(SegmenterTest, TheCutOutHoldsOnePersonOnly) {
  const auto segmenter = NewGrabCutSegmenter();
  for (uint64_t seed = 31; seed <= 33; ++seed) {
    const Pair pair = SideBySide(seed);
    PersonHint hint{.face = pair.left_face};
    hint.others.push_back({.face = pair.right_face});
    auto alpha = segmenter->Segment(pair.image, hint);
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    Dump("pair_" + std::to_string(seed) + ".png", *alpha);
    EXPECT_LE(cv::countNonZero((*alpha)(pair.right_face) > 127), 0.01 * pair.right_face.area())
        << "seed " << seed;
    EXPECT_EQ(Components(*alpha), 1) << "seed " << seed;
    EXPECT_GE(MaskIoU(*alpha > 127, pair.left_mask > 127), 0.85) << "seed " << seed;
  }
}

TEST(SegmenterTest, SomeoneStandingBehindTheHeadIsLeftOut) {
  // A second face right above the chosen one (a child leaning over a parent's shoulders, as
  // in dlib's 2008_001009): their torso runs down behind the chosen head, which stays whole.
  const auto scene = test::MakeSyntheticPortrait(cv::Size(600, 1000), 41);
  cv::Mat image = scene.image.clone();
  const cv::Rect behind(scene.face.x + 10, scene.face.y - int(1.25 * scene.face.height),
                        int(scene.face.width * 0.8), int(scene.face.height * 0.8));
  cv::ellipse(image, (behind.tl() + behind.br()) / 2, behind.size() / 2, 0, 0, 360,
              cv::Scalar(120, 160, 215), cv::FILLED);
  PersonHint hint{.face = scene.face};
  hint.others.push_back({.face = behind});
  const cv::Mat others = OtherPeopleMask(image.size(), hint, 1.0);
  // The chosen face and chest are not anyone else's (the other's torso is hidden behind the
  // chosen head); the other face is.
  const cv::Rect& f = scene.face;
  const cv::Rect chest(f.x + f.width / 4, f.y + f.height + f.height / 5, f.width / 2, f.height);
  EXPECT_EQ(cv::countNonZero(others(f)), 0);
  EXPECT_EQ(cv::countNonZero(others(chest)), 0);
  EXPECT_GE(cv::countNonZero(others(behind) == kSurelySomeoneElse), 0.95 * behind.area());
  auto alpha = NewGrabCutSegmenter()->Segment(image, hint);
  ASSERT_TRUE(alpha.ok());
  EXPECT_LE(cv::countNonZero((*alpha)(behind) > 127), 0.01 * behind.area());
  EXPECT_GE(cv::countNonZero((*alpha)(scene.face) > 127), 0.9 * scene.face.area());
}

TEST(SegmenterTest, AnyMatteIsLimitedToTheChosenPersonsOwnRegion) {
  // As a neural matte of a group photo looks: everyone salient, plus a stray island.
  const Pair pair = SideBySide(51);
  cv::Mat alpha(pair.image.size(), CV_8UC1, cv::Scalar(0));
  cv::rectangle(alpha, cv::Rect(60, 100, 280, 500), cv::Scalar(255), cv::FILLED);
  cv::rectangle(alpha, cv::Rect(460, 100, 280, 500), cv::Scalar(255), cv::FILLED);
  cv::rectangle(alpha, cv::Rect(10, 10, 20, 20), cv::Scalar(255), cv::FILLED);
  PersonHint hint{.face = pair.left_face};
  hint.others.push_back({.face = pair.right_face});
  const cv::Mat one = LimitToOnePerson(alpha, hint);
  EXPECT_EQ(Components(one), 1);
  EXPECT_EQ(cv::countNonZero(one(pair.right_face)), 0);
  EXPECT_EQ(one.at<uchar>(20, 20), 0);
  EXPECT_EQ(one.at<uchar>(pair.left_face.y + pair.left_face.height / 2,
                          pair.left_face.x + pair.left_face.width / 2),
            255);
}

// The neural segmenter runs only where scripts/install-isnet-model.sh has installed the model
// (VMSG_ISNET_MODEL, or data/models/ under VMSG_SOURCE_DIR).
std::filesystem::path IsnetModel() {
  if (const char* path = std::getenv("VMSG_ISNET_MODEL")) return path;
  const char* source = std::getenv("VMSG_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / kDefaultIsnetModel;
}

// A limb that reaches a border band the seeds kept as background goes on towards the photo's
// edge, on the sides that are the photo's own edges only, only where it reaches the band, and
// only as far as the picture keeps its colour.
TEST(SegmenterTest, ALimbReachingThePhotosOwnEdgeGoesOnToIt) {
  cv::Mat picture(100, 120, CV_8UC3, cv::Scalar(40, 40, 40));         // a dark wall
  picture(cv::Rect(0, 40, 70, 30)).setTo(cv::Scalar(220, 220, 220));  // an arm to the edge
  picture(cv::Rect(60, 5, 50, 95)).setTo(cv::Scalar(200, 180, 170));  // a body
  cv::Mat alpha(100, 120, CV_8UC1, cv::Scalar(0));
  alpha(cv::Rect(10, 40, 60, 30)).setTo(255);  // the matte stops at the left band (10 px)
  alpha(cv::Rect(60, 5, 50, 95)).setTo(200);   // and at the top band; the wall beside the
                                               // body on the right is no limb
  alpha(cv::Rect(30, 20, 20, 10)).setTo(255);  // a hand short of the band
  cv::Mat open = alpha.clone(), closed = alpha.clone();
  ExtendToOpenEdges(open, picture, {.open_left = true, .open_top = true, .open_right = true}, 10);
  ExtendToOpenEdges(closed, picture, {}, 10);
  EXPECT_EQ(cv::countNonZero(closed != alpha), 0);  // no open side: nothing moves
  // Left: the arm's 30 rows reach the edge at full alpha; the rows around it stay clear.
  EXPECT_EQ(cv::countNonZero(open.col(0)), 30);
  EXPECT_EQ(cv::countNonZero(open(cv::Rect(0, 40, 10, 30)) != 255), 0);
  // Top: the body's columns (alpha 200 at row 10, its colour up to row 5) go up to row 5,
  // not into the wall above it.
  EXPECT_EQ(open.at<uchar>(5, 80), 200);
  EXPECT_EQ(cv::countNonZero(open.row(4)), 0);
  // Right: the body ends 10 px before the edge, in the band; the wall there stays out.
  EXPECT_EQ(cv::countNonZero(open(cv::Rect(110, 0, 10, 100))), 0);
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
}  // namespace vmsg::image
