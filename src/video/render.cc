// The loop itself: pictures and subtitles drawn on one thread, encoded on another, the token
// read every few frames.
#include "video/render.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "video/ai_label.h"

namespace vmsg::video {

namespace {

// How many drawn frames may wait for the encoder (about 2 MB each).
constexpr size_t kFramesAhead = 8;

// A bounded hand-over of frames from the drawing thread to the encoding one, which also
// carries the drawing side's error.
class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : capacity_(capacity) {}

  // Waits for room; false once the consumer closed the queue.
  bool Push(cv::Mat frame) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_ || frames_.size() < capacity_; });
    if (closed_) return false;
    frames_.push_back(std::move(frame));
    changed_.notify_all();
    return true;
  }

  // The producer stops with `why`: the consumer gets it once the frames before it are used.
  void Fail(Status why) {
    std::lock_guard lock(mutex_);
    error_ = std::move(why);
    changed_.notify_all();
  }

  // The next frame, or the producer's error.
  Result<cv::Mat> Pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !frames_.empty() || !error_.ok(); });
    if (frames_.empty()) return error_;
    cv::Mat frame = std::move(frames_.front());
    frames_.pop_front();
    changed_.notify_all();
    return frame;
  }

  // The consumer is done: a waiting producer returns.
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<cv::Mat> frames_;  // GUARDED_BY(mutex_)
  Status error_;                // GUARDED_BY(mutex_)
  bool closed_ = false;         // GUARDED_BY(mutex_)
};

}  // namespace

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
                                  const CancellationToken& cancel) {
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
  // The pictures are drawn (animation, then subtitles) on a second thread while this one
  // encodes, so the two overlap; a few frames are kept ready ahead of the encoder.
  FrameQueue queue(kFramesAhead);
  std::thread producer([&] {
    for (int i = 0; i < frames.frame_count(); ++i) {
      if (i % options.cancel_check_frames == 0) {
        if (Status stop = cancel.CheckCancelled(); !stop.ok()) return queue.Fail(stop);
      }
      Result<cv::Mat> frame = frames.Frame(i);
      if (!frame.ok()) return queue.Fail(frame.status());
      if (options.ai_label) DrawAiLabel(*frame);
      if (i == thumbnail) video.thumbnail = frame->clone();
      if (subtitles != nullptr) {
        Status drawn = subtitles->Draw(static_cast<double>(i) / options.encode.fps, *frame);
        if (!drawn.ok()) return queue.Fail(drawn);
      }
      if (!queue.Push(std::move(*frame))) return;  // the encoder gave up
    }
  });
  Status encoded = Status::Ok();
  for (int i = 0; i < writer->frame_count() && encoded.ok(); ++i) {
    Result<cv::Mat> frame = queue.Pop();
    encoded = frame.ok() ? writer->WriteFrame(*frame) : frame.status();
  }
  queue.Close();
  producer.join();
  VMSG_RETURN_IF_ERROR(encoded);
  VMSG_RETURN_IF_ERROR(cancel.CheckCancelled());
  VMSG_ASSIGN_OR_RETURN(video.mp4, writer->Finish());
  video.frames = writer->frame_count();
  video.duration_seconds = static_cast<double>(video.frames) / options.encode.fps;
  return video;
}

}  // namespace vmsg::video
