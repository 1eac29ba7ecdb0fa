// Framing: exact size, face inside and where the layout puts it, and the background choices.
#include "media/framing.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "media/backgrounds.h"
#include "media/person_detector.h"
#include "pipeline/testing/synthetic_images.h"

namespace vmsg::media {
namespace {

FrameRequest SyntheticRequest(cv::Size photo, uint64_t seed) {
  const auto scene = pipeline::testing::MakeSyntheticPortrait(photo, seed);
  FrameRequest request;
  request.original = scene.image;
  cv::cvtColor(scene.image, request.cutout, cv::COLOR_BGR2BGRA);
  std::vector<cv::Mat> channels;
  cv::split(request.cutout, channels);
  channels[3] = scene.mask;
  cv::merge(channels, request.cutout);
  request.cutout_rect = cv::Rect(0, 0, photo.width, photo.height);
  request.face = scene.face;
  request.background_image = *RenderBackground("bg-gold-bokeh", {kFrameWidth, kFrameHeight});
  return request;
}

TEST(FramingTest, FrameIsExactlyPortraitSizedWithTheFaceInsideTheUpperThird) {
  for (const cv::Size photo : {cv::Size(4000, 3000), cv::Size(600, 800), cv::Size(300, 300)}) {
    auto framed = FramePortrait(SyntheticRequest(photo, 7));
    ASSERT_TRUE(framed.ok()) << framed.status();
    EXPECT_EQ(framed->image.cols, kFrameWidth);
    EXPECT_EQ(framed->image.rows, kFrameHeight);
    EXPECT_EQ(framed->image.type(), CV_8UC3);
    const cv::Rect frame(0, 0, kFrameWidth, kFrameHeight);
    EXPECT_EQ(framed->face & frame, framed->face) << photo;
    const double centre_y = framed->face.y + framed->face.height / 2.0;
    EXPECT_LT(centre_y, kFrameHeight / 3.0) << photo;
    EXPECT_NEAR(framed->face.x + framed->face.width / 2.0, kFrameWidth / 2.0, 2) << photo;
    EXPECT_LE(framed->scale, kMaxUpscale);
  }
}

TEST(FramingTest, PersonCoversTheFaceAndBackgroundShowsAtTheTopCorners) {
  FrameRequest request = SyntheticRequest({1200, 1600}, 3);
  auto framed = FramePortrait(request);
  ASSERT_TRUE(framed.ok());
  const cv::Mat expected_bg = CoverResize(request.background_image, {kFrameWidth, kFrameHeight});
  const cv::Rect corner(0, 0, 40, 40);
  EXPECT_LT(cv::norm(framed->image(corner), expected_bg(corner), cv::NORM_L1) / corner.area(), 1.0);
  // The face centre shows the photo's skin colour (120, 160, 215), not the background.
  const cv::Point centre(framed->face.x + framed->face.width / 2,
                         framed->face.y + framed->face.height / 2);
  const cv::Vec3b pixel = framed->image.at<cv::Vec3b>(centre);
  EXPECT_NEAR(pixel[2], 215, 30);
}

TEST(FramingTest, OriginalAndBlurredBackgroundsComeFromThePhoto) {
  FrameRequest request = SyntheticRequest({900, 1200}, 5);
  request.background = FrameBackground::kOriginal;
  auto sharp = FramePortrait(request);
  request.background = FrameBackground::kBlurredOriginal;
  auto blurred = FramePortrait(request);
  ASSERT_TRUE(sharp.ok() && blurred.ok());
  auto sharpness = [](const cv::Mat& image) {
    cv::Mat gray, lap;
    cv::cvtColor(image(cv::Rect(0, 0, 120, 120)), gray, cv::COLOR_BGR2GRAY);
    cv::Laplacian(gray, lap, CV_32F);
    cv::Scalar mean, dev;
    cv::meanStdDev(lap, mean, dev);
    return dev[0];
  };
  EXPECT_GT(sharpness(sharp->image), 2 * sharpness(blurred->image));
}

TEST(FramingTest, AScaledDownCutoutLandsWhereTheFullSizeOneWould) {
  const FrameRequest full = SyntheticRequest({1600, 2000}, 9);
  FrameRequest half = full;
  cv::resize(full.cutout, half.cutout, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  auto a = FramePortrait(full);
  auto b = FramePortrait(half);
  ASSERT_TRUE(a.ok() && b.ok()) << b.status();
  EXPECT_EQ(a->face, b->face);
  cv::Mat diff;
  cv::absdiff(a->image, b->image, diff);
  EXPECT_LT(cv::mean(diff)[0], 3);
}

TEST(FramingTest, WithoutAFaceTheTopOfThePersonIsTheHead) {
  FrameRequest request = SyntheticRequest({900, 1200}, 4);
  request.face = cv::Rect();
  request.cutout_rect = cv::Rect(0, 0, request.cutout.cols, request.cutout.rows);
  auto framed = FramePortrait(request);
  ASSERT_TRUE(framed.ok()) << framed.status();
  EXPECT_EQ(framed->image.size(), cv::Size(kFrameWidth, kFrameHeight));
  EXPECT_EQ(framed->face & cv::Rect(0, 0, kFrameWidth, kFrameHeight), framed->face);
}

TEST(FramingTest, LandmarksAreMappedIntoTheFramedFace) {
  for (const cv::Size photo : {cv::Size(4000, 3000), cv::Size(600, 800), cv::Size(300, 300)}) {
    FrameRequest request = SyntheticRequest(photo, 11);
    // A grid of points over the face box (inset by a tenth), as dlib's landmarks would lie.
    const cv::Rect& f = request.face;
    for (int i = 0; i < kLandmarkCount; ++i) {
      request.landmarks.emplace_back(f.x + f.width * (0.1f + 0.8f * float(i % 8) / 7),
                                     f.y + f.height * (0.1f + 0.8f * float(i / 8) / 8));
    }
    auto framed = FramePortrait(request);
    ASSERT_TRUE(framed.ok()) << framed.status();
    ASSERT_EQ(framed->landmarks.size(), size_t(kLandmarkCount));
    const cv::Rect2f face(framed->face);
    for (size_t i = 0; i < framed->landmarks.size(); ++i) {
      EXPECT_TRUE(face.contains(framed->landmarks[i])) << photo << " point " << i;
      // The same transform as the face box: scaled by `scale` about the box.
      const cv::Point2f offset = request.landmarks[i] - cv::Point2f(f.tl());
      const cv::Point2f mapped = framed->landmarks[i] - cv::Point2f(framed->face.tl());
      EXPECT_NEAR(mapped.x, offset.x * framed->scale, 1.5) << photo;
      EXPECT_NEAR(mapped.y, offset.y * framed->scale, 1.5) << photo;
    }
  }
  // Without landmarks there are none in the frame.
  auto plain = FramePortrait(SyntheticRequest({600, 800}, 11));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->landmarks.empty());
}

TEST(FramingTest, RefusesMissingInputs) {
  FrameRequest request = SyntheticRequest({600, 800}, 1);
  request.background_image = cv::Mat();
  EXPECT_TRUE(FramePortrait(request).status().IsInvalidArgument());
}

TEST(BackgroundsTest, TenDeterministicPresetsAtAnySize) {
  ASSERT_EQ(BackgroundPresets().size(), 10u);
  for (const BackgroundPreset& preset : BackgroundPresets()) {
    auto a = RenderBackground(preset.id, {216, 384});
    auto b = RenderBackground(preset.id, {216, 384});
    ASSERT_TRUE(a.ok() && b.ok()) << preset.id;
    EXPECT_EQ(cv::norm(*a, *b, cv::NORM_INF), 0) << preset.id;
    // Not a flat colour.
    cv::Scalar mean, dev;
    cv::meanStdDev(*a, mean, dev);
    EXPECT_GT(dev[0] + dev[1] + dev[2], 5) << preset.id;
  }
  EXPECT_TRUE(RenderBackground("bg-nope", {10, 10}).status().IsNotFound());
}

TEST(BackgroundsTest, WritesFullSizeImagesAndThumbnails) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "vmsg_backgrounds";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WriteBackgrounds(dir, false).ok());
  for (const BackgroundPreset& preset : BackgroundPresets()) {
    EXPECT_TRUE(std::filesystem::exists(dir / BackgroundFileName(preset.id)));
    EXPECT_TRUE(std::filesystem::exists(dir / ThumbnailFileName(preset.id)));
  }
}

}  // namespace
}  // namespace vmsg::media
