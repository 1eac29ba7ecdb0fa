// POSIX file handling shared by everything that keeps its own files (the local object
// store, the JSON catalog files): an owned descriptor, whole writes, directory syncs, and
// the one mapping from errno to Status, so a full or failing disk reads the same wherever
// it is met.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace vmsg {

// The errno's text (thread-safe, unlike std::strerror).
std::string ErrnoText(int err);

// `what` ("writing", "cannot open", ...) on `path` failed with `err`:
// - ENOSPC, EDQUOT: Unavailable "disk_full" (retryable: space can be freed);
// - EIO, EMFILE, ENFILE, ENOMEM, EAGAIN, EBUSY, EINTR: Unavailable "io_error" (retryable);
// - anything else (EACCES, EROFS, ENOTDIR, ...): Internal "file_error", an operator's fix.
Status FileError(std::string_view what, const std::filesystem::path& path, int err);

// An open file descriptor, closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept;
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();

  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int Release();
  // Closes now and returns close()'s result (a failed close can mean lost written data).
  int Close();

 private:
  int fd_;
};

// Writes all of `data` to `fd` (retrying short writes and EINTR); errors name `path`.
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path);

// fsync of a directory, so a rename or a new entry in it survives a crash.
Status FsyncDir(const std::filesystem::path& dir);

// The whole of a (small) file: keys, certificates, a video to verify. Errors as FileError.
Result<std::string> ReadFileToString(const std::filesystem::path& path);

}  // namespace vmsg
