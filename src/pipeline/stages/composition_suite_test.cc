// The composition suite: steps 1-4 over real photos from Debian's packages (group snapshots,
// half-length portraits, a tight head-and-shoulders shot, a full-length action photo; see
// scripts/test-photos.sh), with the framing rules measured on the framed still by finding the
// face in it again, independently of the framing engine's own figures:
//   - the face's height (brows to chin) 14-30 % of the frame, the eye line 30-40 % from the
//     top, the face centre within 4 % of the width from the centre line (in a landscape, from
//     a third line);
//   - where the photo's bottom edge cuts the person, the frame's bottom row under them is
//     fully opaque (no fade, no floating torso);
//   - the cut-out holds one connected region and at most 1 % of any other person's face box.
// Every photo in every output format (portrait 512x910, portrait_hd, square, landscape).
// The exceptions the rules allow are worked out from the photo, not taken from the engine:
// a face that would need more than 3x enlargement (it stays smaller, and the torso's cut
// outranks the eye line), a photo whose bottom edge cuts the neck (a close-up, face larger),
// a person cut by the photo's side edge (off-centre to keep the cut on the frame's edge).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <sstream>
#include <tuple>

#include "image/composition.h"
#include "image/framing.h"
#include "image/output_format.h"
#include "pipeline/pipeline.h"
#include "pipeline/stages/image_objects.h"
#include "pipeline/stages/image_pipeline.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"

