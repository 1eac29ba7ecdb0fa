// What a soft matte needs besides its alpha: the person's own colours at the edge (so that the
// old background does not halo on a new one) and a background blurred without the person
// bleeding into it (portrait-mode bokeh).
#pragma once

#include <opencv2/core.hpp>

namespace vmsg::image {

// The foreground colours of `bgr` (8-bit, 3 channels) under the matte `alpha` (CV_8UC1, same
// size): where alpha is partial, the pixel's colour with the background's share taken out,
// estimated from the nearby sure foreground and background ("blur fusion": Forte and Pitie,
// "Approximate fast foreground colour estimation", ICIP 2021, two passes). Where alpha is 0
// or 255 the colour is the image's own within rounding. 8-bit BGR of the same size.
cv::Mat EstimateForeground(const cv::Mat& bgr, const cv::Mat& alpha);

// `bgr` blurred with a Gaussian of `sigma` pixels, the pixels weighted by how little they are
// the person (1 - alpha), so the person's colours do not spill into the blurred background
// around them. Where the person covers everything near a pixel it falls back to a plain blur.
cv::Mat BlurBehind(const cv::Mat& bgr, const cv::Mat& alpha, double sigma);

}  // namespace vmsg::image
