// The render loop of pipeline step 8: each picture of a FrameSource, the karaoke subtitles
// drawn over it, encoded with the mixed soundtrack into an MP4, plus a thumbnail picture
// without subtitles. Cancellation is checked every few frames, so a cancelled task stops
// within a fraction of a second and leaves nothing behind.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "audio/sound.h"
#include "base/cancellation.h"
#include "base/result.h"
#include "video/frame_source.h"
#include "video/mp4_writer.h"
#include "video/subtitles.h"

namespace vmsg::video {

struct RenderOptions {
  Mp4Options encode;
  int cancel_check_frames = 5;  // frames between two looks at the cancellation token
  bool ai_label = false;        // the visible "AI" mark (ai_label.h) on every frame
  Status Validate() const;      // the encode options', and a positive check interval
};

struct RenderedVideo {
  std::string mp4;
  int frames = 0;
  double duration_seconds = 0;  // frames / fps
  cv::Mat thumbnail;            // BGR, the source's thumbnail frame without subtitles
};

// Encodes `frames` with `subtitles` (null: none) drawn over them and `soundtrack` as the
// sound. The source must have exactly FrameCountFor(soundtrack duration, fps) frames
// (FailedPrecondition otherwise). Errors: the options', the source's and the encoder's, and
// the token's reason (Cancelled, DeadlineExceeded) when it fires during the loop.
Result<RenderedVideo> RenderVideo(const FrameSource& frames, Subtitles* subtitles,
                                  const audio::Sound& soundtrack, const RenderOptions& options,
                                  const CancellationToken& cancel);

}  // namespace vmsg::video
