// JPEG and PNG decoding of uploads with the libraries' own APIs rather than through
// cv::imdecode, for three things OpenCV does not give: a cap on a progressive JPEG's scans
// (a "scan bomb" of thousands of tiny scans decodes for minutes), a JPEG cut short refused
// rather than padded with grey, and the libraries' warnings kept out of stderr.
#pragma once

#include <opencv2/core/mat.hpp>
#include <string_view>

#include "base/result.h"

namespace vmsg::image {

// Far more scans than encoders write (libjpeg's progressive script has 10 for a colour
// photo; scripts tuned for size a few dozen). A file with more is refused as image_corrupt
// as its next scan starts: a valid script could in theory hold more, a photo never does.
inline constexpr int kMaxJpegScans = 100;

// Decodes a JPEG to 8-bit BGR, scaled down while decoding by `reduction` (1, 2, 4 or 8).
// InvalidArgument "image_corrupt" when libjpeg fails, the data ends before the image does
// (libjpeg's "premature end" warnings, which it otherwise pads with grey), or there are more
// than kMaxJpegScans scans. Other warnings (extraneous bytes, a bogus progression) are
// tolerated, as viewers do, and never printed. CMYK files (Adobe's inverted) are converted.
Result<cv::Mat> DecodeJpeg(std::string_view bytes, int reduction);

// Decodes a PNG to 8-bit BGR (libpng's simplified API: 16-bit and grey expanded or reduced,
// gamma to sRGB), transparency composited onto white. InvalidArgument "image_corrupt" on
// any libpng error; its warnings (an iCCP profile it dislikes) are dropped, never printed.
Result<cv::Mat> DecodePng(std::string_view bytes);

}  // namespace vmsg::image
