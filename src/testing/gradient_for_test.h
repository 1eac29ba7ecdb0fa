// A smooth test picture for the media tests: blue grows left to right, green top to bottom.
#pragma once

#include <opencv2/core.hpp>

namespace vmsg::test {

inline cv::Mat Gradient(int w, int h) {
  cv::Mat image(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / w), uchar(y * 255 / h), 128);
    }
  }
  return image;
}

}  // namespace vmsg::test
