// What an MP4 file holds, read back with libavformat: the checks the tests and benchmarks
// make on what the writer produced (codecs, size, rate, duration, box order), and its
// pictures decoded to BGR for comparison with the frames that went in.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::video {

struct Mp4Info {
  std::string video_codec;  // libavcodec's name: "h264"
  int width = 0;
  int height = 0;
  double fps = 0;              // the stream's average frame rate
  std::string pixel_format;    // "yuv420p"
  int64_t video_frames = 0;    // from the index
  int level = 0;               // H.264 level_idc from the stream's header (40: level 4.0)
  int64_t video_bit_rate = 0;  // the stream's average, bits a second
  std::string audio_codec;     // "aac"
  int sample_rate = 0;
  int channels = 0;
  double duration_seconds = 0;  // the container's
  // Top-level boxes in file order ("ftyp", "moov", "mdat", ...).
  std::vector<std::string> boxes;
  bool moov_before_mdat() const;
};

// DataLoss when libavformat cannot read `bytes` as a media file.
Result<Mp4Info> ProbeMp4(std::string_view bytes);

// Decodes the first `count` pictures of the video stream to 8-bit BGR. DataLoss as above.
Result<std::vector<cv::Mat>> DecodeMp4Frames(std::string_view bytes, int count);

}  // namespace vmsg::video
