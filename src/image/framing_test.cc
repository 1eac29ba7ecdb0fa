// Framing: exact size, face inside and where the layout puts it, and the background choices.
#include "image/framing.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/backgrounds.h"
#include "image/person_detector.h"
#include "testing/synthetic_images.h"

namespace vmsg::image {
namespace {

FrameRequest SyntheticRequest(cv::Size photo, uint64_t seed) {
  const auto scene = test::MakeSyntheticPortrait(photo, seed);
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

TEST(FramingTest, FrameIsExactlyPortraitSizedWithTheFaceWhereTheRulesPutIt) {
  for (const cv::Size photo : {cv::Size(4000, 3000), cv::Size(600, 800), cv::Size(300, 300)}) {
    auto framed = FramePortrait(SyntheticRequest(photo, 7));
    ASSERT_TRUE(framed.ok()) << framed.status();
    EXPECT_EQ(framed->image.cols, kFrameWidth);
    EXPECT_EQ(framed->image.rows, kFrameHeight);
    EXPECT_EQ(framed->image.type(), CV_8UC3);
    EXPECT_EQ(framed->alpha.size(), framed->image.size());
    const cv::Rect frame(0, 0, kFrameWidth, kFrameHeight);
    EXPECT_EQ(framed->face & frame, framed->face) << photo;
    // The face box runs from the brows to the chin; the eyes lie about a third of the way
    // down it.
    const double eyes = (framed->face.y + 0.35 * framed->face.height) / kFrameHeight;
    EXPECT_GE(eyes, kMinEyeLine - 0.01) << photo;
    EXPECT_LE(eyes, kMaxEyeLine + 0.01) << photo;
    EXPECT_NEAR(framed->face.x + framed->face.width / 2.0, kFrameWidth / 2.0,
                kCentreTolerance * kFrameWidth)
        << photo;
    const double share = double(framed->face.height) / kFrameHeight;
    EXPECT_LE(framed->scale(), kMaxUpscale);
    if (!framed->composition.upscale_capped) {
      EXPECT_GE(share, kMinFaceShare - 0.01) << photo;
      EXPECT_LE(share, kMaxFaceShare + 0.01) << photo;
    }
    // The shoulders leave the photo at its bottom: they reach the frame's bottom, opaque.
    const cv::Mat bottom = framed->alpha.row(kFrameHeight - 1);
    EXPECT_GT(cv::countNonZero(bottom == 255), framed->face.width) << photo;
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
      EXPECT_NEAR(mapped.x, offset.x * framed->scale(), 1.5) << photo;
      EXPECT_NEAR(mapped.y, offset.y * framed->scale(), 1.5) << photo;
    }
  }
  // Without landmarks there are none in the frame.
  auto plain = FramePortrait(SyntheticRequest({600, 800}, 11));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->landmarks.empty());
}

TEST(FramingTest, TheOriginalBackgroundIsACropOfThePhotoItself) {
  FrameRequest request = SyntheticRequest({1200, 1600}, 5);
  request.background = FrameBackground::kOriginal;
  auto framed = FramePortrait(request);
  ASSERT_TRUE(framed.ok()) << framed.status();
  // Every frame pixel is the photo's pixel under the composition's transform (the photo
  // covers the frame here), person and background alike.
  const Composition& c = framed->composition;
  const cv::Matx23d to_frame(c.scale, 0, c.tx, 0, c.scale, c.ty);
  cv::Mat expected;
  cv::warpAffine(request.original, expected, to_frame, framed->image.size(), cv::INTER_AREA);
  const cv::Rect inner(20, 20, kFrameWidth - 40, kFrameHeight - 40);
  cv::Mat diff;
  cv::absdiff(framed->image(inner), expected(inner), diff);
  EXPECT_LT(cv::mean(diff)[0], 6);
}

TEST(FramingTest, TheBlurredBackgroundIsTheSameCropWithOnlyTheBackgroundBlurred) {
  FrameRequest request = SyntheticRequest({1200, 1600}, 5);
  request.background = FrameBackground::kOriginal;
  auto sharp = FramePortrait(request);
  request.background = FrameBackground::kBlurredOriginal;
  auto blurred = FramePortrait(request);
  ASSERT_TRUE(sharp.ok() && blurred.ok());
  auto detail = [](const cv::Mat& image, const cv::Mat& where) {
    cv::Mat gray, lap;
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    cv::Laplacian(gray, lap, CV_32F);
    cv::Scalar mean, dev;
    cv::meanStdDev(lap, mean, dev, where);
    return dev[0];
  };
  cv::Mat person, background;
  cv::erode(sharp->alpha == 255, person, cv::Mat(), {-1, -1}, 4);
  cv::dilate(sharp->alpha > 0, background, cv::Mat(), {-1, -1}, 12);
  background = background == 0;
  // The person keeps its detail; the background loses it.
  EXPECT_GT(detail(blurred->image, person), 0.9 * detail(sharp->image, person));
  EXPECT_LT(detail(blurred->image, background), 0.5 * detail(sharp->image, background));
  // One picture, not two: the blurred background is the sharp crop blurred (same layout),
  // not an enlarged second copy of the photo.
  cv::Mat smoothed;
  cv::GaussianBlur(sharp->image, smoothed, cv::Size(0, 0), kBackgroundBlurFraction * kFrameWidth);
  cv::Mat diff;
  cv::absdiff(blurred->image, smoothed, diff);
  EXPECT_LT(cv::mean(diff, background)[0], 8);
}

TEST(FramingTest, TheOldBackgroundDoesNotHaloOnANewOne) {
  // A person on a saturated green backdrop with a soft edge, framed over a plain grey image:
  // the edge pixels must not turn green.
  FrameRequest request = SyntheticRequest({900, 1200}, 3);
  cv::Mat soft;
  cv::GaussianBlur(request.cutout, soft, cv::Size(0, 0), 3);
  std::vector<cv::Mat> channels;
  cv::split(request.cutout, channels);
  cv::Mat alpha;
  cv::extractChannel(soft, alpha, 3);
  const cv::Scalar green(40, 230, 40);
  for (int y = 0; y < alpha.rows; ++y) {
    for (int x = 0; x < alpha.cols; ++x) {
      const double a = alpha.at<uchar>(y, x) / 255.0;
      cv::Vec3b& p = request.original.at<cv::Vec3b>(y, x);
      const cv::Vec3b person = p;
      for (int k = 0; k < 3; ++k)
        p[k] = cv::saturate_cast<uchar>(a * person[k] + (1 - a) * green[k]);
    }
  }
  channels[3] = alpha;
  cv::merge(channels, request.cutout);
  request.background_image = cv::Mat(910, 512, CV_8UC3, cv::Scalar(128, 128, 128));
  auto framed = FramePortrait(request);
  ASSERT_TRUE(framed.ok()) << framed.status();
  const cv::Mat edge = (framed->alpha > 20) & (framed->alpha < 235);
  ASSERT_GT(cv::countNonZero(edge), 100);
  std::vector<cv::Mat> bgr;
  cv::split(framed->image, bgr);
  cv::Mat green_excess;
  cv::subtract(bgr[1], cv::max(bgr[0], bgr[2]), green_excess, cv::noArray(), CV_32F);
  // The person's own colours (skin, hair, shirt) have no green excess; a halo would.
  // (Compositing the photo's own edge pixels gives about +8 here; decontaminated, about -35.)
  EXPECT_LT(cv::mean(green_excess, edge)[0], -10);
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
}  // namespace vmsg::image
