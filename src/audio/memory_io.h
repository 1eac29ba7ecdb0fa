// What libav's custom I/O over bytes in memory needs from us, shared by the audio decoder and
// the video writer and probe.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include <libavformat/avio.h>
}

namespace vmsg::audio {

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
