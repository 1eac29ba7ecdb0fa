// The MP4 the pipeline delivers, encoded in process: H.264 (libx264, yuv420p) at 25 frames a
// second and AAC (libavcodec's encoder, 48 kHz stereo), index in front (+faststart) so a
// browser can start playing before the whole file has arrived. Frames are pushed one at a
// time; the file is assembled in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "audio/sound.h"
#include "base/result.h"

namespace vmsg::video {

inline constexpr int kAudioSampleRate = 48000;
inline constexpr int kAudioChannels = 2;

// The H.264 level (level_idc: 31 for 3.1) a picture of width x height at `fps` needs: the
// smallest whose frame size and macroblock rate hold it (the standard's table A-1, levels 3 to
// 5.1); 0 when none does.
int H264LevelFor(int width, int height, int fps);
// The cap on the video's bit rate for that size: kCapBitsPerPixel bits per pixel and frame,
// within the level's own limit for the High profile (bits a second).
inline constexpr double kCapBitsPerPixel = 0.2;
int64_t VideoBitRateCapFor(int width, int height, int fps);

struct Mp4Options {
  std::string preset = "veryfast";  // x264 preset (ultrafast ... placebo)
  int crf = 23;                     // x264 constant rate factor, 0-51 (lower: better)
  int threads = 2;                  // x264 threads; 0: x264 chooses from the cores
  int audio_bit_rate = 128000;
  int width = 512;
  int height = 910;
  int fps = 25;
  // The stream's H.264 level, and the cap x264's rate control keeps the video under (its VBV
  // rate, with a two-second buffer): 0 for each means H264LevelFor and VideoBitRateCapFor of
  // the size. The CRF rules below the cap; the cap only tames the few frames a still photo
  // needs to spend most on (the first, and a blink's).
  int level = 0;
  int64_t max_bit_rate = 0;
  // x264's subpixel motion refinement (subme, 1-11); 0: the preset's.
  int subpixel_refine = 0;

  // InvalidArgument "invalid_video_options" naming the field (or the size, when no H.264
  // level holds it).
  Status Validate() const;
};

// From this many pixels a picture is large (the 1080-pixel formats): SizedFor makes x264's
// subpixel refinement its quickest.
inline constexpr int kLargePicturePixels = 1'000'000;
inline constexpr int kLargePictureSubpixelRefine = 1;

// `base` (its preset, CRF and threads as configured) for pictures of width x height: that
// size, the level and bit-rate cap of the size (chosen when the writer opens), and for a large
// picture subme 1, which on 1080x1920 frames of a talking photo costs x264 about 30 % less
// CPU for 2.5 % more bytes and 0.25 dB less PSNR at the same CRF (docs/video.md, "Formats").
Mp4Options SizedFor(Mp4Options base, int width, int height);

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
