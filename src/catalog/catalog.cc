// The catalog template, instantiated for voice profiles and BGM tracks, and its JSON-file
// backend.
#include "catalog/catalog.h"

#include <algorithm>
#include <set>

#include "objects/keys.h"

namespace vmsg::catalog {

template <typename Record>
Status CatalogNotFound(std::string_view id) {
  return Status::NotFound("no " + std::string(Record::kNoun) + " " + std::string(id),
                          std::string(Record::kNotFoundReason));
}

template <typename Record>
Result<CatalogSnapshot<Record>> ParseCatalogDocument(const vmsg::Json& document,
                                                     std::string_view location) {
  auto corrupt = [&](const std::string& why) {
    return Status::DataLoss("catalog " + std::string(location) + " " + why +
                                "; it is left untouched and writes are refused until it is "
                                "repaired or restored from a backup",
                            "catalog_corrupt");
  };
  const std::string collection(Record::kCollection);
  auto list = document.find(collection);
  if (list == document.end() || !list->is_array()) {
    return corrupt("has no \"" + collection + "\" array");
  }
  CatalogSnapshot<Record> snapshot;
  auto updated = document.find("last_updated");
  std::optional<TimePoint> last_updated;
  if (updated != document.end() && updated->is_string()) {
    last_updated = ParseIso8601(updated->get<std::string>());
  }
  if (!last_updated) return corrupt("has no valid \"last_updated\" time");
  snapshot.last_updated = *last_updated;
  std::set<std::string, std::less<>> ids;
  snapshot.records.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    Result<Record> record = Record::FromJson((*list)[i]);
    if (!record.ok()) {
      return corrupt("has an invalid entry " + collection + "[" + std::to_string(i) +
                     "]: " + record.status().message());
    }
    if (!ids.insert(record->id).second) {
      return corrupt("has two entries with id \"" + record->id + "\"");
    }
    snapshot.records.push_back(std::move(record).value());
  }
  return snapshot;
}

template <typename Record>
vmsg::Json MakeCatalogDocument(const std::vector<Record>& records, TimePoint last_updated) {
  vmsg::Json list = vmsg::Json::array();
  for (const Record& r : records) list.push_back(r.ToJson());
  return vmsg::Json{{std::string(Record::kCollection), std::move(list)},
                    {"last_updated", FormatIso8601(last_updated)},
                    {"version", std::string(kCatalogVersion)}};
}

template <typename Record>
Status CheckUpdatedRecord(const Record& before, const Record& after) {
  if (after.id != before.id || after.type != before.type) {
    return Status::InvalidArgument(
        "the id and type of a " + std::string(Record::kNoun) + " cannot change", "immutable_field");
  }
  return after.Validate();
}

template <typename Record>
Status CheckDeletable(const Record& record) {
  if (record.is_system()) {
    return Status::PermissionDenied(
        std::string(Record::kNoun) + " " + record.id + " is a system entry", "system_entry");
  }
  return Status::Ok();
}

template <typename Record>
bool IsOwnedBy(const Record& record, std::string_view owner) {
  return !owner.empty() && !record.is_system() && record.owner() && *record.owner() == owner;
}

template <typename Record>
Status CheckOwner(const Record& record, std::string_view owner) {
  VMSG_RETURN_IF_ERROR(CheckDeletable(record));
  if (IsOwnedBy(record, owner)) return Status::Ok();
  std::string why;
  if (owner.empty()) {
    why = "this client has no id (the vmsg_client cookie), so it owns no entry";
  } else if (!record.owner()) {
    why = "it records no owner (it was made before owners were recorded)";
  } else {
    why = "it belongs to another client";
  }
  return Status::PermissionDenied(
      "the " + std::string(Record::kNoun) + " " + record.id + " is not yours: " + why, "not_owner");
}

DeleteOutcome DeleteObjects(const std::vector<std::string>& keys, objects::ObjectStore& store) {
  DeleteOutcome outcome;
  for (const std::string& key : keys) {
    if (!store.Delete(key).ok()) outcome.objects_not_deleted.push_back(key);
  }
  return outcome;
}

