// Face-aware 9:16 framing for a phone screen: the person scaled so the face has a set height,
// the face centred horizontally in the upper third, the shoulders below it, composited over
// a background. Downscaling uses area averaging; upscaling is bicubic and capped.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "common/result.h"

namespace vmsg::media {

inline constexpr int kFrameWidth = 512;
inline constexpr int kFrameHeight = 910;
// The face box's height as a fraction of the frame's, when the photo allows it; up to the
// larger fraction when that lets a body that leaves the photo at the bottom fill the frame
// down to its bottom edge.
inline constexpr double kFaceHeightFraction = 0.2;
inline constexpr double kMaxFaceHeightFraction = 0.25;
// Where the photo's edge ends inside the frame (a body above the frame's bottom, a crop
// narrower than the frame), the person fades out over this fraction of the frame's height
// instead of ending in a hard line.
inline constexpr double kEdgeFadeFraction = 0.06;
// The face centre's height in the frame (upper third), and how far down it may move so that
// a body that leaves the photo at the bottom also reaches the frame's bottom.
inline constexpr double kFaceCentreY = 0.27;
inline constexpr double kLowestFaceCentreY = 0.32;
// Never enlarge the photo more than this (a small face stays small rather than blurry).
inline constexpr double kMaxUpscale = 1.5;
// "Blurred original": Gaussian sigma in frame pixels.
inline constexpr double kBackgroundBlurSigma = 14;

enum class FrameBackground { kImage, kOriginal, kBlurredOriginal };

struct FrameRequest {
  cv::Mat original;  // BGR photo (orientation applied)
  cv::Mat cutout;    // BGRA: the person with alpha, cut from `original` at cutout_rect
  cv::Rect cutout_rect;
  cv::Rect face;  // in `original` coordinates; empty: use the top of the person box
  // The face's landmarks in `original` coordinates (dlib's 68, or none); Framed carries them
  // into the frame for the talking-photo animation.
  std::vector<cv::Point2f> landmarks;
  FrameBackground background = FrameBackground::kImage;
  cv::Mat background_image;  // BGR, any size (cover-cropped to the frame), for kImage
};

struct Framed {
  cv::Mat image;  // BGR kFrameWidth x kFrameHeight
  cv::Rect face;  // the face box in the frame
  double scale = 1;
  std::vector<cv::Point2f> landmarks;  // the request's landmarks in frame coordinates
};

// InvalidArgument when an input is missing or of the wrong type.
Result<Framed> FramePortrait(const FrameRequest& request);

// Scales and centre-crops `image` to cover `size` exactly.
cv::Mat CoverResize(const cv::Mat& image, cv::Size size);

}  // namespace vmsg::media
