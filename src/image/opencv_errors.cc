// See opencv_errors.h.
#include "image/opencv_errors.h"

namespace vmsg::image {

Status OpenCvError(std::string_view what, const cv::Exception& e, StatusMaker make,
                   std::string_view reason) {
  std::string message = std::string(what) + ": " + (e.err.empty() ? e.what() : e.err);
  if (e.code == cv::Error::StsNoMem) return Status::ResourceExhausted(message, "out_of_memory");
  return make(std::move(message), std::string(reason));
}

}  // namespace vmsg::image