template <typename Record>
Status Catalog<Record>::CheckDocument(const vmsg::Json& document) const {
  auto invalid = [](const std::string& why) {
    return Status::InvalidArgument(
        "the backup is not a valid " + std::string(Record::kCollection) + " catalog: " + why,
        "invalid_backup");
  };
  if (!document.is_object()) return invalid("not a JSON object");
  const auto version = document.find("version");
  if (version == document.end() || *version != kCatalogVersion) {
    return invalid("its version is not \"" + std::string(kCatalogVersion) + "\"");
  }
  if (Status parsed = ParseCatalogDocument<Record>(document, Location()).status(); !parsed.ok()) {
    return invalid(parsed.message());
  }
  return Status::Ok();
}

namespace {

template <typename Record>
auto FindById(std::vector<Record>& records, std::string_view id) {
  return std::find_if(records.begin(), records.end(), [id](const Record& r) { return r.id == id; });
}

// Every operation reads the file afresh (the file is the truth, shared with other
// processes); every write is a locked read-modify-write of the whole document.
template <typename Record>
class JsonCatalog final : public Catalog<Record> {
 public:
  using Type = typename Record::Type;

  JsonCatalog(std::unique_ptr<JsonDocumentFile> file, const Clock& clock)
      : file_(std::move(file)), clock_(clock) {}

  Result<CatalogSnapshot<Record>> Snapshot() const override {
    VMSG_ASSIGN_OR_RETURN(vmsg::Json document, file_->Read());
    return Parse(document);
  }

  Result<vmsg::Json> Document() const override {
    VMSG_ASSIGN_OR_RETURN(vmsg::Json document, file_->Read());
    VMSG_RETURN_IF_ERROR(Parse(document).status());
    return document;
  }

  Status Restore(const vmsg::Json& document) override {
    VMSG_RETURN_IF_ERROR(this->CheckDocument(document));
    return file_->Replace(document);
  }

  Result<Record> Get(std::string_view id) const override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Snapshot());
    auto it = FindById(snapshot.records, id);
    if (it == snapshot.records.end()) return CatalogNotFound<Record>(id);
    return std::move(*it);
  }

  Result<Record> Create(Record record) override {
    record.created_at = clock_.Now();
    VMSG_RETURN_IF_ERROR(record.Validate());
    auto change = [&](std::vector<Record>& records) -> Status {
      if (FindById(records, record.id) != records.end()) {
        return Status::AlreadyExists(
            "a " + std::string(Record::kNoun) + " with id " + record.id + " already exists",
            "already_exists");
      }
      records.push_back(record);
      return Status::Ok();
    };
    VMSG_RETURN_IF_ERROR(Modify(change));
    return record;
  }

  Result<Record> Update(std::string_view id,
                        const std::function<Status(Record&)>& mutate) override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    Record updated;
    auto change = [&](std::vector<Record>& records) -> Status {
      auto it = FindById(records, id);
      if (it == records.end()) return CatalogNotFound<Record>(id);
      Record candidate = *it;
      VMSG_RETURN_IF_ERROR(mutate(candidate));
      VMSG_RETURN_IF_ERROR(CheckUpdatedRecord(*it, candidate));
      *it = candidate;
      updated = std::move(candidate);
      return Status::Ok();
    };
    VMSG_RETURN_IF_ERROR(Modify(change));
    return updated;
  }

  using Catalog<Record>::Delete;
  Result<DeleteOutcome> Delete(std::string_view id, objects::ObjectStore& store,
                               const typename Catalog<Record>::DeleteCheck& may_delete) override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    Record removed;
    auto change = [&](std::vector<Record>& records) -> Status {
      auto it = FindById(records, id);
      if (it == records.end()) return CatalogNotFound<Record>(id);
      VMSG_RETURN_IF_ERROR(CheckDeletable(*it));
      if (may_delete) VMSG_RETURN_IF_ERROR(may_delete(*it));
      removed = std::move(*it);
      records.erase(it);
      return Status::Ok();
    };
    VMSG_RETURN_IF_ERROR(Modify(change));
    // Outside the lock: object stores may be slow, and the keys are already unreachable.
    return DeleteObjects(removed.ObjectKeys(), store);
  }

  std::string Location() const override { return "file " + file_->path().string(); }

 private:
  // Any invalid record makes the whole file DataLoss.
  Result<CatalogSnapshot<Record>> Parse(const vmsg::Json& document) const {
    return ParseCatalogDocument<Record>(document, Location());
  }

  // Runs `change` on the records under the lock and writes them back with a new
  // last_updated.
  Status Modify(const std::function<Status(std::vector<Record>&)>& change) {
    return file_->Modify([&](vmsg::Json& document) -> Status {
      VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Parse(document));
      VMSG_RETURN_IF_ERROR(change(snapshot.records));
      document = MakeCatalogDocument(snapshot.records, clock_.Now());
      return Status::Ok();
    });
  }

  std::unique_ptr<JsonDocumentFile> file_;
  const Clock& clock_;
};

