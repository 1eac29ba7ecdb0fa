// The voice and BGM catalogs: typed CRUD over the spec's two JSON metadata files
// (<data_dir>/backend/storage/voices/voices_metadata.json, .../bgm/bgm_metadata.json),
// each a JsonDocumentFile, or over PostgreSQL tables (pg_catalog.h). One template serves both: a
// Record (records.h) names its collection ("profiles", "tracks"), converts itself to and from JSON,
// validates itself and lists the objects it owns in the ObjectStore.
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

#include "base/clock.h"
#include "catalog/json_document_file.h"
#include "catalog/records.h"
#include "objects/object_store.h"

namespace vmsg::catalog {

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

// The catalog interface, with two backends: the spec's JSON file (OpenVoiceCatalog,
// OpenBgmCatalog below) and PostgreSQL (pg_catalog.h). Callers hold a Catalog<Record> and
// never know which; both keep the same contract, checked by one conformance suite.
template <typename Record>
class Catalog {
 public:
  using Type = typename Record::Type;

  virtual ~Catalog() = default;

  // Every record and the catalog's last_updated. DataLoss when the file is corrupt;
  // Unavailable when the database cannot be reached.
  virtual Result<CatalogSnapshot<Record>> Snapshot() const = 0;

  // NotFound (reason Record::kNotFoundReason) when no record has `id`; InvalidArgument
  // ("invalid_id") for a malformed id, checked before anything else.
  virtual Result<Record> Get(std::string_view id) const = 0;

  // The records of `type`, or all, in creation order (the snapshot's, filtered).
  Result<std::vector<Record>> List(std::optional<Type> type = std::nullopt) const {
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Snapshot());
    if (type) {
      std::erase_if(snapshot.records, [&](const Record& r) { return r.type != *type; });
    }
    return std::move(snapshot.records);
  }

  // Adds `record` with created_at set to now. InvalidArgument when it does not validate,
  // AlreadyExists when its id is taken. Returns the record as stored.
  virtual Result<Record> Create(Record record) = 0;

  // Lets `mutate` change the record `id` under the lock and stores the result. Its id and
  // type cannot change (InvalidArgument "immutable_field"); the result must validate.
  // NotFound when absent; `mutate`'s own error is returned and nothing is written.
  virtual Result<Record> Update(std::string_view id,
                                const std::function<Status(Record&)>& mutate) = 0;

  // Decides, under the catalog's lock, whether a found record may go (see CheckOwner).
  using DeleteCheck = std::function<Status(const Record&)>;

  // Removes the record, then its objects from `store`. PermissionDenied (reason
  // "system_entry") for a system entry, NotFound when absent; then `may_delete` (when set)
  // sees the record under the lock, and its error is returned with nothing deleted, so the
  // record it approved is the one that goes. The record goes first: a failure after that
  // leaves orphaned objects (reported in the outcome), never a record that names missing
  // media. The objects are deleted after the lock is released (a slow store must not stall
  // every writer), so a caller that re-creates the same id must do so after Delete has
  // returned.
  virtual Result<DeleteOutcome> Delete(std::string_view id, objects::ObjectStore& store,
                                       const DeleteCheck& may_delete) = 0;
  // Delete with no check beyond the system one (operators, tests).
  Result<DeleteOutcome> Delete(std::string_view id, objects::ObjectStore& store) {
    return Delete(id, store, DeleteCheck());
  }

  // The whole catalog as the spec's JSON document, checked as Snapshot checks it (for
  // backups and migrations). DataLoss when the file is corrupt.
  virtual Result<vmsg::Json> Document() const = 0;

  // OK when `document` is a valid catalog of this kind (its version, every record, unique
  // ids); InvalidArgument (reason "invalid_backup") otherwise.
  Status CheckDocument(const vmsg::Json& document) const;

  // Replaces the whole catalog with `document` (a backup) after CheckDocument, atomically;
  // nothing is written when it fails. Works on a corrupt file: this is how one is repaired.
  virtual Status Restore(const vmsg::Json& document) = 0;

  // Where the catalog lives, for messages: the file's path or the database table.
  virtual std::string Location() const = 0;
};

using VoiceCatalog = Catalog<VoiceProfile>;
using BgmCatalog = Catalog<BgmTrack>;

// The spec's file locations under the data directory.
std::filesystem::path VoiceCatalogPath(const std::filesystem::path& data_dir);
std::filesystem::path BgmCatalogPath(const std::filesystem::path& data_dir);

// Options for opening either catalog; `path` and the document shape are filled in.
struct CatalogOptions {
  bool durable = true;
  Env* env = nullptr;  // where the file is written (null: Env::Default())
};

// Opens (creating an empty file when missing) the catalog at its spec path under
// `data_dir`. Fails only when the directory or file cannot be created; a corrupt file
// opens and reports DataLoss from each operation.
Result<std::unique_ptr<VoiceCatalog>> OpenVoiceCatalog(const std::filesystem::path& data_dir,
                                                       const Clock& clock,
                                                       CatalogOptions options = {});
Result<std::unique_ptr<BgmCatalog>> OpenBgmCatalog(const std::filesystem::path& data_dir,
                                                   const Clock& clock, CatalogOptions options = {});

// Shared by the backends (catalog.cc).

// NotFound naming the record, with Record::kNotFoundReason.
template <typename Record>
Status CatalogNotFound(std::string_view id);

// The records of a catalog document in order with its last_updated; DataLoss (reason
// "catalog_corrupt") naming `location` when any part is invalid or two ids repeat.
template <typename Record>
Result<CatalogSnapshot<Record>> ParseCatalogDocument(const vmsg::Json& document,
                                                     std::string_view location);

// The spec's document holding `records`.
template <typename Record>
vmsg::Json MakeCatalogDocument(const std::vector<Record>& records, TimePoint last_updated);

// InvalidArgument ("immutable_field") when `after` changed the id or type of `before`,
// else after.Validate().
template <typename Record>
Status CheckUpdatedRecord(const Record& before, const Record& after);

// PermissionDenied ("system_entry") for a system record.
template <typename Record>
Status CheckDeletable(const Record& record);

// Whether the client with owner id `owner` (empty: a client without one) may change or
// delete `record`: only the owner a user record names (Record::owner()). PermissionDenied
// "system_entry" for a system record (as CheckDeletable), and "not_owner" when `owner` is
// empty, when the record is another's, or when it names no owner (a custom voice made before
// owners were recorded: only an operator may remove it).
template <typename Record>
Status CheckOwner(const Record& record, std::string_view owner);

// Whether `record` is a user record owned by `owner` (never for an empty `owner`).
template <typename Record>
bool IsOwnedBy(const Record& record, std::string_view owner);

// Deletes each key from `store`, returning those that could not be deleted.
DeleteOutcome DeleteObjects(const std::vector<std::string>& keys, objects::ObjectStore& store);

extern template class Catalog<VoiceProfile>;
extern template class Catalog<BgmTrack>;

}  // namespace vmsg::catalog
