// The writer's file read back with libavformat and libavcodec: the codecs, size, rate and
// pixel format the spec asks for, the duration of the sound, the index before the media
// data (+faststart), and pictures that decode close to what went in.
#include "video/mp4_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <opencv2/imgproc.hpp>

#include "testing/test_mp4.h"
#include "video/mp4_probe.h"

namespace vmsg::video {
namespace {

// A tone of `seconds` at 44.1 kHz mono: the writer converts it to 48 kHz stereo.
audio::Sound Tone(double seconds) {
  constexpr int kRate = 44100;
  audio::Sound s{kRate, 1, {}};
  for (int i = 0; i < static_cast<int>(seconds * kRate); ++i) {
    s.samples.push_back(static_cast<float>(0.3 * std::sin(2 * M_PI * 440.0 * i / kRate)));
  }
  return s;
}

// A picture with gradients and a rectangle that moves with `index`.
cv::Mat Picture(int index) {
  cv::Mat m(910, 512, CV_8UC3);
  for (int y = 0; y < m.rows; ++y) {
    for (int x = 0; x < m.cols; ++x) {
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(x / 2), static_cast<uchar>(y * 255 / 910),
                    static_cast<uchar>(128 + (x + y) % 64));
    }
  }
  cv::rectangle(m, cv::Rect(40 + 6 * index, 300, 120, 160), cv::Scalar(30, 60, 220), cv::FILLED);
  cv::circle(m, cv::Point(256, 700), 80, cv::Scalar(240, 240, 240), cv::FILLED);
  return m;
}

double Psnr(const cv::Mat& a, const cv::Mat& b) { return cv::PSNR(a, b); }

Result<std::string> Encode(double seconds, const Mp4Options& options = {}) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<Mp4Writer> writer, Mp4Writer::Open(Tone(seconds), options));
  for (int i = 0; i < writer->frame_count(); ++i) {
    VMSG_RETURN_IF_ERROR(writer->WriteFrame(Picture(i)));
  }
  return writer->Finish();
}

TEST(Mp4WriterTest, WritesH264AndAacAsTheSpecAsks) {
  auto mp4 = Encode(2.0);
  ASSERT_TRUE(mp4.ok()) << mp4.status();
  auto info = ProbeMp4(*mp4);
  ASSERT_TRUE(info.ok()) << info.status();
  test::ExpectPhoneMp4(*info);
  EXPECT_EQ(info->video_frames, 50);
  EXPECT_EQ(info->channels, 2);
  EXPECT_NEAR(info->duration_seconds, 2.0, 0.05);
}

TEST(Mp4WriterTest, PicturesDecodeCloseToWhatWentIn) {
  auto mp4 = Encode(1.0);
  ASSERT_TRUE(mp4.ok()) << mp4.status();
  auto frames = DecodeMp4Frames(*mp4, 25);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 25u);
  EXPECT_GT(Psnr(frames->front(), Picture(0)), 30.0);
  EXPECT_GT(Psnr((*frames)[24], Picture(24)), 30.0);
  // The moving rectangle is where it was drawn, not where the first frame had it.
  EXPECT_LT(Psnr((*frames)[24], Picture(0)), Psnr((*frames)[24], Picture(24)));
}

TEST(Mp4WriterTest, TheFrameCountFollowsTheSoundRounded) {
  EXPECT_EQ(FrameCountFor(1.23, 25), 31);  // 30.75 frames
  EXPECT_EQ(FrameCountFor(1.21, 25), 30);  // 30.25 frames
  auto writer = Mp4Writer::Open(Tone(1.23));
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ((*writer)->frame_count(), 31);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE((*writer)->WriteFrame(Picture(i)).ok());
  EXPECT_TRUE((*writer)->Finish().status().code() ==
              StatusCode::kFailedPrecondition);  // one frame short
  auto mp4 = Encode(1.23);
  ASSERT_TRUE(mp4.ok());
  auto info = ProbeMp4(*mp4);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->video_frames, 31);
  EXPECT_NEAR(info->duration_seconds, 1.23, 0.05);
}

