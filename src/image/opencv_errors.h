// OpenCV reports failures by exception, and none may leave vmsg's picture code: every catch
// of a cv::Exception turns it into a Status here, the one mapping.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vmsg::image {

using StatusMaker = Status (*)(std::string message, std::string reason);

// `what` failed inside OpenCV with `e`: ResourceExhausted "out_of_memory" when OpenCV ran out
// of memory (whatever the caller's code), else `make` (Internal by default) with `reason`
// and the message "<what>: <OpenCV's error>".
Status OpenCvError(std::string_view what, const cv::Exception& e,
                   StatusMaker make = &Status::Internal, std::string_view reason = "opencv_error");

}  // namespace vmsg::image
