// Steps 1-4 wired as the worker wires them, over the in-memory store, on real photos
// (Debian's dlib examples) and real malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "image/framing.h"
#include "image/image_io.h"
#include "pipeline/pipeline.h"
#include "pipeline/progress.h"
#include "pipeline/stages/image_objects.h"
#include "pipeline/stages/image_pipeline.h"
#include "pipeline/stages/person_detection_stage.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"

namespace vmsg::pipeline {
namespace {

const std::filesystem::path kFaces = "/usr/share/doc/libdlib19.1/examples/faces";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ImageStagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto detector = image::NewPersonDetector({});
    ASSERT_TRUE(detector.ok()) << detector.status();
    detector_ = std::move(detector).value().release();
    segmenter_ = image::NewGrabCutSegmenter().release();
  }
  static void TearDownTestSuite() {
    delete detector_;
    delete segmenter_;
  }

  Pipeline MakePipeline() {
    auto stages = NewImageStages({.detector = detector_, .segmenter = segmenter_});
    EXPECT_TRUE(stages.ok()) << stages.status();
    auto pipeline = Pipeline::Build(std::move(stages).value());
    EXPECT_TRUE(pipeline.ok()) << pipeline.status();
    return std::move(pipeline).value();
  }

  Status Run(WorkItem& item) {
    StageContext ctx{*store_, progress_, cancel_, clock_, logger_};
    return MakePipeline().Run(ctx, item);
  }

  std::vector<std::string> Keys() {
    auto page = store_->List("", "", 1000);
    EXPECT_TRUE(page.ok());
    std::vector<std::string> keys;
    for (const auto& object : page->objects) keys.push_back(object.key);
    return keys;
  }

  cv::Mat Stored(const std::string& key, int flags = cv::IMREAD_UNCHANGED) {
    auto bytes = store_->GetBytes(key);
    EXPECT_TRUE(bytes.ok()) << key << " " << bytes.status();
    if (!bytes.ok()) return {};
    return cv::imdecode(cv::Mat(1, int(bytes->size()), CV_8UC1, bytes->data()), flags);
  }

  static image::PersonDetector* detector_;
  static image::Segmenter* segmenter_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<objects::ObjectStore> store_ = test::NewMemoryObjectStore(clock_);
  test::RecordingProgressSink progress_;
  CancellationToken cancel_;
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
};
image::PersonDetector* ImageStagesTest::detector_ = nullptr;
image::Segmenter* ImageStagesTest::segmenter_ = nullptr;

TEST_F(ImageStagesTest, APortraitGoesThroughAllFourSteps) {
  WorkItem item{.task_id = "task-1"};
  item.request.upload = ReadFile(kFaces / "Tom_Cruise_avp_2014_4.jpg");
  ASSERT_TRUE(Run(item).ok());
  EXPECT_EQ(progress_.percentages, (std::vector<int>{5, 15, 35, 50}));
  EXPECT_EQ(progress_.steps,
            (std::vector<std::string>{"upload", "person_detection", "background_removal",
                                      "image_optimization"}));
  const std::string dir = "images/uploads/task-1/";
  const cv::Mat original = Stored(dir + "original.jpg");
  EXPECT_EQ(original.size(), cv::Size(565, 800));
  EXPECT_FALSE(Stored(dir + "person_0_crop.jpg").empty());
  const cv::Mat preview = Stored("images/previews/task-1/person_0_preview.jpg");
  EXPECT_EQ(std::max(preview.cols, preview.rows), 256);
  const cv::Mat cutout = Stored(dir + "person_0_bg_removed.png");
  EXPECT_EQ(cutout.type(), CV_8UC4);
  const cv::Mat framed = Stored(dir + "optimized_512x910.png", cv::IMREAD_COLOR);
  ASSERT_EQ(framed.size(), cv::Size(image::kFrameWidth, image::kFrameHeight));
  // The face is still a face, whole, its eyes in the upper half of the frame: the detector
  // finds it there again. (A close-up: the photo's bottom edge cuts the neck, so the face
  // fills the width and the eyes sit lower than the 30-40 % a roomier photo gets; the
  // composition suite checks those rules.)
  auto again = detector_->Detect(framed);
  ASSERT_TRUE(again.ok());
  ASSERT_FALSE(again->persons.empty());
  const cv::Rect face = *again->persons[0].face;
  EXPECT_EQ(face & cv::Rect(0, 0, framed.cols, framed.rows), face);
  double eyes = 0;
  for (int i = 36; i < 48; ++i) eyes += again->persons[0].landmarks[size_t(i)].y / 12;
  EXPECT_GE(eyes, image::kMinEyeLine * framed.rows - 5);
  EXPECT_LE(eyes, 0.5 * framed.rows);
  // The landmarks carried into the frame lie where the detector finds them in it.
  ASSERT_EQ(item.framed_landmarks.size(), size_t(image::kLandmarkCount));
  const auto& found = again->persons[0].landmarks;
  ASSERT_EQ(found.size(), size_t(image::kLandmarkCount));
  double error = 0;
  for (size_t i = 0; i < found.size(); ++i) error += cv::norm(found[i] - item.framed_landmarks[i]);
  EXPECT_LT(error / double(found.size()), 0.05 * face.width);
  auto stored = store_->GetBytes(dir + "framed_face.json");
  ASSERT_TRUE(stored.ok()) << stored.status();
  const Json json = Json::parse(*stored);
  ASSERT_EQ(json["landmarks"].size(), size_t(image::kLandmarkCount));
  EXPECT_NEAR(json["landmarks"][30][0].get<double>(), item.framed_landmarks[30].x, 1e-3);
}

