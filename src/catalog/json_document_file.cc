// The atomic, locked JSON document file.
#include "catalog/json_document_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "base/files.h"

namespace vmsg::catalog {
namespace {

// The exclusive lock on "<file>.lock", held for its lifetime. Each lock opens its own
// descriptor: flock locks belong to the open file description, so two threads of one
// process exclude each other exactly as two processes do.
class FileLock {
 public:
  static Result<std::unique_ptr<FileLock>> Acquire(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return FileError("cannot open lock file", path, errno);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return FileError("cannot lock", path, errno);
    }
    return std::unique_ptr<FileLock>(new FileLock(fd.Release()));
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  Fd fd_;  // closing it releases the lock
};

std::string TempPrefix(const std::filesystem::path& path) {
  return path.filename().string() + ".tmp.";
}

Status Corrupt(const std::filesystem::path& path, std::string_view why) {
  return Status::DataLoss("catalog file " + path.string() + " " + std::string(why) +
                              "; it is left untouched and writes are refused until it is "
                              "repaired or restored from a backup",
                          "catalog_corrupt");
}

}  // namespace

Result<std::unique_ptr<JsonDocumentFile>> JsonDocumentFile::Open(DocumentFileOptions options) {
  std::error_code ec;
  const std::filesystem::path dir = options.path.parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::Unavailable("cannot create directory " + dir.string() + ": " + ec.message(),
                               "catalog_io");
  }
  std::unique_ptr<JsonDocumentFile> file(new JsonDocumentFile(std::move(options)));
  file->lock_path_ = file->options_.path;
  file->lock_path_ += ".lock";
  VMSG_RETURN_IF_ERROR(file->CreateIfMissing());
  return file;
}

Status JsonDocumentFile::CreateIfMissing() const {
  std::error_code ec;
  if (std::filesystem::exists(options_.path, ec)) return Status::Ok();
  VMSG_ASSIGN_OR_RETURN(auto lock, FileLock::Acquire(lock_path_));
  // Another process may have created it while this one waited for the lock.
  if (std::filesystem::exists(options_.path, ec)) return Status::Ok();
  RemoveStaleTemporaries();
  return WriteLocked(options_.empty_document);
}

Result<vmsg::Json> JsonDocumentFile::Read() const {
  Result<vmsg::Json> document = ReadUnlocked();
  if (document.ok() || !document.status().IsNotFound()) return document;
  VMSG_RETURN_IF_ERROR(CreateIfMissing());
  return ReadUnlocked();
}

Result<vmsg::Json> JsonDocumentFile::ReadUnlocked() const {
  const std::filesystem::path& path = options_.path;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no catalog file " + path.string());
    return FileError("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return FileError("cannot stat", path, errno);
  if (static_cast<uint64_t>(st.st_size) > kMaxDocumentBytes) {
    return Corrupt(path, "is larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  // The descriptor names one inode that is only ever replaced, never rewritten, so its
  // size cannot change under us; read until EOF all the same.
  while (true) {
    if (got == text.size()) text.resize(text.size() + 4096);
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError("cannot read", path, errno);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
    if (got > kMaxDocumentBytes) {
      return Corrupt(path, "is larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
    }
  }
  text.resize(got);
  Result<vmsg::Json> parsed = ParseJson(text);
  if (!parsed.ok()) return Corrupt(path, "is not valid JSON (" + parsed.status().message() + ")");
  if (!parsed->is_object()) return Corrupt(path, "is not a JSON object");
  auto version = parsed->find("version");
  if (version == parsed->end() || !version->is_string()) {
    return Corrupt(path, "has no \"version\" string");
  }
  if (version->get<std::string>() != options_.version) {
    return Corrupt(path, "has version \"" + version->get<std::string>() +
                             "\", which this build does not know (expected \"" + options_.version +
                             "\")");
  }
  return std::move(parsed).value();
}

Status JsonDocumentFile::Modify(const std::function<Status(vmsg::Json& document)>& mutate) {
  VMSG_ASSIGN_OR_RETURN(auto lock, FileLock::Acquire(lock_path_));
  Result<vmsg::Json> current = ReadUnlocked();
  if (!current.ok() && current.status().IsNotFound()) current = options_.empty_document;
  if (!current.ok()) return current.status();
  vmsg::Json document = std::move(current).value();
  VMSG_RETURN_IF_ERROR(mutate(document));
  document["version"] = options_.version;
  RemoveStaleTemporaries();
  return WriteLocked(document);
}

Status JsonDocumentFile::Replace(const vmsg::Json& document) {
  const auto version = document.is_object() ? document.find("version") : document.end();
  if (!document.is_object() || version == document.end() || *version != options_.version) {
    return Status::InvalidArgument("a replacement for " + options_.path.string() +
                                   " must be a JSON object with \"version\": \"" +
                                   options_.version + "\"");
  }
  VMSG_ASSIGN_OR_RETURN(auto lock, FileLock::Acquire(lock_path_));
  RemoveStaleTemporaries();
  return WriteLocked(document);
}

void JsonDocumentFile::RemoveStaleTemporaries() const {
  // Temporaries are only made with the lock held, so any found now belongs to a writer that
  // died before its rename.
  const std::string prefix = TempPrefix(options_.path);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.path.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

Status JsonDocumentFile::WriteLocked(const vmsg::Json& document) const {
  const std::filesystem::path& path = options_.path;
  // Writers hold the lock, so the process id and a count make the name unique.
  static std::atomic<uint64_t> written{0};
  const std::filesystem::path temp =
      path.parent_path() /
      (TempPrefix(path) + std::to_string(::getpid()) + "." + std::to_string(written.fetch_add(1)));
  Env& env = options_.env != nullptr ? *options_.env : Env::Default();
  return WriteFileAtomically(env, path, temp, DumpJson(document, 2) + "\n", options_.durable);
}

}  // namespace vmsg::catalog
