// The POSIX Env; see env.h.
#include "base/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/files.h"

namespace vmsg {
namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(Fd fd, std::filesystem::path path)
      : fd_(std::move(fd)), path_(std::move(path)) {}

  Status Append(std::string_view data) override { return WriteAll(fd_.get(), data, path_); }

  Status Sync() override {
    if (::fsync(fd_.get()) != 0) return FileError("syncing", path_, errno);
    return Status::Ok();
  }

  Result<uint64_t> FileId() override {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return FileError("inspecting", path_, errno);
    return static_cast<uint64_t>(st.st_ino);
  }

  Status Close() override {
    if (fd_.ok() && fd_.Close() != 0) return FileError("closing", path_, errno);
    return Status::Ok();
  }

 private:
  Fd fd_;
  std::filesystem::path path_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& path,
                                                        int mode) override {
    // The process's umask applies, as it would to any file the operator's tools make.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd.ok()) return FileError("creating", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(std::move(fd), path));
  }

  Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return FileError("renaming into", to, errno);
    return Status::Ok();
  }

  Status RemoveFile(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FileError("deleting", path, errno);
    return Status::Ok();
  }

  Status SyncDir(const std::filesystem::path& dir) override { return FsyncDir(dir); }

  std::chrono::steady_clock::time_point MonotonicNow() override {
    return std::chrono::steady_clock::now();
  }

  void SleepFor(std::chrono::nanoseconds duration) override {
    std::this_thread::sleep_for(duration);
  }

  std::thread StartThread(std::function<void()> body) override {
    return std::thread(std::move(body));
  }
};

}  // namespace

Env& Env::Default() {
  static PosixEnv* env = new PosixEnv;  // never destroyed: threads may outlive statics
  return *env;
}

Status WriteFileAtomically(Env& env, const std::filesystem::path& path,
                           const std::filesystem::path& temp, std::string_view data, bool durable,
                           int mode) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env.NewWritableFile(temp, mode));
  auto fail = [&](Status status) {
    (void)env.RemoveFile(temp);
    return status;
  };
  if (Status s = file->Append(data); !s.ok()) return fail(s);
  if (durable) {
    if (Status s = file->Sync(); !s.ok()) return fail(s);
  }
  if (Status s = file->Close(); !s.ok()) return fail(s);
  if (Status s = env.RenameFile(temp, path); !s.ok()) return fail(s);
  return durable ? env.SyncDir(path.parent_path()) : Status::Ok();
}

}  // namespace vmsg
