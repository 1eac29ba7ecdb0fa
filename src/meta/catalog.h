// The voice and BGM catalogs: typed CRUD over the spec's two JSON metadata files
// (<data_dir>/backend/storage/voices/voices_metadata.json, .../bgm/bgm_metadata.json),
// each a JsonDocumentFile. One template serves both: a Record (records.h) names its
// collection ("profiles", "tracks"), converts itself to and from JSON, validates itself and
// lists the objects it owns in the ObjectStore.
//
// Every operation reads the file afresh (the file is the truth, shared with other
// processes); every write is a locked read-modify-write, so concurrent writers anywhere
// never lose an update. A corrupt file or an unknown version is DataLoss (reason
// "catalog_corrupt") from every operation of that catalog; the other catalog is unaffected.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "blob/object_store.h"
#include "common/clock.h"
#include "meta/json_document_file.h"
#include "meta/records.h"

namespace vmsg::meta {

// The spec's version of both files.
inline constexpr std::string_view kCatalogVersion = "1.0";

template <typename Record>
struct CatalogSnapshot {
  std::vector<Record> records;  // in file order (creation order)
  TimePoint last_updated;
};

// What Delete removed and what it could not.
struct DeleteOutcome {
  // Objects that belonged to the entry but could not be deleted from the store (the entry
  // itself is gone); empty when all went.
  std::vector<std::string> objects_not_deleted;
};

template <typename Record>
class Catalog {
 public:
  using Type = typename Record::Type;

  Catalog(std::unique_ptr<JsonDocumentFile> file, const Clock& clock)
      : file_(std::move(file)), clock_(clock) {}

  // Every record and the file's last_updated. DataLoss when the file is corrupt.
  Result<CatalogSnapshot<Record>> Snapshot() const;

  // NotFound (reason Record::kNotFoundReason) when no record has `id`; InvalidArgument
  // ("invalid_id") for a malformed id, checked before anything else.
  Result<Record> Get(std::string_view id) const;

  // The records of `type`, or all.
  Result<std::vector<Record>> List(std::optional<Type> type = std::nullopt) const;

  // Adds `record` with created_at set to now. InvalidArgument when it does not validate,
  // AlreadyExists when its id is taken. Returns the record as stored.
  Result<Record> Create(Record record);

  // Lets `mutate` change the record `id` under the lock and stores the result. Its id and
  // type cannot change (InvalidArgument "immutable_field"); the result must validate.
  // NotFound when absent; `mutate`'s own error is returned and nothing is written.
  Result<Record> Update(std::string_view id, const std::function<Status(Record&)>& mutate);

  // Removes the record, then its objects from `store`. PermissionDenied (reason
  // "system_entry") for a system entry, NotFound when absent. The record goes first: a
  // failure after that leaves orphaned objects (reported in the outcome), never a record
  // that names missing media. The objects are deleted after the lock is released (a slow
  // store must not stall every writer), so a caller that re-creates the same id must do so
  // after Delete has returned.
  Result<DeleteOutcome> Delete(std::string_view id, blob::ObjectStore& store);

  // The whole file as JSON, checked as Snapshot checks it (for backups). DataLoss when the
  // file is corrupt.
  Result<vmsg::Json> Document() const;

  // OK when `document` is a valid catalog of this kind (its version, every record, unique
  // ids); InvalidArgument (reason "invalid_backup") otherwise.
  Status CheckDocument(const vmsg::Json& document) const;

  // Replaces the whole file with `document` (a backup) after CheckDocument; nothing is
  // written when it fails. Works on a corrupt file: this is how one is repaired.
  Status Restore(const vmsg::Json& document);

  const std::filesystem::path& path() const { return file_->path(); }

 private:
  // Parses the document's records; any invalid record makes the whole file DataLoss.
  Result<CatalogSnapshot<Record>> Parse(const vmsg::Json& document) const;
  // Runs `change` on the records under the lock and writes them back with a new
  // last_updated.
  Status Modify(const std::function<Status(std::vector<Record>&)>& change);

  std::unique_ptr<JsonDocumentFile> file_;
  const Clock& clock_;
};

using VoiceCatalog = Catalog<VoiceProfile>;
using BgmCatalog = Catalog<BgmTrack>;

// The spec's file locations under the data directory.
std::filesystem::path VoiceCatalogPath(const std::filesystem::path& data_dir);
std::filesystem::path BgmCatalogPath(const std::filesystem::path& data_dir);

// Options for opening either catalog; `path` and the document shape are filled in.
struct CatalogOptions {
  bool durable = true;
  std::function<void(const std::filesystem::path& temp)> after_temp_written;  // test-only
};

// Opens (creating an empty file when missing) the catalog at its spec path under
// `data_dir`. Fails only when the directory or file cannot be created; a corrupt file
// opens and reports DataLoss from each operation.
Result<std::unique_ptr<VoiceCatalog>> OpenVoiceCatalog(const std::filesystem::path& data_dir,
                                                       const Clock& clock,
                                                       CatalogOptions options = {});
Result<std::unique_ptr<BgmCatalog>> OpenBgmCatalog(const std::filesystem::path& data_dir,
                                                   const Clock& clock, CatalogOptions options = {});

extern template class Catalog<VoiceProfile>;
extern template class Catalog<BgmTrack>;

}  // namespace vmsg::meta
