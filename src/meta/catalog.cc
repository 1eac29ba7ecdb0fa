// The catalog template, instantiated for voice profiles and BGM tracks.
#include "meta/catalog.h"

#include <algorithm>
#include <set>

namespace vmsg::meta {
namespace {

template <typename Record>
Status NotFound(std::string_view id) {
  return Status::NotFound("no " + std::string(Record::kNoun) + " " + std::string(id),
                          std::string(Record::kNotFoundReason));
}

template <typename Record>
auto FindById(std::vector<Record>& records, std::string_view id) {
  return std::find_if(records.begin(), records.end(), [id](const Record& r) { return r.id == id; });
}

template <typename Record>
vmsg::Json EmptyDocument(TimePoint now) {
  return {{std::string(Record::kCollection), vmsg::Json::array()},
          {"last_updated", FormatIso8601(now)},
          {"version", std::string(kCatalogVersion)}};
}

template <typename Record>
Result<std::unique_ptr<Catalog<Record>>> OpenCatalog(std::filesystem::path path, const Clock& clock,
                                                     CatalogOptions options) {
  vmsg::Json empty = EmptyDocument<Record>(clock.Now());
  VMSG_ASSIGN_OR_RETURN(
      auto file,
      JsonDocumentFile::Open({.path = std::move(path),
                              .version = std::string(kCatalogVersion),
                              .empty_document = std::move(empty),
                              .durable = options.durable,
                              .after_temp_written = std::move(options.after_temp_written)}));
  return std::make_unique<Catalog<Record>>(std::move(file), clock);
}

}  // namespace

template <typename Record>
Result<CatalogSnapshot<Record>> Catalog<Record>::Parse(const vmsg::Json& document) const {
  auto corrupt = [&](const std::string& why) {
    return Status::DataLoss("catalog file " + path().string() + " " + why +
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
Result<CatalogSnapshot<Record>> Catalog<Record>::Snapshot() const {
  VMSG_ASSIGN_OR_RETURN(vmsg::Json document, file_->Read());
  return Parse(document);
}

template <typename Record>
Result<vmsg::Json> Catalog<Record>::Document() const {
  VMSG_ASSIGN_OR_RETURN(vmsg::Json document, file_->Read());
  VMSG_RETURN_IF_ERROR(Parse(document).status());
  return document;
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
  if (Status parsed = Parse(document).status(); !parsed.ok()) return invalid(parsed.message());
  return Status::Ok();
}

template <typename Record>
Status Catalog<Record>::Restore(const vmsg::Json& document) {
  VMSG_RETURN_IF_ERROR(CheckDocument(document));
  return file_->Replace(document);
}

template <typename Record>
Result<Record> Catalog<Record>::Get(std::string_view id) const {
  VMSG_RETURN_IF_ERROR(ValidateId(id));
  VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Snapshot());
  auto it = FindById(snapshot.records, id);
  if (it == snapshot.records.end()) return NotFound<Record>(id);
  return std::move(*it);
}

template <typename Record>
Result<std::vector<Record>> Catalog<Record>::List(std::optional<Type> type) const {
  VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Snapshot());
  if (type) {
    std::erase_if(snapshot.records, [&](const Record& r) { return r.type != *type; });
  }
  return std::move(snapshot.records);
}

template <typename Record>
Status Catalog<Record>::Modify(const std::function<Status(std::vector<Record>&)>& change) {
  return file_->Modify([&](vmsg::Json& document) -> Status {
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Parse(document));
    VMSG_RETURN_IF_ERROR(change(snapshot.records));
    vmsg::Json list = vmsg::Json::array();
    for (const Record& r : snapshot.records) list.push_back(r.ToJson());
    document = vmsg::Json{{std::string(Record::kCollection), std::move(list)},
                          {"last_updated", FormatIso8601(clock_.Now())},
                          {"version", std::string(kCatalogVersion)}};
    return Status::Ok();
  });
}

template <typename Record>
Result<Record> Catalog<Record>::Create(Record record) {
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

template <typename Record>
Result<Record> Catalog<Record>::Update(std::string_view id,
                                       const std::function<Status(Record&)>& mutate) {
  VMSG_RETURN_IF_ERROR(ValidateId(id));
  Record updated;
  auto change = [&](std::vector<Record>& records) -> Status {
    auto it = FindById(records, id);
    if (it == records.end()) return NotFound<Record>(id);
    Record candidate = *it;
    VMSG_RETURN_IF_ERROR(mutate(candidate));
    if (candidate.id != it->id || candidate.type != it->type) {
      return Status::InvalidArgument(
          "the id and type of a " + std::string(Record::kNoun) + " cannot change",
          "immutable_field");
    }
    VMSG_RETURN_IF_ERROR(candidate.Validate());
    *it = candidate;
    updated = std::move(candidate);
    return Status::Ok();
  };
  VMSG_RETURN_IF_ERROR(Modify(change));
  return updated;
}

template <typename Record>
Result<DeleteOutcome> Catalog<Record>::Delete(std::string_view id, blob::ObjectStore& store) {
  VMSG_RETURN_IF_ERROR(ValidateId(id));
  Record removed;
  auto change = [&](std::vector<Record>& records) -> Status {
    auto it = FindById(records, id);
    if (it == records.end()) return NotFound<Record>(id);
    if (it->is_system()) {
      return Status::PermissionDenied(
          std::string(Record::kNoun) + " " + std::string(id) + " is a system entry",
          "system_entry");
    }
    removed = std::move(*it);
    records.erase(it);
    return Status::Ok();
  };
  VMSG_RETURN_IF_ERROR(Modify(change));
  DeleteOutcome outcome;
  // Outside the lock: object stores may be slow, and the keys are already unreachable.
  for (const std::string& key : removed.ObjectKeys()) {
    if (!store.Delete(key).ok()) outcome.objects_not_deleted.push_back(key);
  }
  return outcome;
}

std::filesystem::path VoiceCatalogPath(const std::filesystem::path& data_dir) {
  return data_dir / "backend" / "storage" / "voices" / "voices_metadata.json";
}

std::filesystem::path BgmCatalogPath(const std::filesystem::path& data_dir) {
  return data_dir / "backend" / "storage" / "bgm" / "bgm_metadata.json";
}

Result<std::unique_ptr<VoiceCatalog>> OpenVoiceCatalog(const std::filesystem::path& data_dir,
                                                       const Clock& clock, CatalogOptions options) {
  return OpenCatalog<VoiceProfile>(VoiceCatalogPath(data_dir), clock, std::move(options));
}

Result<std::unique_ptr<BgmCatalog>> OpenBgmCatalog(const std::filesystem::path& data_dir,
                                                   const Clock& clock, CatalogOptions options) {
  return OpenCatalog<BgmTrack>(BgmCatalogPath(data_dir), clock, std::move(options));
}

template class Catalog<VoiceProfile>;
template class Catalog<BgmTrack>;

}  // namespace vmsg::meta
