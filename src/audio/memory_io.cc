// See memory_io.h.
#include "audio/memory_io.h"

#include <cstdio>

extern "C" {
#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

namespace vmsg::audio {
namespace {
constexpr int kIoBufferBytes = 64 * 1024;
}  // namespace

Status AvFailure(std::string_view component, std::string_view what, int code) {
  std::string message = std::string(component) + ": " + std::string(what) + ": " + AvError(code);
  if (code == AVERROR(ENOMEM)) return Status::ResourceExhausted(message, "out_of_memory");
  return Status::Internal(std::move(message));
}

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

AVIOContext* NewMemoryIo(void* opaque, bool writable, int (*read)(void*, uint8_t*, int),
                         int (*write)(void*, uint8_t*, int), int64_t (*seek)(void*, int64_t, int)) {
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  if (buffer == nullptr) return nullptr;
  AVIOContext* io =
      writable ? avio_alloc_context(buffer, kIoBufferBytes, 1, opaque, nullptr, write, seek)
               : avio_alloc_context(buffer, kIoBufferBytes, 0, opaque, read, nullptr, seek);
  if (io == nullptr) av_free(buffer);
  return io;
}

int64_t SeekInMemory(size_t& at, int64_t size, int64_t offset, int whence, bool may_pass_end) {
  int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
      return size;
    case SEEK_SET:
      target = offset;
      break;
    case SEEK_CUR:
      target = static_cast<int64_t>(at) + offset;
      break;
    case SEEK_END:
      target = size + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (target < 0 || (!may_pass_end && target > size)) return AVERROR(EINVAL);
  at = static_cast<size_t>(target);
  return target;
}

}  // namespace vmsg::audio
