// Copies and verifies the catalogs between backends (see catalog_copy.h).
#include "catalog/catalog_copy.h"

namespace vmsg::catalog {
namespace {

Status Mismatch(std::string_view collection, const std::string& what) {
  return Status::DataLoss(
      "the copied " + std::string(collection) + " differ from the source: " + what,
      "copy_mismatch");
}

// The first field of two JSON objects that differs, by dotted path ("metadata.genre"),
// or empty when they are equal.
std::string FirstDifference(const vmsg::Json& a, const vmsg::Json& b, const std::string& prefix) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!b.contains(key)) return path + " (missing)";
      if (std::string d = FirstDifference(value, b.at(key), path); !d.empty()) return d;
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) return (prefix.empty() ? key : prefix + "." + key) + " (extra)";
    }
    return {};
  }
  if (a == b) return {};
  return (prefix.empty() ? std::string("the record") : prefix) + " (" + DumpJson(a) + " vs " +
         DumpJson(b) + ")";
}

template <typename Record>
Result<bool> IsEmpty(const Catalog<Record>& catalog) {
  VMSG_ASSIGN_OR_RETURN(std::vector<Record> records, catalog.List());
  return records.empty();
}

template <typename Record>
Result<size_t> Copy(const Catalog<Record>& from, Catalog<Record>& to) {
  VMSG_ASSIGN_OR_RETURN(vmsg::Json document, from.Document());
  VMSG_RETURN_IF_ERROR(to.Restore(document));
  VMSG_RETURN_IF_ERROR(CompareCatalogs(from, to));
  return document[std::string(Record::kCollection)].size();
}

}  // namespace

template <typename Record>
Status CompareCatalogs(const Catalog<Record>& expected, const Catalog<Record>& actual) {
  const std::string_view collection = Record::kCollection;
  VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> a, expected.Snapshot());
  VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> b, actual.Snapshot());
  if (a.records.size() != b.records.size()) {
    return Mismatch(collection, std::to_string(b.records.size()) + " records instead of " +
                                    std::to_string(a.records.size()));
  }
  for (size_t i = 0; i < a.records.size(); ++i) {
    const std::string d = FirstDifference(a.records[i].ToJson(), b.records[i].ToJson(), "");
    if (!d.empty()) {
      return Mismatch(collection,
                      "record " + std::to_string(i) + " (" + a.records[i].id + "): " + d);
    }
  }
  if (FormatIso8601(a.last_updated) != FormatIso8601(b.last_updated)) {
    return Mismatch(collection, "last_updated " + FormatIso8601(b.last_updated) + " instead of " +
                                    FormatIso8601(a.last_updated));
  }
  return Status::Ok();
}

Result<CopyReport> CopyCatalogs(const VoiceCatalog& from_voices, const BgmCatalog& from_bgm,
                                VoiceCatalog& to_voices, BgmCatalog& to_bgm, bool replace) {
  // Both sources must read cleanly and both targets be checked before anything is written.
  VMSG_RETURN_IF_ERROR(from_voices.Document().status());
  VMSG_RETURN_IF_ERROR(from_bgm.Document().status());
  if (!replace) {
    VMSG_ASSIGN_OR_RETURN(bool voices_empty, IsEmpty(to_voices));
    VMSG_ASSIGN_OR_RETURN(bool bgm_empty, IsEmpty(to_bgm));
    if (!voices_empty || !bgm_empty) {
      return Status::FailedPrecondition(
          "the target (" + (voices_empty ? to_bgm.Location() : to_voices.Location()) +
              ") already holds records; pass --replace to overwrite it",
          "target_not_empty");
    }
  }
  CopyReport report;
  VMSG_ASSIGN_OR_RETURN(report.voices, Copy(from_voices, to_voices));
  VMSG_ASSIGN_OR_RETURN(report.bgm, Copy(from_bgm, to_bgm));
  return report;
}

template Status CompareCatalogs<VoiceProfile>(const Catalog<VoiceProfile>&,
                                              const Catalog<VoiceProfile>&);
template Status CompareCatalogs<BgmTrack>(const Catalog<BgmTrack>&, const Catalog<BgmTrack>&);

}  // namespace vmsg::catalog
