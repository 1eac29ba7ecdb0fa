// The visible "AI" mark: drawn in its box in the top-right corner, and nowhere else.
#include "video/ai_label.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace vmsg::video {
namespace {

TEST(AiLabelTest, DrawsAWhiteMarkOnADarkBoxInTheTopRightCornerOnly) {
  for (const cv::Size size :
       {cv::Size(512, 910), cv::Size(1080, 1920), cv::Size(1280, 720), cv::Size(720, 720)}) {
    cv::Mat frame(size, CV_8UC3, cv::Scalar(200, 180, 160));
    const cv::Mat before = frame.clone();
    DrawAiLabel(frame);
    const cv::Rect box = AiLabelBox(size);
    ASSERT_FALSE(box.empty());
    EXPECT_GT(box.x + box.width / 2, size.width * 3 / 4) << size;  // right
    EXPECT_LT(box.y + box.height / 2, size.height / 4) << size;    // top
    EXPECT_GE(box.height, std::min(size.width, size.height) / 25) << size;

    cv::Mat changed;
    cv::absdiff(frame, before, changed);
    cv::Mat outside = changed.clone();
    outside(box).setTo(cv::Scalar::all(0));
    EXPECT_EQ(cv::countNonZero(outside.reshape(1)), 0) << "drawn outside its box at " << size;

    // Inside: the box darkens the picture, and the letters are near white.
    cv::Mat gray;
    cv::cvtColor(frame(box), gray, cv::COLOR_BGR2GRAY);
    double darkest = 0, brightest = 0;
    cv::minMaxLoc(gray, &darkest, &brightest);
    EXPECT_LT(darkest, 120) << size;
    EXPECT_GT(brightest, 240) << size;
    EXPECT_GT(cv::countNonZero(gray > 240), box.area() / 40) << "letters too faint at " << size;
  }
}

}  // namespace
}  // namespace vmsg::video