TEST(Mp4WriterTest, RefusesBadOptionsFramesAndExtraFrames) {
  EXPECT_EQ(Mp4Writer::Open(Tone(1), {.preset = "warp"}).status().reason(),
            "invalid_video_options");
  EXPECT_EQ(Mp4Writer::Open(Tone(1), {.crf = 60}).status().reason(), "invalid_video_options");
  EXPECT_EQ(Mp4Writer::Open(audio::Sound{48000, 2, {}}).status().reason(), "audio_empty");
  auto writer = Mp4Writer::Open(Tone(0.04));
  ASSERT_TRUE(writer.ok());
  EXPECT_TRUE((*writer)->WriteFrame(cv::Mat(100, 100, CV_8UC3)).IsInvalidArgument());
  ASSERT_TRUE((*writer)->WriteFrame(Picture(0)).ok());
  EXPECT_TRUE((*writer)->WriteFrame(Picture(1)).code() == StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*writer)->Finish().ok());
}

// The level each format's size needs at 25 fps (H.264's table A-1: 3.1 holds 3600
// macroblocks a frame, 3.2 5120, 4.0 8192), the cap that goes with it, and a 1080x1920
// file that says so in its header.
TEST(Mp4WriterTest, EachSizeGetsTheLevelItNeedsAndABitRateCap) {
  EXPECT_EQ(H264LevelFor(512, 910, 25), 31);    // 32 x 57 = 1824 macroblocks
  EXPECT_EQ(H264LevelFor(1080, 1920, 25), 40);  // 68 x 120 = 8160
  EXPECT_EQ(H264LevelFor(1080, 1080, 25), 32);  // 68 x 68 = 4624
  EXPECT_EQ(H264LevelFor(1920, 1080, 25), 40);
  EXPECT_EQ(H264LevelFor(320, 240, 25), 30);
  EXPECT_EQ(H264LevelFor(1920, 1080, 60), 42);  // 8160 x 60 a second is beyond 4.1
  EXPECT_EQ(H264LevelFor(8192, 8192, 25), 0);   // beyond 5.1
  EXPECT_EQ(VideoBitRateCapFor(512, 910, 25), 2'329'600);
  EXPECT_EQ(VideoBitRateCapFor(1080, 1920, 25), 10'368'000);
  EXPECT_EQ(Mp4Writer::Open(Tone(1), {.width = 8192, .height = 8192}).status().reason(),
            "invalid_video_options");
  EXPECT_EQ(Mp4Writer::Open(Tone(1), {.level = 33}).status().reason(), "invalid_video_options");
  EXPECT_EQ(Mp4Writer::Open(Tone(1), {.subpixel_refine = 12}).status().reason(),
            "invalid_video_options");
  const Mp4Options hd = SizedFor({.preset = "ultrafast", .crf = 30}, 1080, 1920);
  EXPECT_EQ(hd.preset, "ultrafast");
  EXPECT_EQ(hd.crf, 30);
  EXPECT_EQ(hd.subpixel_refine, kLargePictureSubpixelRefine);
  EXPECT_EQ(SizedFor({}, 512, 910).subpixel_refine, 0);
  auto writer = Mp4Writer::Open(Tone(0.2), hd);
  ASSERT_TRUE(writer.ok()) << writer.status();
  cv::Mat picture;
  cv::resize(Picture(0), picture, cv::Size(1080, 1920));
  for (int i = 0; i < (*writer)->frame_count(); ++i)
    ASSERT_TRUE((*writer)->WriteFrame(picture).ok());
  auto mp4 = (*writer)->Finish();
  ASSERT_TRUE(mp4.ok()) << mp4.status();
  auto info = ProbeMp4(*mp4);
  ASSERT_TRUE(info.ok()) << info.status();
  test::ExpectPhoneMp4(*info, 1080, 1920);
  EXPECT_EQ(info->level, 40);
}

// The encode-only floor: 300 frames (12 s) at the defaults. Run by hand:
//   video_render_test --gtest_also_run_disabled_tests --gtest_filter=*EncodeOnlyFloor*
TEST(Mp4WriterTest, DISABLED_EncodeOnlyFloor) {
  std::vector<cv::Mat> pictures;
  for (int i = 0; i < 300; ++i) pictures.push_back(Picture(i % 60));
  auto writer = Mp4Writer::Open(Tone(12.0));
  ASSERT_TRUE(writer.ok());
  const auto start = std::chrono::steady_clock::now();
  for (const cv::Mat& p : pictures) ASSERT_TRUE((*writer)->WriteFrame(p).ok());
  auto mp4 = (*writer)->Finish();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(mp4.ok());
  std::cout << "encode-only: 300 frames in " << ms << " ms (" << ms / 300 << " ms/frame), "
            << mp4->size() << " bytes\n";
}

}  // namespace
}  // namespace vmsg::video
