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

#include "audio/memory_io.h"
#include "base/result.h"

namespace vmsg::video::libav {

// The owning pointers and error text the audio codec uses too.
using audio::AvError;
using audio::CodecPtr;
using audio::FormatInputDeleter;
using audio::FormatOutputDeleter;
using audio::FramePtr;
using audio::PacketPtr;

// Internal("video: <what>: <libav's message>"): out of memory and the like.
Status Failure(const std::string& what, int code);

struct IoDeleter {
  void operator()(AVIOContext* c) const;
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using IoPtr = std::unique_ptr<AVIOContext, IoDeleter>;
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
