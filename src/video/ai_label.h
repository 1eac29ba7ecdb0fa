// The visible AI disclosure (VMSG_AI_LABEL): a small "AI" mark, white on a translucent dark
// rounded box, in the picture's top-right corner, where neither the subtitles (bottom) nor
// the framed face (centre) are. Its size follows the picture's shorter side.
#pragma once

#include <opencv2/core.hpp>

namespace vmsg::video {

// The mark's box in a picture of `size`.
cv::Rect AiLabelBox(cv::Size size);

// Draws the mark onto `frame` (8-bit BGR) in place.
void DrawAiLabel(cv::Mat& frame);

}  // namespace vmsg::video
