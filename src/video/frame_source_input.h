// What a FrameSource for a message video is made from: the framed picture, the speech and
// where it sits in the video, and the video's length. The renderer's caller (pipeline step
// 8) fills it in and hands it to whichever FrameSource factory it was given.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "speech/speech.h"

namespace vmsg::video {

struct FrameSourceInput {
  const cv::Mat& framed;  // 8-bit BGR of the video's size (step 4's picture)
  // The face's 68 landmarks in `framed`'s coordinates when the caller knows them; a source
  // that needs them and gets none finds them itself.
  std::optional<std::vector<cv::Point2f>> landmarks;
  const speech::Speech& speech;
  double speech_offset_seconds = 0;  // where the speech's time 0 falls in the video
  int frame_count = 0;               // the video's frames at kVideoFps
  uint64_t seed = 0;                 // varies what may vary (blinks, motion) between videos
  double energy = 1;  // how lively the motion is (MotionEnergy of the prosody preset)
};

}  // namespace vmsg::video
