// The render loop over the still frame source: subtitles burnt into the pictures that are
// encoded, the thumbnail without them, and a cancellation mid-encode that returns its reason.
#include "video/render.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <opencv2/imgproc.hpp>

#include "testing/test_speech.h"
#include "video/mp4_probe.h"
#include "video/still_frame_source.h"

namespace vmsg::video {
namespace {

cv::Mat Framed() {
  cv::Mat m(910, 512, CV_8UC3, cv::Scalar(120, 150, 170));
  cv::ellipse(m, cv::Point(256, 340), cv::Size(90, 120), 0, 0, 360, cv::Scalar(140, 180, 220),
              cv::FILLED);
  return m;
}

audio::Sound Soundtrack(double seconds) {
  return audio::Sound{48000, 2, std::vector<float>(static_cast<size_t>(seconds * 48000) * 2, 0)};
}

// A real source whose reading of frame `at` cancels the token, as a user's cancel arriving
// mid-encode would.
class CancelAt final : public FrameSource {
 public:
  CancelAt(const FrameSource& inner, int at, CancellationToken& token)
      : inner_(inner), at_(at), token_(token) {}
  int frame_count() const override { return inner_.frame_count(); }
  Result<cv::Mat> Frame(int index) const override {
    if (index == at_) token_.Cancel(Status::Cancelled("cancelled by the user"));
    ++read_;
    return inner_.Frame(index);
  }
  int read() const { return read_; }

 private:
  const FrameSource& inner_;
  const int at_;
  CancellationToken& token_;
  mutable int read_ = 0;
};

TEST(StillFrameSourceTest, ZoomsSlowlyTowardsTheFocus) {
  const cv::Mat framed = Framed();
  const speech::Speech speech = test::TimedSpeech({"a"}, 1, speech::Language::kEnglish);
  auto source = NewStillFrameSource({.framed = framed, .speech = speech, .frame_count = 100});
  ASSERT_TRUE(source.ok()) << source.status();
  auto first = (*source)->Frame(0);
  auto last = (*source)->Frame(99);
  ASSERT_TRUE(first.ok() && last.ok());
  EXPECT_EQ(cv::norm(*first, framed, cv::NORM_INF), 0);  // starts as the picture itself
  EXPECT_GT(cv::norm(*last, framed, cv::NORM_L1), 0);    // and ends closer in
  // The face (ellipse) grows: more face-coloured pixels at the end.
  auto face_pixels = [](const cv::Mat& m) {
    cv::Mat mask;
    cv::inRange(m, cv::Scalar(135, 175, 215), cv::Scalar(145, 185, 225), mask);
    return cv::countNonZero(mask);
  };
  EXPECT_GT(face_pixels(*last), face_pixels(*first) * 1.08);
  EXPECT_TRUE((*source)->Frame(100).status().IsInvalidArgument());
  EXPECT_FALSE((*source)->animates_face());
}

TEST(RenderTest, BurnsSubtitlesInAndKeepsTheThumbnailClean) {
  const cv::Mat framed = Framed();
  const speech::Speech speech =
      test::TimedSpeech({"ありがとう", "ございます"}, 0.6, speech::Language::kJapanese);
  const double offset = 0.5;
  const audio::Sound sound = Soundtrack(offset + speech.duration_seconds() + 0.5);
  const int frames = FrameCountFor(sound.duration_seconds(), 25);
  auto source = NewStillFrameSource(
      {.framed = framed, .speech = speech, .speech_offset_seconds = offset, .frame_count = frames});
  ASSERT_TRUE(source.ok());
  auto subs = Subtitles::Make(speech, "ありがとうございます", offset);
  ASSERT_TRUE(subs.ok()) << subs.status();
  CancellationToken cancel;
  auto video = RenderVideo(**source, subs->get(), sound, {}, cancel);
  ASSERT_TRUE(video.ok()) << video.status();
  EXPECT_EQ(video->frames, frames);
  EXPECT_NEAR(video->duration_seconds, sound.duration_seconds(), 0.02);
  auto info = ProbeMp4(video->mp4);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->video_frames, frames);

  auto decoded = DecodeMp4Frames(video->mp4, frames);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(static_cast<int>(decoded->size()), frames);
  const cv::Rect band(0, 700, 512, 180);
  auto band_change = [&](int i) {
    auto expected = (*source)->Frame(i);
    return cv::norm((*decoded)[static_cast<size_t>(i)](band), (*expected)(band), cv::NORM_L1) /
           band.area();
  };
  EXPECT_LT(band_change(0), 6.0);            // before the speech: no subtitles (coding noise only)
  EXPECT_GT(band_change(frames / 2), 20.0);  // while it plays: text in the band
  // The thumbnail is the first frame, without subtitles.
  EXPECT_EQ(cv::norm(video->thumbnail, *(*source)->Frame(0), cv::NORM_INF), 0);
}

TEST(RenderTest, CancellingMidEncodeStopsWithTheReason) {
  const cv::Mat framed = Framed();
  const speech::Speech speech = test::TimedSpeech({"hello"}, 1.0, speech::Language::kEnglish);
  const audio::Sound sound = Soundtrack(4.0);
  auto source = NewStillFrameSource({.framed = framed, .speech = speech, .frame_count = 100});
  ASSERT_TRUE(source.ok());
  CancellationToken cancel;
  CancelAt cancelling(**source, 30, cancel);
  auto video = RenderVideo(cancelling, nullptr, sound, {.cancel_check_frames = 5}, cancel);
  EXPECT_TRUE(video.status().IsCancelled()) << video.status();
  EXPECT_LE(cancelling.read(), 31 + 5);  // stopped within one check interval
}

// Step 8's cost beside the encode-only floor (mp4_writer_test): 300 frames (12 s) of the
// still source with subtitles. Run by hand:
//   video_render_test --gtest_also_run_disabled_tests --gtest_filter=*TwelveSeconds*
TEST(RenderTest, DISABLED_TwelveSecondsWithSubtitles) {
  const cv::Mat framed = Framed();
  std::vector<std::string> words;
  for (int i = 0; i < 10; ++i) {
    for (const char* w : {"お", "誕生", "日", "おめでとう", "素敵", "な", "一", "年"}) {
      words.push_back(w);
    }
  }
  const speech::Speech speech = test::TimedSpeech(words, 0.125, speech::Language::kJapanese);
  std::string text;
  for (int i = 0; i < 10; ++i) text += "お誕生日おめでとう素敵な一年";
  const audio::Sound sound = Soundtrack(12.0);
  auto source = NewStillFrameSource(
      {.framed = framed, .speech = speech, .speech_offset_seconds = 1.0, .frame_count = 300});
  ASSERT_TRUE(source.ok());
  auto subs = Subtitles::Make(speech, text, 1.0);
  ASSERT_TRUE(subs.ok());
  CancellationToken cancel;
  const auto start = std::chrono::steady_clock::now();
  auto video = RenderVideo(**source, subs->get(), sound, {}, cancel);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(video.ok());
  std::cout << "render: 300 frames in " << ms << " ms (" << ms / 300 << " ms/frame)\n";
}

TEST(RenderTest, TheSourceMustMatchTheSound) {
  const cv::Mat framed = Framed();
  const speech::Speech speech = test::TimedSpeech({"hello"}, 1.0, speech::Language::kEnglish);
  auto source = NewStillFrameSource({.framed = framed, .speech = speech, .frame_count = 10});
  ASSERT_TRUE(source.ok());
  CancellationToken cancel;
  auto video = RenderVideo(**source, nullptr, Soundtrack(1.0), {}, cancel);
  EXPECT_EQ(video.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vmsg::video
