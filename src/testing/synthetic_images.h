// Synthetic pictures with known answers, for tests: a "portrait" (head, hair, neck and
// shoulders over a busy background) whose person mask and face box are known exactly.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>

namespace vmsg::test {

struct SyntheticPortrait {
  cv::Mat image;  // 8-bit BGR
  cv::Mat mask;   // CV_8UC1: 255 on the person, 0 elsewhere
  cv::Rect face;  // where a face detector would put the box (brows to chin)
};

// Deterministic for a given seed. The person is centred, the face in the upper part, the
// shoulders leave the picture at the bottom; the background has gradients, soft blobs and
// noise in colours unlike the person's.
SyntheticPortrait MakeSyntheticPortrait(cv::Size size, uint64_t seed);

}  // namespace vmsg::test
