// An Env whose disk fails on demand: after FailWritesWith(ENOSPC) every write and sync of a
// file fails as a full disk would (and EIO as a failing one), through the same FileError
// mapping as the real thing. Tests only.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "base/env.h"
#include "base/files.h"

namespace vmsg::test {

class FaultInjectionEnv final : public EnvWrapper {
 public:
  FaultInjectionEnv() : EnvWrapper(Env::Default()) {}

  // From now on writes and syncs fail with errno `err`; 0 lets them through again.
  void FailWritesWith(int err) { error_ = err; }
  // How many writes or syncs were failed.
  int failures() const { return failures_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& path,
                                                        int mode) override {
    VMSG_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, target().NewWritableFile(path, mode));
    return std::unique_ptr<WritableFile>(new FaultyFile(std::move(file), path, *this));
  }

 private:
  class FaultyFile final : public WritableFile {
   public:
    FaultyFile(std::unique_ptr<WritableFile> file, std::filesystem::path path,
               FaultInjectionEnv& env)
        : file_(std::move(file)), path_(std::move(path)), env_(env) {}
    Status Append(std::string_view data) override {
      if (Status injected = env_.Injected("writing", path_); !injected.ok()) return injected;
      return file_->Append(data);
    }
    Status Sync() override {
      if (Status injected = env_.Injected("syncing", path_); !injected.ok()) return injected;
      return file_->Sync();
    }
    Result<uint64_t> FileId() override { return file_->FileId(); }
    Status Close() override { return file_->Close(); }

   private:
    std::unique_ptr<WritableFile> file_;
    std::filesystem::path path_;
    FaultInjectionEnv& env_;
  };

  Status Injected(std::string_view what, const std::filesystem::path& path) {
    const int err = error_;
    if (err == 0) return Status::Ok();
    ++failures_;
    return FileError(what, path, err);
  }

  std::atomic<int> error_{0};
  std::atomic<int> failures_{0};
};

}  // namespace vmsg::test
