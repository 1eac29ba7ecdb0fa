// The "AI" mark (see ai_label.h).
#include "video/ai_label.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace vmsg::video {
namespace {

// The box's height as a share of the shorter side, and its margin from the edges.
constexpr double kHeightShare = 0.055;
constexpr double kMarginShare = 0.03;
constexpr double kBoxOpacity = 0.55;

}  // namespace

cv::Rect AiLabelBox(cv::Size size) {
  const int shorter = std::min(size.width, size.height);
  const int height = std::max(14, static_cast<int>(shorter * kHeightShare));
  const int width = height * 9 / 5;
  const int margin = std::max(4, static_cast<int>(shorter * kMarginShare));
  return cv::Rect(size.width - margin - width, margin, width, height) &
         cv::Rect(0, 0, size.width, size.height);
}

void DrawAiLabel(cv::Mat& frame) {
  const cv::Rect box = AiLabelBox(frame.size());
  if (box.empty()) return;
  cv::Mat region = frame(box);
  cv::Mat shade(region.size(), region.type(), cv::Scalar(24, 24, 24));
  const int radius = box.height / 4;
  cv::Mat mask = cv::Mat::zeros(region.size(), CV_8U);
  cv::rectangle(mask, cv::Rect(radius, 0, box.width - 2 * radius, box.height), 255, cv::FILLED);
  cv::rectangle(mask, cv::Rect(0, radius, box.width, box.height - 2 * radius), 255, cv::FILLED);
  for (const cv::Point c : {cv::Point(radius, radius), cv::Point(box.width - radius - 1, radius),
                            cv::Point(radius, box.height - radius - 1),
                            cv::Point(box.width - radius - 1, box.height - radius - 1)}) {
    cv::circle(mask, c, radius, 255, cv::FILLED, cv::LINE_AA);
  }
  cv::Mat blended;
  cv::addWeighted(region, 1.0 - kBoxOpacity, shade, kBoxOpacity, 0, blended);
  blended.copyTo(region, mask);

  const int thickness = std::max(1, box.height / 10);
  const double scale =
      cv::getFontScaleFromHeight(cv::FONT_HERSHEY_DUPLEX, box.height * 11 / 20, thickness);
  int baseline = 0;
  const cv::Size text = cv::getTextSize("AI", cv::FONT_HERSHEY_DUPLEX, scale, thickness, &baseline);
  const cv::Point origin(box.x + (box.width - text.width) / 2,
                         box.y + (box.height + text.height) / 2);
  cv::putText(frame, "AI", origin, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(255, 255, 255),
              thickness, cv::LINE_AA);
}

}  // namespace vmsg::video
