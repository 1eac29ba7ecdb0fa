// The zoom is one affine warp per frame: scale 1 + zoom * progress about a fixed focus, with
// the focus moved no further than keeps the picture covering the whole frame.
#include "video/still_frame_source.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace vmsg::video {
namespace {

constexpr double kMaxZoom = 0.05;  // issue 7: the slow zoom is at most 5 %

class StillFrameSource final : public FrameSource {
 public:
  StillFrameSource(cv::Mat framed, int frame_count, cv::Point2d focus, double zoom)
      : framed_(std::move(framed)), frame_count_(frame_count), focus_(focus), zoom_(zoom) {}

  int frame_count() const override { return frame_count_; }

  Result<cv::Mat> Frame(int index) const override {
    if (index < 0 || index >= frame_count_) {
      return Status::InvalidArgument("still frames: index " + std::to_string(index) + " out of 0-" +
                                     std::to_string(frame_count_ - 1));
    }
    const double progress = frame_count_ > 1 ? static_cast<double>(index) / (frame_count_ - 1) : 0;
    // Ease in and out so the motion starts and ends softly.
    const double eased = progress * progress * (3 - 2 * progress);
    const double scale = 1 + zoom_ * eased;
    // x' = scale * (x - f) + f keeps the focus still and every edge outside the frame.
    const cv::Matx23d warp(scale, 0, (1 - scale) * focus_.x, 0, scale, (1 - scale) * focus_.y);
    cv::Mat out;
    cv::warpAffine(framed_, out, warp, framed_.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
  }

 private:
  const cv::Mat framed_;
  const int frame_count_;
  const cv::Point2d focus_;
  const double zoom_;
};

}  // namespace

Status StillZoomOptions::Validate() const {
  if (zoom < 0 || zoom > kMaxZoom || focus_x < 0 || focus_x > 1 || focus_y < 0 || focus_y > 1) {
    return Status::InvalidArgument("still frames: zoom must be 0-0.05 and the focus in the frame",
                                   "invalid_video_options");
  }
  return Status::Ok();
}

Result<std::unique_ptr<FrameSource>> NewStillFrameSource(const FrameSourceInput& input,
                                                         const StillZoomOptions& options) {
  VMSG_RETURN_IF_ERROR(options.Validate());
  VMSG_RETURN_IF_ERROR(CheckVideoPicture(input.framed, "still frames"));
  if (input.frame_count <= 0) {
    return Status::InvalidArgument("still frames: the video needs at least one frame");
  }
  const double width = input.framed.cols, height = input.framed.rows;
  cv::Point2d focus(options.focus_x * width, options.focus_y * height);
  if (input.landmarks && !input.landmarks->empty()) {
    cv::Point2d sum(0, 0);
    for (const cv::Point2f& p : *input.landmarks) sum += cv::Point2d(p.x, p.y);
    focus = sum / static_cast<double>(input.landmarks->size());
    focus.x = std::clamp(focus.x, 0.0, width);
    focus.y = std::clamp(focus.y, 0.0, height);
  }
  return std::unique_ptr<FrameSource>(
      new StillFrameSource(input.framed.clone(), input.frame_count, focus, options.zoom));
}

}  // namespace vmsg::video
