// Step 4's picture: the chosen person framed for a screen of the request's format by the
// framing engine (composition.h), over the background the request chose. Three kinds of
// background:
//   - an image (a preset or an upload): the person's matte composited over it, the edge's
//     colours decontaminated so the photo's old background does not halo;
//   - the original photo: a crop of the photo itself with the same composition, a blurred
//     fill only where the photo has no pixels;
//   - the blurred original: that same crop with everything but the person blurred, weighted
//     by the matte (portrait-mode bokeh).
// The photo's pixels are resized once, from the original, to the frame's scale: area
// averaging down, Lanczos with a light unsharp mask up (at most MaxUpscale of the frame).
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "base/result.h"
#include "image/composition.h"
#include "image/output_format.h"

namespace vmsg::image {

// The default format's frame (the spec's 512x910 portrait).
inline constexpr int kFrameWidth = SpecOf(OutputFormat::kPortrait).width;
inline constexpr int kFrameHeight = SpecOf(OutputFormat::kPortrait).height;
// Bokeh of the blurred original, and the fill where the photo has no pixels: Gaussian sigma
// as a fraction of the portrait's width, scaled with the frame's height (FrameUnit) as the
// person is, so that every format blurs alike around the same person.
inline constexpr double kBackgroundBlurFraction = 0.025;
inline constexpr double kFillBlurFraction = 0.05;
inline double BlurSigma(double fraction, cv::Size frame) {
  return fraction * kFrameWidth * FrameUnit(frame.height);
}

enum class FrameBackground { kImage, kOriginal, kBlurredOriginal };

struct FrameRequest {
  cv::Mat original;  // BGR photo (orientation applied)
  // BGRA: the person with their matte, cut from `original` at cutout_rect (possibly scaled
  // down); only its alpha is used: colours come from the original at the frame's scale.
  cv::Mat cutout;
  cv::Rect cutout_rect;
  cv::Rect face;  // in `original` coordinates; empty: the head is taken from the matte's top
  // The face's landmarks in `original` coordinates (dlib's 68, or none); they place the face
  // better than its box, and Framed carries them into the frame for the animation.
  std::vector<cv::Point2f> landmarks;
  Framing framing = Framing::kAuto;
  cv::Size frame{kFrameWidth, kFrameHeight};
  FrameBackground background = FrameBackground::kImage;
  cv::Mat background_image;  // BGR, any size (cover-cropped to the frame), for kImage
};

struct Framed {
  cv::Mat image;                       // BGR of the request's frame size
  cv::Mat alpha;                       // CV_8UC1 of the frame size: the person's matte in the frame
  cv::Rect face;                       // the face box in the frame
  std::vector<cv::Point2f> landmarks;  // the request's landmarks in frame coordinates
  Composition composition;             // photo to frame
  CompositionFigures figures;          // the face's share, eye line and centring
  double scale() const { return composition.scale; }
};

// InvalidArgument when an input is missing or of the wrong type; Internal when OpenCV fails.
Result<Framed> FramePortrait(const FrameRequest& request);

// Scales and centre-crops `image` to cover `size` exactly.
cv::Mat CoverResize(const cv::Mat& image, cv::Size size);

}  // namespace vmsg::image
