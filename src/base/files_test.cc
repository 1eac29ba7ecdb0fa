// The one errno mapping, and whole writes against a real full device.
#include "base/files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace vmsg {
namespace {

TEST(FileErrorTest, AFullOrFailingDiskIsRetryableAndSaysWhich) {
  const Status full = FileError("writing", "/data/x", ENOSPC);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_EQ(full.reason(), "disk_full");
  EXPECT_TRUE(full.IsRetryable());
  EXPECT_NE(full.message().find("writing /data/x: "), std::string::npos) << full.message();
  EXPECT_EQ(FileError("writing", "/data/x", EDQUOT).reason(), "disk_full");
  const Status io = FileError("reading", "/data/x", EIO);
  EXPECT_EQ(io.code(), StatusCode::kUnavailable);
  EXPECT_EQ(io.reason(), "io_error");
  EXPECT_TRUE(io.IsRetryable());
}

TEST(FileErrorTest, WhatAnOperatorMustFixIsNotRetried) {
  for (int err : {EACCES, EROFS, ENOTDIR, EISDIR}) {
    const Status s = FileError("creating", "/data/x", err);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << err;
    EXPECT_EQ(s.reason(), "file_error");
    EXPECT_FALSE(s.IsRetryable());
  }
}

TEST(WriteAllTest, ARealFullDeviceGivesDiskFull) {
  Fd fd(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.ok()) << ErrnoText(errno);
  const Status s = WriteAll(fd.get(), std::string(10000, 'x'), "/dev/full");
  EXPECT_EQ(s.reason(), "disk_full") << s.ToString();
  EXPECT_TRUE(s.IsRetryable());

  Fd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(WriteAll(null.get(), std::string(10000, 'x'), "/dev/null").ok());
  EXPECT_EQ(null.Close(), 0);
  EXPECT_FALSE(null.ok());
}

TEST(FsyncDirTest, SyncsADirectoryAndNamesWhatIsMissing) {
  EXPECT_TRUE(FsyncDir("/tmp").ok());
  const Status missing = FsyncDir("/nonexistent-vmsg-dir");
  EXPECT_EQ(missing.reason(), "file_error");
  EXPECT_NE(missing.message().find("/nonexistent-vmsg-dir"), std::string::npos);
}

}  // namespace
}  // namespace vmsg
