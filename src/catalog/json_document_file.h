// JsonDocumentFile: one JSON document in one file, shared safely by any number of threads
// and processes. Both catalogs (voices, BGM) keep their metadata in one of these.
//
// Writes are read-modify-write under an exclusive flock on a separate lock file
// ("<file>.lock"), so concurrent writers never lose an update; the new document goes to a
// temporary file in the same directory, is fsynced, renamed over the old one and the
// directory fsynced, so a reader (which takes no lock) sees the old document or the new one,
// never a torn file, and a crash at any point leaves the last complete document in place.
// A document that does not parse, or has another version, is DataLoss: it is reported with
// the path and the reason and never overwritten, so writes stay refused until an operator
// repairs or restores it.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/env.h"
#include "base/json.h"
#include "base/result.h"

namespace vmsg::catalog {

// Documents larger than this are refused as DataLoss rather than read into memory.
inline constexpr uint64_t kMaxDocumentBytes = 64ull * 1024 * 1024;

struct DocumentFileOptions {
  std::filesystem::path path;
  // The "version" every document must carry; a document with any other is DataLoss.
  std::string version = "1.0";
  // The document written when the file does not exist yet (must carry `version`).
  vmsg::Json empty_document = vmsg::Json::object();
  // fsync the temporary file and the directory on each write. Off only where durability
  // against power loss does not matter (never in production).
  bool durable = true;
  // Where the file is written (null: Env::Default()); the crash and disk-fault tests wrap it.
  Env* env = nullptr;
};

class JsonDocumentFile {
 public:
  // Creates the directory and, when the file is missing, an empty document (under the
  // lock). Does not read an existing file: a corrupt one is reported by Read and Modify,
  // so opening never fails on it. Errors: Unavailable when the directory or file cannot be
  // created.
  static Result<std::unique_ptr<JsonDocumentFile>> Open(DocumentFileOptions options);

  // The current document, without taking the lock. A missing file is created empty first.
  // DataLoss (reason "catalog_corrupt") when the file does not parse, is not an object, is
  // too large or has another version; Unavailable when it cannot be read. Thread-safe.
  Result<vmsg::Json> Read() const;

  // Takes the exclusive lock, reads the document, lets `mutate` change it and writes it
  // atomically. Nothing is written when reading fails (a corrupt file stays as it is) or
  // when `mutate` returns an error (returned as is). Blocks while another writer holds the
  // lock. Thread-safe and safe across processes.
  Status Modify(const std::function<Status(vmsg::Json& document)>& mutate);

  // Takes the exclusive lock and writes `document` atomically in place of whatever the file
  // holds, even a corrupt file (this is how a backup is restored). InvalidArgument when the
  // document is not an object carrying this file's version.
  Status Replace(const vmsg::Json& document);

  const std::filesystem::path& path() const { return options_.path; }

 private:
  explicit JsonDocumentFile(DocumentFileOptions options) : options_(std::move(options)) {}

  Status CreateIfMissing() const;
  Result<vmsg::Json> ReadUnlocked() const;
  Status WriteLocked(const vmsg::Json& document) const;
  void RemoveStaleTemporaries() const;

  DocumentFileOptions options_;
  std::filesystem::path lock_path_;
};

}  // namespace vmsg::catalog