TEST_F(ImageStagesTest, EveryMalformedFileIsRefusedWithItsCodeAndNothingIsStored) {
  const std::string jpeg = ReadFile(kFaces / "2008_002506.jpg");
  std::string bomb = [] {
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)), png);
    return std::string(png.begin(), png.end());
  }();
  for (int at : {16, 20}) bomb.replace(at, 4, std::string("\x00\x01\x86\xA0", 4));  // 100000
  const std::string gif("GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,", 27);
  cv::Mat noise(2000, 2000, CV_8UC3);
  cv::randu(noise, 0, 256);
  std::vector<uchar> big;
  cv::imencode(".png", noise, big);
  std::vector<uchar> tiny;
  cv::imencode(".png", cv::Mat(40, 40, CV_8UC3, cv::Scalar(9, 9, 9)), tiny);

  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {jpeg.substr(0, jpeg.size() * 2 / 3), image::kImageCorrupt},
      {bomb, image::kImageTooManyPixels},
      {"Hello, this is a text file named photo.jpg\n", image::kUnsupportedImageType},
      {gif, image::kUnsupportedImageType},
      {"", image::kMissingImage},
      {std::string(big.begin(), big.end()), image::kImageTooLarge},
      {std::string(tiny.begin(), tiny.end()), image::kImageTooSmall},
  };
  for (const auto& [bytes, reason] : cases) {
    WorkItem item{.task_id = "bad"};
    item.request.upload = bytes;
    const Status status = Run(item);
    EXPECT_EQ(status.code(), reason == image::kImageTooLarge ? StatusCode::kResourceExhausted
                                                             : StatusCode::kInvalidArgument)
        << reason << ": " << status;
    EXPECT_EQ(status.reason(), reason) << status;
    EXPECT_TRUE(Keys().empty()) << reason;
  }
}

TEST_F(ImageStagesTest, ARedeliveredTaskReusesWhatIsStored) {
  WorkItem first{.task_id = "task-2"};
  first.request.upload = ReadFile(kFaces / "2009_004587.jpg");
  first.request.background = BackgroundKind::kBlurredOriginal;
  ASSERT_TRUE(Run(first).ok());
  ASSERT_TRUE(store_->Delete("images/uploads/task-2/optimized_512x910.png").ok());

  WorkItem again{.task_id = "task-2"};
  again.request = first.request;
  ASSERT_TRUE(Run(again).ok());
  EXPECT_EQ(again.reused,
            (std::vector<std::string>{"upload", "person_detection", "background_removal"}));
  EXPECT_EQ(again.chosen_person, first.chosen_person);
  EXPECT_EQ(Stored("images/uploads/task-2/optimized_512x910.png").size(),
            cv::Size(image::kFrameWidth, image::kFrameHeight));
}

// A landscape request: step 4 stores optimized_1920x1080.png (the spec's name is the
// portrait's only), its landmarks where the detector finds the face in it, the person on a
// third line of the width; a redelivery of the same request reuses it.
TEST_F(ImageStagesTest, ALandscapeIsFramedAndStoredUnderItsOwnSize) {
  WorkItem item{.task_id = "task-wide"};
  item.request.upload = ReadFile(kFaces / "2008_001009.jpg");
  item.request.format = image::OutputFormat::kLandscape;
  ASSERT_TRUE(Run(item).ok());
  const std::string dir = "images/uploads/task-wide/";
  EXPECT_FALSE(store_->Exists(dir + "optimized_512x910.png").value());
  const cv::Mat framed = Stored(dir + "optimized_1920x1080.png", cv::IMREAD_COLOR);
  ASSERT_EQ(framed.size(), cv::Size(1920, 1080));
  EXPECT_EQ(item.composition["format"], "landscape");
  EXPECT_EQ(item.composition["width"], 1920);
  const double anchor = item.composition["anchor_x"].get<double>();
  EXPECT_TRUE(std::abs(anchor - 1.0 / 3) < 1e-9 || std::abs(anchor - 2.0 / 3) < 1e-9) << anchor;
  auto again = detector_->Detect(framed);
  ASSERT_TRUE(again.ok());
  ASSERT_FALSE(again->persons.empty());
  const cv::Rect face = *again->persons[0].face;
  const double centre = (face.x + face.width / 2.0) / framed.cols;
  EXPECT_NEAR(centre, anchor, 2 * image::kCentreTolerance);
  ASSERT_EQ(item.framed_landmarks.size(), size_t(image::kLandmarkCount));
  EXPECT_TRUE(face.contains(cv::Point(item.framed_landmarks[30])));

  WorkItem redelivered{.task_id = "task-wide"};
  redelivered.request = item.request;
  ASSERT_TRUE(Run(redelivered).ok());
  EXPECT_EQ(redelivered.reused.size(), 4u);
}

