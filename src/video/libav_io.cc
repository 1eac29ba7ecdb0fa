// Memory I/O for libavformat, as audio/codec.cc does it, plus the reopen hook the MP4
// muxer's faststart pass needs (it reads back what it wrote to move the index in front).
#include "video/libav_io.h"

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include "audio/memory_io.h"

namespace vmsg::video::libav {
namespace {

// A reader's position over fixed bytes or over a MemoryFile that may still grow.
struct ReadCursor {
  std::string_view fixed;
  const std::string* live = nullptr;
  size_t at = 0;
  std::string_view bytes() const { return live != nullptr ? std::string_view(*live) : fixed; }
};

int ReadPacket(void* opaque, uint8_t* buf, int size) {
  auto* cursor = static_cast<ReadCursor*>(opaque);
  const std::string_view bytes = cursor->bytes();
  if (cursor->at >= bytes.size()) return AVERROR_EOF;
  const size_t n = std::min(static_cast<size_t>(size), bytes.size() - cursor->at);
  std::memcpy(buf, bytes.data() + cursor->at, n);
  cursor->at += n;
  return static_cast<int>(n);
}

int64_t SeekRead(void* opaque, int64_t offset, int whence) {
  auto* cursor = static_cast<ReadCursor*>(opaque);
  return audio::SeekInMemory(cursor->at, static_cast<int64_t>(cursor->bytes().size()), offset,
                             whence, false);
}

int WritePacket(void* opaque, uint8_t* buf, int size) {
  auto* file = static_cast<MemoryFile*>(opaque);
  const auto n = static_cast<size_t>(size);
  if (file->at + n > file->bytes.size()) file->bytes.resize(file->at + n);
  std::memcpy(file->bytes.data() + file->at, buf, n);
  file->at += n;
  return size;
}

int64_t SeekWrite(void* opaque, int64_t offset, int whence) {
  auto* file = static_cast<MemoryFile*>(opaque);
  return audio::SeekInMemory(file->at, static_cast<int64_t>(file->bytes.size()), offset, whence,
                             true);
}

Result<IoPtr> NewContext(void* opaque, bool writable) {
  AVIOContext* io = audio::NewMemoryIo(opaque, writable, ReadPacket, WritePacket,
                                       writable ? SeekWrite : SeekRead);
  if (io == nullptr) return Failure("allocating an I/O context", AVERROR(ENOMEM));
  return IoPtr(io);
}

Result<IoPtr> NewReaderOver(ReadCursor cursor) {
  auto owned = std::make_unique<ReadCursor>(cursor);
  VMSG_ASSIGN_OR_RETURN(IoPtr io, NewContext(owned.get(), /*writable=*/false));
  owned.release();  // IoDeleter frees a reader's cursor
  return io;
}

int OpenForReading(AVFormatContext* s, AVIOContext** pb, const char* /*url*/, int flags,
                   AVDictionary** /*options*/) {
  if ((flags & AVIO_FLAG_WRITE) != 0) return AVERROR(EPERM);
  auto* file = static_cast<MemoryFile*>(s->opaque);
  Result<IoPtr> io = NewReaderOver(ReadCursor{{}, &file->bytes, 0});
  if (!io.ok()) return AVERROR(ENOMEM);
  *pb = io->release();
  return 0;
}

int CloseReader(AVFormatContext* /*s*/, AVIOContext* pb) {
  IoDeleter{}(pb);
  return 0;
}

}  // namespace

Status Failure(const std::string& what, int code) { return audio::AvFailure("video", what, code); }

void IoDeleter::operator()(AVIOContext* c) const {
  if (c == nullptr) return;
  if (c->write_flag == 0) delete static_cast<ReadCursor*>(c->opaque);
  av_freep(&c->buffer);
  avio_context_free(&c);
}

Result<IoPtr> NewWriter(MemoryFile& file) { return NewContext(&file, /*writable=*/true); }

Result<IoPtr> NewReader(std::string_view bytes) { return NewReaderOver(ReadCursor{bytes}); }

void ReopenInMemory(AVFormatContext& format, MemoryFile& file) {
  format.opaque = &file;
  format.io_open = OpenForReading;
  format.io_close2 = CloseReader;
}

}  // namespace vmsg::video::libav
