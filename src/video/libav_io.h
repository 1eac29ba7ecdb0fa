// What the MP4 writer and the MP4 probe share of libav*: owning pointers, I/O contexts over
// memory (a growing, seekable file for the muxer, a read-only view for the demuxer) and the
// text of a libav error code. Internal to src/video.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include "common/result.h"

namespace vmsg::video::libav {

std::string Error(int code);

// Internal("video: <what>: <libav's message>"): out of memory and the like.
Status Failure(const std::string& what, int code);

struct FormatInputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct FormatOutputDeleter {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct IoDeleter {
  void operator()(AVIOContext* c) const;
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using IoPtr = std::unique_ptr<AVIOContext, IoDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// A file in memory that a muxer writes, seeks back into and (for a second pass) reads.
struct MemoryFile {
  std::string bytes;
  size_t at = 0;
};

// A writable, seekable I/O context over `file` (which must outlive it).
Result<IoPtr> NewWriter(MemoryFile& file);

// A read-only, seekable I/O context over `bytes` (which must outlive it).
Result<IoPtr> NewReader(std::string_view bytes);

// Lets a muxer that reopens its output for reading (the MP4 muxer's faststart pass) do so
// in memory: format->io_open opens a reader over `file`, io_close2 frees it. `file` must
// outlive the context.
void ReopenInMemory(AVFormatContext& format, MemoryFile& file);

}  // namespace vmsg::video::libav
