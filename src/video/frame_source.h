// FrameSource: the pictures of a video, one at a time, by index. The talking-photo animation
// (talking_photo.h) is one; the renderer (render.h) draws subtitles over its frames and
// hands them to the encoder, so neither needs to know how the other works.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::video {

// The video the pipeline delivers runs at 25 frames a second, at the size of the framed
// picture (the request's format: 512x910 by default).
inline constexpr int kVideoFps = 25;
// The smallest side a video picture may have; both sides must be even (the encoder's
// yuv420p halves them).
inline constexpr int kMinVideoSide = 16;

// InvalidArgument naming `who` unless `picture` is 8-bit BGR with even sides of at least
// kMinVideoSide.
inline Status CheckVideoPicture(const cv::Mat& picture, std::string_view who) {
  if (picture.type() != CV_8UC3 || picture.cols < kMinVideoSide || picture.rows < kMinVideoSide ||
      picture.cols % 2 != 0 || picture.rows % 2 != 0) {
    return Status::InvalidArgument(std::string(who) +
                                   ": the picture must be 8-bit BGR with even sides of at least " +
                                   std::to_string(kMinVideoSide) + " pixels");
  }
  return Status::Ok();
}

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  // How many frames the video has.
  virtual int frame_count() const = 0;
  // Frame `index` (0 <= index < frame_count()) as 8-bit BGR of the framed picture's size.
  // InvalidArgument for an index out of range. Frames may be asked for in any order;
  // thread-safe for concurrent calls with different indices.
  virtual Result<cv::Mat> Frame(int index) const = 0;

  // The frame that best stands for the whole video, for its thumbnail (a source that knows
  // better, e.g. one with the eyes open and the mouth at rest, says so). The first by default.
  virtual int thumbnail_index() const { return 0; }
  // True when the frames animate the face (the talking photo); false for a still picture.
  virtual bool animates_face() const { return false; }
};

}  // namespace vmsg::video
