// Step 8 (90 %): the video. The framed picture (step 4) becomes a sequence of frames through
// a FrameSource (the talking photo, or the still picture with a slow zoom for a photo without
// a face), the message's karaoke subtitles are drawn over each frame, and the frames are
// encoded with the mixed sound (step 7) into videos/{task_id}/final_video.mp4, with
// thumbnail.jpg (a frame without subtitles) and video.json ({duration_seconds, frames, fps,
// width, height, face_animated, subtitles}) beside it. Every video and thumbnail says it is
// AI-made (docs/disclosure.md): XMP with IPTC's digital source type in both, a signed C2PA
// manifest in the MP4 when a signer is set, and the visible "AI" mark when ai_label is on.
#pragma once

#include <functional>
#include <memory>

#include "disclosure/signer.h"
#include "pipeline/stage.h"
#include "video/frame_source.h"
#include "video/frame_source_input.h"
#include "video/mp4_writer.h"

namespace vmsg::pipeline {

// Makes the frames of a task's video. The source must have input.frame_count frames.
using FrameSourceFactory = std::function<Result<std::unique_ptr<video::FrameSource>>(
    const video::FrameSourceInput& input)>;

// The still picture with a slow zoom (video::NewStillFrameSource): no facial animation.
FrameSourceFactory StillFrameSourceFactory();

// The talking photo (video::TalkingPhoto): the face speaks, blinks and moves; a photo
// without a usable face gets the gentle motion and zoom only.
FrameSourceFactory TalkingPhotoFactory();

class RenderStage final : public Stage {
 public:
  struct Params {
    std::string preset = "veryfast";  // VMSG_VIDEO_PRESET
    int crf = 23;                     // VMSG_VIDEO_CRF
    int threads = 2;                  // x264 threads; 0: one per core and a half
    // Where the speech starts in the mixed sound: step 7's MixOptions::lead_seconds.
    double lead_seconds = 1.0;
    bool subtitles = true;
    int thumbnail_jpeg_quality = 90;
    bool ai_label = true;  // VMSG_AI_LABEL
    // Signs each MP4's C2PA manifest; null: XMP only (tests that do not look at it).
    std::shared_ptr<const disclosure::Signer> signer;
    std::string software_version;  // named in the XMP and the manifest
    Status Validate() const;       // invalid_video_options naming the field
  };

  static Result<std::unique_ptr<RenderStage>> Make(const Params& params, FrameSourceFactory frames);

  const StepInfo& Step() const override;
  std::vector<std::string> Inputs() const override;
  std::vector<std::string> Outputs() const override;
  // Uses item.framed and item.speech when set, else loads them from the store. Errors: the
  // frame source's, the subtitles' and the encoder's; FailedPrecondition when step 6 left no
  // speech; the token's reason (Cancelled) when cancelled mid-encode, in which case nothing
  // is stored.
  Status Run(StageContext& ctx, WorkItem& item) const override;

  const Params& params() const { return params_; }

 private:
  RenderStage(const Params& params, FrameSourceFactory frames)
      : params_(params), frames_(std::move(frames)) {}
  // The XMP packet of a file of media type `format` made at `made_at` (Unix seconds).
  std::string Xmp(std::string_view format, int64_t made_at) const;
  // The MP4 with its XMP and, with a signer, its C2PA manifest naming the photo.
  Result<std::string> Disclose(std::string mp4, const WorkItem& item, int64_t made_at) const;

  const Params params_;
  const FrameSourceFactory frames_;
};

}  // namespace vmsg::pipeline
