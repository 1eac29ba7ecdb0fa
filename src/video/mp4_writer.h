// The MP4 the pipeline delivers, encoded in process: H.264 (libx264, yuv420p) at 25 frames a
// second and AAC (libavcodec's encoder, 48 kHz stereo), index in front (+faststart) so a
// browser can start playing before the whole file has arrived. Frames are pushed one at a
// time; the file is assembled in memory.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "audio/sound.h"
#include "common/result.h"

namespace vmsg::video {

inline constexpr int kAudioSampleRate = 48000;
inline constexpr int kAudioChannels = 2;

struct Mp4Options {
  std::string preset = "veryfast";  // x264 preset (ultrafast ... placebo)
  int crf = 23;                     // x264 constant rate factor, 0-51 (lower: better)
  int threads = 2;                  // x264 threads; 0: x264 chooses from the cores
  int audio_bit_rate = 128000;
  int width = 512;
  int height = 910;
  int fps = 25;

  // InvalidArgument "invalid_video_options" naming the field.
  Status Validate() const;
};

// The number of frames a video of `seconds` has at `fps`: the duration times the rate,
// rounded to the nearest frame.
int FrameCountFor(double seconds, int fps);

class Mp4Writer {
 public:
  // Prepares an MP4 whose sound is `audio` (any rate, mono or stereo; converted to 48 kHz
  // stereo) and whose picture has FrameCountFor(audio duration) frames. Errors: the
  // options' (invalid_video_options), InvalidArgument "audio_empty", Unavailable when this
  // libavcodec lacks libx264 or aac.
  static Result<std::unique_ptr<Mp4Writer>> Open(const audio::Sound& audio,
                                                 const Mp4Options& options = {});
  virtual ~Mp4Writer() = default;

  virtual int frame_count() const = 0;
  virtual int frames_written() const = 0;

  // Encodes the next frame: 8-bit BGR of the options' size. InvalidArgument for another
  // shape, FailedPrecondition once frame_count() frames were written. Dropping the writer
  // before Finish abandons the file; nothing is left anywhere.
  virtual Status WriteFrame(const cv::Mat& bgr) = 0;

  // Flushes the encoders and returns the file. FailedPrecondition unless exactly
  // frame_count() frames were written. Call once.
  virtual Result<std::string> Finish() = 0;
};

}  // namespace vmsg::video
