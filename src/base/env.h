// Env: what vmsg asks of the machine — writing files durably, monotonic time, sleeping and
// starting threads — behind one interface, in the spirit of leveldb's Env. Production code
// uses Env::Default() (POSIX); a test wraps it (EnvWrapper) to inject faults such as a full
// or failing disk (testing/fault_env.h) without touching the code under test.
//
// Every file error is mapped by FileError (base/files.h), so a full disk reads the same
// wherever it is met: Unavailable "disk_full" or "io_error" (retryable), else Internal
// "file_error".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "base/status.h"

namespace vmsg {

// A file being written. Not thread-safe. Destroying it closes it (without syncing).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` (short writes and EINTR retried).
  virtual Status Append(std::string_view data) = 0;
  // fsync: the data is on the disk when it returns OK.
  virtual Status Sync() = 0;
  // The file's identity on its file system (the inode), for detecting replacement.
  virtual Result<uint64_t> FileId() = 0;
  // Closes now; a failed close can mean lost written data.
  virtual Status Close() = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process's POSIX Env. Never destroyed; thread-safe.
  static Env& Default();

  // Creates `path` for writing with `mode` (0644 or 0600, less the umask); it must not exist
  // yet (O_EXCL).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& path,
                                                                int mode = 0644) = 0;
  // rename(2): atomically replaces `to`.
  virtual Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // unlink(2); a missing file is OK.
  virtual Status RemoveFile(const std::filesystem::path& path) = 0;
  // fsync of a directory, so a rename or a new entry in it survives a crash.
  virtual Status SyncDir(const std::filesystem::path& dir) = 0;

  // Monotonic time, for deadlines and durations (never the wall clock, which is Clock's).
  virtual std::chrono::steady_clock::time_point MonotonicNow() = 0;
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
  // Starts `body` on a new thread, which the caller joins.
  virtual std::thread StartThread(std::function<void()> body) = 0;
};

// Forwards everything to another Env; a test overrides what it wants to change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& path,
                                                        int mode) override {
    return target_.NewWritableFile(path, mode);
  }
  Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return target_.RenameFile(from, to);
  }
  Status RemoveFile(const std::filesystem::path& path) override { return target_.RemoveFile(path); }
  Status SyncDir(const std::filesystem::path& dir) override { return target_.SyncDir(dir); }
  std::chrono::steady_clock::time_point MonotonicNow() override { return target_.MonotonicNow(); }
  void SleepFor(std::chrono::nanoseconds duration) override { target_.SleepFor(duration); }
  std::thread StartThread(std::function<void()> body) override {
    return target_.StartThread(std::move(body));
  }

 protected:
  Env& target() { return target_; }

 private:
  Env& target_;
};

// Writes `data` to a new temporary file `temp` beside `path` (created with `mode`, less the
// umask), syncs it (when `durable`), renames it over `path` and syncs the directory: a
// reader sees the old contents or the new, never a torn file. The temporary is removed on
// failure.
Status WriteFileAtomically(Env& env, const std::filesystem::path& path,
                           const std::filesystem::path& temp, std::string_view data,
                           bool durable = true, int mode = 0644);

}  // namespace vmsg