TEST_F(ImageStagesTest, AFullyStoredTaskRestoresTheFramedLandmarks) {
  WorkItem first{.task_id = "task-4"};
  first.request.upload = ReadFile(kFaces / "Tom_Cruise_avp_2014_4.jpg");
  ASSERT_TRUE(Run(first).ok());
  ASSERT_EQ(first.framed_landmarks.size(), size_t(image::kLandmarkCount));

  WorkItem again{.task_id = "task-4"};
  again.request = first.request;
  ASSERT_TRUE(Run(again).ok());
  EXPECT_EQ(again.reused, (std::vector<std::string>{"upload", "person_detection",
                                                    "background_removal", "image_optimization"}));
  ASSERT_EQ(again.framed_landmarks.size(), first.framed_landmarks.size());
  for (size_t i = 0; i < first.framed_landmarks.size(); ++i) {
    EXPECT_NEAR(again.framed_landmarks[i].x, first.framed_landmarks[i].x, 1e-3);
    EXPECT_NEAR(again.framed_landmarks[i].y, first.framed_landmarks[i].y, 1e-3);
  }

  // A malformed record is data loss, not a face.
  ASSERT_TRUE(store_
                  ->Put("images/uploads/task-4/framed_face.json", R"({"landmarks": [[1, 2]]})",
                        {.content_type = "application/json"})
                  .ok());
  WorkItem broken{.task_id = "task-4"};
  broken.request = first.request;
  EXPECT_EQ(Run(broken).code(), StatusCode::kDataLoss);
}

TEST_F(ImageStagesTest, AGroupPhotoGetsACropAndPreviewPerPersonAndTheChosenOneIsFramed) {
  WorkItem item{.task_id = "task-3"};
  item.request.upload = ReadFile(kFaces / "2008_002506.jpg");
  item.request.person_index = 2;
  item.request.background_id = "bg-starry-purple";
  ASSERT_TRUE(Run(item).ok());
  ASSERT_TRUE(item.detection.has_value());
  ASSERT_EQ(item.detection->persons.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    EXPECT_FALSE(Stored("images/uploads/task-3/person_" + n + "_crop.jpg").empty());
    EXPECT_FALSE(Stored("images/previews/task-3/person_" + n + "_preview.jpg").empty());
  }
  EXPECT_FALSE(Stored("images/uploads/task-3/person_2_bg_removed.png").empty());
  EXPECT_FALSE(*store_->Exists("images/uploads/task-3/person_0_bg_removed.png"));
}

TEST_F(ImageStagesTest, RequestsThatCannotBeMetAreRefusedWithCodes) {
  WorkItem missing{.task_id = "task-4"};
  missing.request.upload = ReadFile(kFaces / "2008_002506.jpg");
  missing.request.person_index = 7;
  EXPECT_EQ(Run(missing).reason(), "person_index_out_of_range");

  std::vector<uchar> plain;
  cv::imencode(".jpg", cv::Mat(480, 640, CV_8UC3, cv::Scalar(200, 180, 160)), plain);
  WorkItem nobody{.task_id = "task-5"};
  nobody.request.upload = std::string(plain.begin(), plain.end());
  EXPECT_EQ(Run(nobody).reason(), "no_person_detected");

  // An extreme shape within the limits: searched at 1 pixel wide, and nobody is found.
  std::vector<uchar> strip;
  cv::imencode(".png", cv::Mat(60000, 64, CV_8UC3, cv::Scalar(50, 90, 140)), strip);
  WorkItem thin{.task_id = "task-5b"};
  thin.request.upload = std::string(strip.begin(), strip.end());
  EXPECT_EQ(Run(thin).reason(), "no_person_detected");

  WorkItem unknown{.task_id = "task-6"};
  unknown.request.upload = ReadFile(kFaces / "2009_004587.jpg");
  unknown.request.background_id = "bg-nope";
  EXPECT_EQ(Run(unknown).reason(), "unknown_background");

  WorkItem bad_background{.task_id = "task-7"};
  bad_background.request.upload = ReadFile(kFaces / "2009_004587.jpg");
  bad_background.request.background = BackgroundKind::kUploaded;
  bad_background.request.background_upload = "GIF89a not really";
  EXPECT_EQ(Run(bad_background).reason(), image::kUnsupportedImageType);
}