template <typename Record>
vmsg::Json EmptyDocument(TimePoint now) {
  return MakeCatalogDocument(std::vector<Record>{}, now);
}

template <typename Record>
Result<std::unique_ptr<Catalog<Record>>> OpenCatalog(std::filesystem::path path, const Clock& clock,
                                                     CatalogOptions options) {
  vmsg::Json empty = EmptyDocument<Record>(clock.Now());
  VMSG_ASSIGN_OR_RETURN(auto file, JsonDocumentFile::Open({.path = std::move(path),
                                                           .version = std::string(kCatalogVersion),
                                                           .empty_document = std::move(empty),
                                                           .durable = options.durable,
                                                           .env = options.env}));
  return std::unique_ptr<Catalog<Record>>(new JsonCatalog<Record>(std::move(file), clock));
}

}  // namespace

std::filesystem::path VoiceCatalogPath(const std::filesystem::path& data_dir) {
  return data_dir / keys::kVoiceCatalogFile;
}

std::filesystem::path BgmCatalogPath(const std::filesystem::path& data_dir) {
  return data_dir / keys::kBgmCatalogFile;
}

Result<std::unique_ptr<VoiceCatalog>> OpenVoiceCatalog(const std::filesystem::path& data_dir,
                                                       const Clock& clock, CatalogOptions options) {
  return OpenCatalog<VoiceProfile>(VoiceCatalogPath(data_dir), clock, std::move(options));
}

Result<std::unique_ptr<BgmCatalog>> OpenBgmCatalog(const std::filesystem::path& data_dir,
                                                   const Clock& clock, CatalogOptions options) {
  return OpenCatalog<BgmTrack>(BgmCatalogPath(data_dir), clock, std::move(options));
}

#define VMSG_CATALOG_INSTANTIATE(Record)                                                   \
  template class Catalog<Record>;                                                          \
  template Status CatalogNotFound<Record>(std::string_view);                               \
  template Result<CatalogSnapshot<Record>> ParseCatalogDocument<Record>(const vmsg::Json&, \
                                                                        std::string_view); \
  template vmsg::Json MakeCatalogDocument<Record>(const std::vector<Record>&, TimePoint);  \
  template Status CheckUpdatedRecord<Record>(const Record&, const Record&);                \
  template Status CheckDeletable<Record>(const Record&);                                   \
  template Status CheckOwner<Record>(const Record&, std::string_view);                     \
  template bool IsOwnedBy<Record>(const Record&, std::string_view);
VMSG_CATALOG_INSTANTIATE(VoiceProfile)
VMSG_CATALOG_INSTANTIATE(BgmTrack)
#undef VMSG_CATALOG_INSTANTIATE

}  // namespace vmsg::catalog