namespace vmsg::pipeline {
namespace {

// Eight people's photos and more; every one must hold the rules.
constexpr const char* kPhotos[] = {
    "2007_007763.jpg", "2008_001009.jpg",           "2008_001322.jpg", "2008_002079.jpg",
    "2008_002470.jpg", "2008_002506.jpg",           "2008_004176.jpg", "2008_007676.jpg",
    "2009_004587.jpg", "Tom_Cruise_avp_2014_4.jpg", "astronaut.png",   "messi5.jpg"};

// Below this many face heights between the eyes and the photo's bottom edge, the frame can
// only reach the cut with a face larger than the rules' range (the engine's close-up).
constexpr double kCloseUpBelowEyes = 2.0;
// Measurement slack: dlib's landmarks on the framed still wander a few pixels (on
// 2008_001322, enlarged 2.9x, the face share measured again is 0.31 where the engine's own
// figure is 0.29).
constexpr double kShareSlack = 0.02;
constexpr double kLineSlack = 0.012;
constexpr double kMaxOtherFaceCover = 0.01;
constexpr double kTorsoCutShare = 0.25;

std::filesystem::path PhotosDir() {
  const char* dir = std::getenv("VMSG_TEST_PHOTOS");
  return dir ? dir : "build/test-photos";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct FaceFigures {
  double top = 0, eyes = 0, chin = 0, centre_x = 0, width = 0;
  double height() const { return chin - top; }
};

// Brows, eyes, chin and horizontal centre from dlib's 68 points, measured here on purpose
// rather than with the engine's own helper.
FaceFigures Measure(const std::vector<cv::Point2f>& p) {
  FaceFigures f;
  f.top = p[19].y;
  for (int i = 17; i <= 26; ++i) f.top = std::min(f.top, double(p[size_t(i)].y));
  for (int i = 36; i <= 47; ++i) f.eyes += p[size_t(i)].y / 12;
  f.chin = p[8].y;
  double left = p[0].x, right = p[0].x;
  for (int i = 0; i <= 26; ++i) {
    left = std::min(left, double(p[size_t(i)].x));
    right = std::max(right, double(p[size_t(i)].x));
  }
  f.centre_x = (left + right) / 2;
  f.width = right - left;
  return f;
}

// Where the photo lies in the framed still, found by matching features between the two (the
// framed still's pixels are the photo's, scaled and moved): a similarity transform, or none
// when too few features agree. Used where dlib does not find the face again (a soft face
// enlarged 3x). A still taller than the portrait's is matched at the portrait's height, and
// then smaller (the features of a photo enlarged several times are too soft to match), and
// the transform scaled back.
constexpr int kMinInliers = 10;
constexpr double kMaxRotation = 0.02;

// Only the person is matched: the framed still's new background has nothing to match, and
// its keypoints would crowd the person's out.
// One try at `shrink` times the still's size.
std::optional<cv::Matx23d> MatchAt(const cv::Mat& photo, const cv::Mat& framed,
                                   const cv::Mat& framed_alpha, double shrink) {
  cv::Mat small = framed, small_alpha = framed_alpha;
  if (shrink < 1) {
    cv::resize(framed, small, {}, shrink, shrink, cv::INTER_AREA);
    cv::resize(framed_alpha, small_alpha, small.size(), 0, 0, cv::INTER_AREA);
  }
  auto orb = cv::ORB::create(3000, 1.2f, 12);
  std::vector<cv::KeyPoint> kp, kf;
  cv::Mat dp, df;
  cv::Mat person;
  cv::erode(small_alpha > 128, person, cv::Mat(), cv::Point(-1, -1), 4);
  orb->detectAndCompute(photo, cv::noArray(), kp, dp);
  orb->detectAndCompute(small, person, kf, df);
  if (dp.empty() || df.empty()) return std::nullopt;
  std::vector<cv::DMatch> matches;
  cv::BFMatcher(cv::NORM_HAMMING, true).match(dp, df, matches);
  std::vector<cv::Point2f> from, to;
  for (const cv::DMatch& m : matches) {
    from.push_back(kp[size_t(m.queryIdx)].pt);
    to.push_back(kf[size_t(m.trainIdx)].pt);
  }
  std::vector<uchar> inliers;
  const cv::Mat t = cv::estimateAffinePartial2D(from, to, inliers, cv::RANSAC, 3.0);
  if (t.empty() || cv::countNonZero(inliers) < kMinInliers) return std::nullopt;
  if (std::abs(t.at<double>(1, 0)) > kMaxRotation) return std::nullopt;
  return cv::Matx23d(t) * (1 / shrink);
}

std::optional<cv::Matx23d> MatchPhotoToFrame(const cv::Mat& photo, const cv::Mat& framed,
                                             const cv::Mat& framed_alpha) {
  const double start = std::min(1.0, double(image::kFrameHeight) / framed.rows);
  for (const double shrink : {start, 0.75 * start, 0.5 * start}) {
    if (auto t = MatchAt(photo, framed, framed_alpha, shrink)) return t;
  }
  return std::nullopt;
}

class CompositionSuiteTest
    : public ::testing::TestWithParam<std::tuple<const char*, image::OutputFormat>> {
 protected:
  static void SetUpTestSuite() {
    auto detector = image::NewPersonDetector({});
    ASSERT_TRUE(detector.ok()) << detector.status();
    detector_ = std::move(detector).value().release();
    // The framed still is searched at its own size and at half of it: a face enlarged 3x from
    // a small photo is soft, and looks like a face again when scaled down (two thirds keeps it
    // above dlib's 80-pixel window).
    auto half = image::NewPersonDetector({.search_side = image::kFrameHeight * 2 / 3});
    ASSERT_TRUE(half.ok()) << half.status();
    half_detector_ = std::move(half).value().release();
    segmenter_ = image::NewGrabCutSegmenter().release();
  }
  static void TearDownTestSuite() {
    delete detector_;
    delete half_detector_;
    delete segmenter_;
  }

  static image::PersonDetector* detector_;
  static image::PersonDetector* half_detector_;
  static image::Segmenter* segmenter_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<objects::ObjectStore> store_ = test::NewMemoryObjectStore(clock_);
  test::RecordingProgressSink progress_;
  CancellationToken cancel_;
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
};
image::PersonDetector* CompositionSuiteTest::detector_ = nullptr;
image::PersonDetector* CompositionSuiteTest::half_detector_ = nullptr;
image::Segmenter* CompositionSuiteTest::segmenter_ = nullptr;

TEST_P(CompositionSuiteTest, TheFramedStillFollowsTheCompositionRules) {
  const char* const name = std::get<0>(GetParam());
  const image::OutputFormat format = std::get<1>(GetParam());
  const std::filesystem::path file = PhotosDir() / name;
  ASSERT_TRUE(std::filesystem::exists(file))
      << file << " is missing: run scripts/test-photos.sh (make test does)";
  auto stages = NewImageStages({.detector = detector_, .segmenter = segmenter_});
  ASSERT_TRUE(stages.ok());
  auto pipeline = Pipeline::Build(std::move(stages).value());
  ASSERT_TRUE(pipeline.ok());
  WorkItem item{.task_id = "suite"};
  item.request.upload = ReadFile(file);
  item.request.format = format;
  StageContext ctx{*store_, progress_, cancel_, clock_, logger_};
  const Status run = pipeline->Run(ctx, item);
  ASSERT_TRUE(run.ok()) << run;

  // The photo as step 1 stored it, and the chosen person in it.
  const image::Detection& detection = *item.detection;
  const image::Person& chosen = detection.persons[size_t(item.chosen_person)];
  ASSERT_EQ(chosen.landmarks.size(), size_t(image::kLandmarkCount))
      << "every suite photo has a frontal face";
  const FaceFigures in_photo = Measure(chosen.landmarks);
  const cv::Size photo = item.original.size();
  const cv::Size frame = item.framed.size();
  ASSERT_EQ(frame, cv::Size(image::SpecOf(format).width, image::SpecOf(format).height));
  const double max_upscale = image::MaxUpscale(frame);
  const bool tiny = image::kMinFaceShare * frame.height / in_photo.height() > max_upscale;
  const bool close_up = (photo.height - in_photo.eyes) / in_photo.height() < kCloseUpBelowEyes;
  // Cut at the side: the person's box, or their cut-out, reaches the photo's side (a shoulder
  // or an arm leaving the picture).
  auto png = store_->GetBytes(ObjectKey(item, keys::kCutout));
  ASSERT_TRUE(png.ok());
  const cv::Mat cutout =
      cv::imdecode(cv::Mat(1, int(png->size()), CV_8UC1, png->data()), cv::IMREAD_UNCHANGED);
  cv::Mat alpha;
  cv::extractChannel(cutout, alpha, 3);
  const cv::Rect region = CutoutRect(chosen, photo);
  const int edge_rows = std::max(2, int(0.05 * in_photo.height() * alpha.rows / region.height));
  const bool matte_at_side = (region.x == 0 && cv::countNonZero(alpha.col(0) > 127) >= edge_rows) ||
                             (region.br().x == photo.width &&
                              cv::countNonZero(alpha.col(alpha.cols - 1) > 127) >= edge_rows);
  const bool side_cut =
      chosen.bbox.x <= 0 || chosen.bbox.x + chosen.bbox.width >= photo.width || matte_at_side;

  // The face found again in the framed still (the largest frontal face).
  image::Detection again;
  const image::Person* found = nullptr;
  for (const image::PersonDetector* detector : {detector_, half_detector_}) {
    auto detected = detector->Detect(item.framed);
    ASSERT_TRUE(detected.ok());
    again = std::move(detected).value();
    for (const image::Person& p : again.persons) {
      if (p.landmarks.size() == size_t(image::kLandmarkCount) &&
          (!found || p.face->area() > found->face->area())) {
        found = &p;
      }
    }
    if (found) break;
  }
  FaceFigures framed;
  if (found) {
    framed = Measure(found->landmarks);
  } else {
    const auto t = MatchPhotoToFrame(item.original, item.framed, item.framed_alpha);
    ASSERT_TRUE(t.has_value()) << "the face is neither found again nor the photo matched";
    const double scale = std::hypot((*t)(0, 0), (*t)(1, 0));
    framed = {.top = in_photo.top * scale + (*t)(1, 2),
              .eyes = in_photo.eyes * scale + (*t)(1, 2),
              .chin = in_photo.chin * scale + (*t)(1, 2),
              .centre_x = in_photo.centre_x * scale + (*t)(0, 2),
              .width = in_photo.width * scale};
    std::printf("(%s: no face found again; the photo matched at x%.2f)\n", name, scale);
  }
  const double share = framed.height() / frame.height;
  const double eye_line = framed.eyes / frame.height;
  // From the centre line, or in a landscape from the nearer third line.
  const double across = framed.centre_x / frame.width;
  const double offset =
      frame.width >= image::kLandscapeAspect * frame.height
          ? (std::abs(across - 1.0 / 3) < std::abs(across - 2.0 / 3) ? across - 1.0 / 3
                                                                     : across - 2.0 / 3)
          : across - 0.5;
  std::printf("%-28s %-11s face %.3f  eyes %.3f  centre %+.3f  x%.2f%s%s%s\n", name,
              std::string(image::FormatName(format)).c_str(), share, eye_line, offset,
              framed.height() / in_photo.height(), tiny ? "  (tiny face)" : "",
              close_up ? "  (close-up)" : "", side_cut ? "  (cut at the side)" : "");

  if (tiny) {
    EXPECT_LE(share, image::kMinFaceShare + kShareSlack);
  } else if (close_up) {
    EXPECT_GT(share, image::kMaxFaceShare - kShareSlack);
    EXPECT_LE(share, image::kMaxCloseUpShare + kShareSlack);
  } else {
    EXPECT_GE(share, image::kMinFaceShare - kShareSlack);
    EXPECT_LE(share, image::kMaxFaceShare + kShareSlack);
  }
  EXPECT_GE(eye_line, image::kMinEyeLine - kLineSlack);
  EXPECT_LE(eye_line, image::kLowestEyeLineForCuts + kLineSlack);
  // Lower eyes only where the torso's cut outranks the eye line and nothing else could give:
  // the photo enlarged all that is allowed, or a close-up whose face fills the width
  // (measured: ear to ear on the framed still).
  const double enlargement = framed.height() / in_photo.height();
  if (eye_line > image::kMaxEyeLine + kLineSlack) {
    const bool fills_width = close_up && framed.width > 0.85 * frame.width;
    EXPECT_TRUE(std::abs(enlargement - max_upscale) < 0.1 * max_upscale / image::kMaxUpscale ||
                fills_width)
        << "eye line " << eye_line << " at x" << enlargement << ", face width " << framed.width;
  }
  if (!side_cut) {
    EXPECT_LE(std::abs(offset), image::kCentreTolerance + kLineSlack);
  }

  // The cut-out: one region, nobody else's face.
  cv::Mat labels;
  EXPECT_EQ(cv::connectedComponents(alpha > 127, labels, 8) - 1, 1);
  const double sx = double(alpha.cols) / region.width, sy = double(alpha.rows) / region.height;
  // Another person's face box must not be in the cut-out. Boxes of faces cheek to cheek
  // overlap: there the part nearer the other face's middle than the chosen one's (each in
  // its own box's size) is theirs.
  auto to_cutout = [&](const cv::Rect& r) {
    return cv::Rect(cv::Point(int((r.x - region.x) * sx), int((r.y - region.y) * sy)),
                    cv::Point(int((r.br().x - region.x) * sx), int((r.br().y - region.y) * sy))) &
           cv::Rect(0, 0, alpha.cols, alpha.rows);
  };
  auto from_middle = [](const cv::Rect& box, int x, int y) {
    return std::hypot((x - (box.x + box.width / 2.0)) / box.width,
                      (y - (box.y + box.height / 2.0)) / box.height);
  };
  const cv::Rect own = to_cutout(*chosen.face);
  for (const image::Person& other : detection.persons) {
    if (other.index == chosen.index || !other.face) continue;
    const cv::Rect box = to_cutout(*other.face);
    if (box.empty()) continue;
    int kept = 0;
    for (int y = box.y; y < box.br().y; ++y) {
      for (int x = box.x; x < box.br().x; ++x) {
        const bool theirs =
            !own.contains({x, y}) || from_middle(box, x, y) < from_middle(own, x, y);
        kept += theirs && alpha.at<uchar>(y, x) > 127;
      }
    }
    EXPECT_LE(kept, kMaxOtherFaceCover * box.area())
        << "person " << other.index << "'s face is in the cut-out";
  }

  // The photo's bottom edge cuts the torso (the cut is at least a quarter as wide as the
  // person at their widest; not a hand or a leg under a table): the frame's bottom row under
  // them is opaque, from one side of the torso to the other.
  int widest = 0;
  for (int y = 0; y < alpha.rows; ++y)
    widest = std::max(widest, cv::countNonZero(alpha.row(y) > 127));
  const bool cut_at_bottom =
      cv::countNonZero(alpha.row(alpha.rows - 1) > 127) >= kTorsoCutShare * widest;
  // The one exception: a photo enlarged all that is allowed whose eyes already sank below
  // their range for the cut; there the cut may end inside the frame.
  const bool out_of_reach =
      std::abs(enlargement - max_upscale) < 0.1 * max_upscale / image::kMaxUpscale &&
      eye_line > image::kMaxEyeLine;
  if (cut_at_bottom && !out_of_reach) {
    const cv::Mat bottom = item.framed_alpha.row(frame.height - 1);
    std::vector<cv::Point> on;
    cv::findNonZero(bottom > 127, on);
    ASSERT_FALSE(on.empty()) << "the torso does not reach the frame's bottom";
    int first = frame.width, last = -1;
    for (const cv::Point& p : on) {
      first = std::min(first, p.x);
      last = std::max(last, p.x);
    }
    EXPECT_GT(last - first, framed.height() / 2);
    // Between its sides the torso is whole: no fade band (soft edge pixels at either side
    // and gaps where the arm parts from the body are allowed).
    const cv::Mat span = bottom.colRange(first, last + 1);
    EXPECT_GE(cv::countNonZero(span == 255), 0.8 * span.cols);
  }
}

INSTANTIATE_TEST_SUITE_P(
    RealPhotos, CompositionSuiteTest,
    ::testing::Combine(::testing::ValuesIn(kPhotos),
                       ::testing::Values(image::OutputFormat::kPortrait,
                                         image::OutputFormat::kPortraitHd,
                                         image::OutputFormat::kSquare,
                                         image::OutputFormat::kLandscape)),
    [](const ::testing::TestParamInfo<std::tuple<const char*, image::OutputFormat>>& param) {
      std::string name = std::get<0>(param.param);
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name + "_" + std::string(image::FormatName(std::get<1>(param.param)));
    });

}  // namespace
}  // namespace vmsg::pipeline