TEST_F(ImageStagesTest, KeepingTheOriginalBackgroundStoresAnOpaqueCutout) {
  WorkItem item{.task_id = "task-8"};
  item.request.upload = ReadFile(kFaces / "2009_004587.jpg");
  item.request.keep_original_background = true;
  ASSERT_TRUE(Run(item).ok());
  const cv::Mat cutout = Stored("images/uploads/task-8/person_0_bg_removed.png");
  ASSERT_EQ(cutout.type(), CV_8UC4);
  double min_alpha = 0;
  cv::Mat alpha;
  cv::extractChannel(cutout, alpha, 3);
  cv::minMaxLoc(alpha, &min_alpha);
  EXPECT_EQ(min_alpha, 255);
}

// A JPEG with an EXIF APP1 segment holding the orientation tag, spliced after SOI.
std::string WithExifOrientation(const std::string& jpeg, int orientation) {
  std::string tiff("MM\0\x2a\0\0\0\x08", 8);
  tiff += std::string("\0\x01", 2);
  tiff += std::string("\x01\x12\0\x03\0\0\0\x01", 8);
  tiff += std::string("\0", 1) + char(orientation) + std::string("\0\0", 2);
  tiff += std::string("\0\0\0\0", 4);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1 += char(length >> 8);
  app1 += char(length & 0xFF);
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

TEST_F(ImageStagesTest, ARotatedPhoneUploadIsStoredUprightWithoutMetadata) {
  // The photo as a phone stores it: rotated 90° counter-clockwise, with EXIF orientation 6
  // saying "turn me clockwise to view".
  const cv::Mat upright = cv::imread((kFaces / "2009_004587.jpg").string());
  cv::Mat sideways;
  cv::rotate(upright, sideways, cv::ROTATE_90_COUNTERCLOCKWISE);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", sideways, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95});
  WorkItem item{.task_id = "task-9"};
  item.request.upload = WithExifOrientation(std::string(jpeg.begin(), jpeg.end()), 6);
  ASSERT_TRUE(Run(item).ok());
  auto stored = store_->GetBytes("images/uploads/task-9/original.jpg");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->find("Exif"), std::string::npos);
  const cv::Mat original = Stored("images/uploads/task-9/original.jpg", cv::IMREAD_COLOR);
  ASSERT_EQ(original.size(), upright.size());
  cv::Mat diff;
  cv::absdiff(original, upright, diff);
  EXPECT_LT(cv::mean(diff)[0], 6);  // the same picture, up to JPEG loss
  // And the face is found upright.
  ASSERT_TRUE(item.detection.has_value());
  EXPECT_FALSE(item.detection->persons.empty());
}

TEST_F(ImageStagesTest, TheDetectEndpointHelperStoresAndAnswersWithoutATask) {
  auto sink = NewDiscardingProgressSink();
  StageContext ctx{*store_, *sink, cancel_, clock_, logger_};
  auto detection =
      DetectPersonsInUpload(ctx, *detector_, "image-1", ReadFile(kFaces / "2008_002506.jpg"));
  ASSERT_TRUE(detection.ok()) << detection.status();
  EXPECT_EQ(detection->width, 500);
  EXPECT_EQ(detection->persons.size(), 3u);
  const Json json = image::DetectionToJson(*detection);
  EXPECT_EQ(json["person_count"], 3);
  EXPECT_TRUE(*store_->Exists("images/previews/image-1/person_2_preview.jpg"));

  std::vector<uchar> plain;
  cv::imencode(".png", cv::Mat(300, 300, CV_8UC3, cv::Scalar(90, 120, 40)), plain);
  auto nobody =
      DetectPersonsInUpload(ctx, *detector_, "image-2", std::string(plain.begin(), plain.end()));
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  EXPECT_TRUE(nobody->persons.empty());

  auto refused = DetectPersonsInUpload(ctx, *detector_, "image-3", "not an image");
  EXPECT_EQ(refused.status().reason(), image::kUnsupportedImageType);
  EXPECT_FALSE(*store_->Exists("images/uploads/image-3/original.jpg"));
}

}  // namespace
}  // namespace vmsg::pipeline
