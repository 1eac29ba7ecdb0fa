#include "catalog/backup.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "base/json.h"

namespace vmsg::catalog {
namespace {

bool IsBackupDate(std::string_view date) {
  if (date.size() != 8 ||
      !std::all_of(date.begin(), date.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int year = std::stoi(std::string(date.substr(0, 4)));
  const unsigned month = static_cast<unsigned>(std::stoi(std::string(date.substr(4, 2))));
  const unsigned day = static_cast<unsigned>(std::stoi(std::string(date.substr(6, 2))));
  return std::chrono::year_month_day(std::chrono::year(year), std::chrono::month(month),
                                     std::chrono::day(day))
      .ok();
}

std::string Key(std::string_view date, std::string_view name) {
  return std::string(keys::kMetadataBackups) + std::string(date) + "/" + std::string(name);
}

// Every key under keys::kMetadataBackups, in order.
Result<std::vector<std::string>> BackupKeys(objects::ObjectStore& store) {
  std::vector<std::string> keys;
  std::string token;
  do {
    VMSG_ASSIGN_OR_RETURN(objects::ListPage page, store.List(keys::kMetadataBackups, token));
    for (const objects::ObjectInfo& object : page.objects) keys.push_back(object.key);
    token = page.next_token;
  } while (!token.empty());
  return keys;
}

// The date segment of a backup key, or empty for a key that is not one of ours.
std::string DateOf(std::string_view key) {
  key.remove_prefix(keys::kMetadataBackups.size());
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {};
  const std::string_view date = key.substr(0, slash);
  return IsBackupDate(date) ? std::string(date) : std::string();
}

template <typename Record>
Status BackUp(const Catalog<Record>& catalog, std::string_view name, std::string_view date,
              objects::ObjectStore& store, BackupReport& report) {
  Result<vmsg::Json> document = catalog.Document();
  if (!document.ok()) {
    return document.status().WithContext("not backing up " + catalog.Location());
  }
  const std::string key = Key(date, name);
  VMSG_RETURN_IF_ERROR(store.Put(key, DumpJson(*document, 2) + "\n", {"application/json"}));
  report.written.push_back(key);
  return Status::Ok();
}

Result<vmsg::Json> ReadBackup(objects::ObjectStore& store, std::string_view date,
                              std::string_view name) {
  const std::string key = Key(date, name);
  Result<std::string> bytes = store.GetBytes(key);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) {
      return Status::NotFound("no backup " + key + " (see `vmsg backup list`)");
    }
    return bytes.status();
  }
  Result<vmsg::Json> json = ParseJson(*bytes);
  if (!json.ok()) {
    return Status::InvalidArgument("backup " + key + " is not JSON: " + json.status().message(),
                                   "invalid_backup");
  }
  return json;
}

}  // namespace

std::string BackupDate(TimePoint t) {
  const std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(t));
  char out[16];
  std::snprintf(out, sizeof out, "%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

Result<BackupReport> BackupCatalogs(const VoiceCatalog& voices, const BgmCatalog& bgm,
                                    objects::ObjectStore& store, const Clock& clock) {
  const TimePoint now = clock.Now();
  BackupReport report;
  report.date = BackupDate(now);
  Status voices_done = BackUp(voices, keys::kVoicesBackupName, report.date, store, report);
  Status bgm_done = BackUp(bgm, keys::kBgmBackupName, report.date, store, report);
  if (!voices_done.ok()) return voices_done;
  if (!bgm_done.ok()) return bgm_done;

  const std::string oldest_kept = BackupDate(now - std::chrono::days(kBackupRetentionDays));
  VMSG_ASSIGN_OR_RETURN(std::vector<std::string> keys, BackupKeys(store));
  for (const std::string& key : keys) {
    const std::string date = DateOf(key);
    if (date.empty() || date >= oldest_kept) continue;
    VMSG_RETURN_IF_ERROR(store.Delete(key));
    report.pruned.push_back(key);
  }
  return report;
}

Result<std::vector<std::string>> ListBackupDates(objects::ObjectStore& store) {
  VMSG_ASSIGN_OR_RETURN(std::vector<std::string> keys, BackupKeys(store));
  std::set<std::string> dates;
  for (const std::string& key : keys) {
    if (std::string date = DateOf(key); !date.empty()) dates.insert(std::move(date));
  }
  return std::vector<std::string>(dates.begin(), dates.end());
}

Status RestoreCatalogs(VoiceCatalog& voices, BgmCatalog& bgm, objects::ObjectStore& store,
                       std::string_view date) {
  if (!IsBackupDate(date)) {
    return Status::InvalidArgument("'" + std::string(date) + "' is not a date like 20250102",
                                   "invalid_date");
  }
  VMSG_ASSIGN_OR_RETURN(vmsg::Json voices_doc, ReadBackup(store, date, keys::kVoicesBackupName));
  VMSG_ASSIGN_OR_RETURN(vmsg::Json bgm_doc, ReadBackup(store, date, keys::kBgmBackupName));
  // Both are checked before either is written; Restore checks again under the lock.
  VMSG_RETURN_IF_ERROR(voices.CheckDocument(voices_doc));
  VMSG_RETURN_IF_ERROR(bgm.CheckDocument(bgm_doc));
  VMSG_RETURN_IF_ERROR(voices.Restore(voices_doc));
  return bgm.Restore(bgm_doc);
}

}  // namespace vmsg::catalog
