// See memory_io.h.
#include "audio/memory_io.h"

#include <cstdio>

extern "C" {
#include <libavformat/avio.h>
#include <libavutil/error.h>
}

namespace vmsg::audio {

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
