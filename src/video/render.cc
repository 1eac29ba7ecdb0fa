// The loop itself: picture, subtitles, encoder, with the token read every few frames.
#include "video/render.h"

#include <algorithm>

namespace vmsg::video {

Status RenderOptions::Validate() const {
  VMSG_RETURN_IF_ERROR(encode.Validate());
  if (cancel_check_frames <= 0) {
    return Status::InvalidArgument("video: cancel_check_frames must be positive",
                                   "invalid_video_options");
  }
  return Status::Ok();
}

Result<RenderedVideo> RenderVideo(const FrameSource& frames, Subtitles* subtitles,
                                  const audio::Sound& soundtrack, const RenderOptions& options,
                                  const worker::CancellationToken& cancel) {
  VMSG_RETURN_IF_ERROR(options.Validate());
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<Mp4Writer> writer,
                        Mp4Writer::Open(soundtrack, options.encode));
  if (frames.frame_count() != writer->frame_count()) {
    return Status::FailedPrecondition(
        "video: the pictures have " + std::to_string(frames.frame_count()) +
        " frames, the sound needs " + std::to_string(writer->frame_count()));
  }
  RenderedVideo video;
  const int thumbnail = std::clamp(frames.thumbnail_index(), 0, frames.frame_count() - 1);
  for (int i = 0; i < writer->frame_count(); ++i) {
    if (i % options.cancel_check_frames == 0) VMSG_RETURN_IF_ERROR(cancel.CheckCancelled());
    VMSG_ASSIGN_OR_RETURN(cv::Mat frame, frames.Frame(i));
    if (i == thumbnail) video.thumbnail = frame.clone();
    if (subtitles != nullptr) {
      VMSG_RETURN_IF_ERROR(subtitles->Draw(static_cast<double>(i) / options.encode.fps, frame));
    }
    VMSG_RETURN_IF_ERROR(writer->WriteFrame(frame));
  }
  VMSG_RETURN_IF_ERROR(cancel.CheckCancelled());
  VMSG_ASSIGN_OR_RETURN(video.mp4, writer->Finish());
  video.frames = writer->frame_count();
  video.duration_seconds = static_cast<double>(video.frames) / options.encode.fps;
  return video;
}

}  // namespace vmsg::video
