// StillFrameSource: the framed picture itself with a slow zoom towards the face (a gentle
// "Ken Burns" push-in), no facial animation. It is what a video gets when the photo has no
// face to animate, and the default until the talking-photo source is wired in.
#pragma once

#include <memory>
#include <optional>

#include "base/result.h"
#include "video/frame_source.h"
#include "video/frame_source_input.h"

namespace vmsg::video {

struct StillZoomOptions {
  double zoom = 0.05;  // how much larger the last frame shows the picture than the first (issue 7:
                       // at most 5 %)
  // Where the zoom closes in when no landmarks are given, as fractions of the frame (step 4
  // puts the face in the upper part of the frame).
  double focus_x = 0.5;
  double focus_y = 0.38;
  Status Validate() const;  // zoom in [0, 0.05], focus inside the frame
};

// InvalidArgument when `input.framed` is not 8-bit BGR of the video size, the frame count
// is not positive, or the options are invalid. The zoom centres on the landmarks' centre
// when they are given.
Result<std::unique_ptr<FrameSource>> NewStillFrameSource(const FrameSourceInput& input,
                                                         const StillZoomOptions& options = {});

}  // namespace vmsg::video
