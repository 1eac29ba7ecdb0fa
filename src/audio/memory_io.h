// What the audio codec and the video writer and probe share of libav*: custom I/O over bytes
// in memory, owning pointers to libav's objects and the text of its error codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
}

namespace vmsg::audio {

// The text of a libav error code.
std::string AvError(int code);

// `component` ("audio", "video") failed at `what` inside libav with `code`, not through the
// input's fault: ResourceExhausted "out_of_memory" for ENOMEM, else Internal. Every libav
// failure that is not a refusal of the input goes through here.
Status AvFailure(std::string_view component, std::string_view what, int code);

struct FormatInputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct FormatOutputDeleter {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

// An I/O context over `opaque` with a buffer of its own: writable through `write` and
// `seek`, or readable through `read` and `seek`. Null when memory runs out (nothing is
// left allocated then).
AVIOContext* NewMemoryIo(void* opaque, bool writable, int (*read)(void*, uint8_t*, int),
                         int (*write)(void*, uint8_t*, int), int64_t (*seek)(void*, int64_t, int));

// avio's seek for a buffer of `size` bytes read or written at `at`: AVSEEK_SIZE answers the
// size; a target past the end is refused for reading (`may_pass_end` false), allowed for
// writing (the writer grows). AVERROR(EINVAL) for a bad target or `whence`.
int64_t SeekInMemory(size_t& at, int64_t size, int64_t offset, int whence, bool may_pass_end);

}  // namespace vmsg::audio
