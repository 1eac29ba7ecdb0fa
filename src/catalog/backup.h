// Backups of the two catalog files into the object store, as the spec's daily backup script
// does it, but by vmsg itself: `backups/metadata/{YYYYMMDD}/voices_metadata.json` and
// `.../bgm_metadata.json`, with backups older than kBackupRetentionDays pruned. A restore
// checks both files of a date before it replaces either.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "objects/keys.h"
#include "objects/object_store.h"

namespace vmsg::catalog {

// Backups dated more than this many days before today (UTC) are deleted by each backup.
inline constexpr int kBackupRetentionDays = 7;

struct BackupReport {
  std::string date;                  // YYYYMMDD, today in UTC
  std::vector<std::string> written;  // object keys
  std::vector<std::string> pruned;   // object keys of old backups deleted
};

// Copies both catalogs to today's backup (replacing one made earlier today), then prunes
// old backups. A corrupt catalog is not copied: DataLoss naming it, after the healthy one
// has been backed up (and nothing is pruned then, so older good copies stay).
Result<BackupReport> BackupCatalogs(const VoiceCatalog& voices, const BgmCatalog& bgm,
                                    objects::ObjectStore& store, const Clock& clock);

// The dates (YYYYMMDD) that have a backup, oldest first.
Result<std::vector<std::string>> ListBackupDates(objects::ObjectStore& store);

// Restores both catalogs from the backup of `date`. InvalidArgument for a malformed date;
// NotFound when that date has no complete backup; InvalidArgument ("invalid_backup") when
// either file is not a valid catalog, and then neither is replaced. Each file is replaced
// atomically under its catalog's lock.
Status RestoreCatalogs(VoiceCatalog& voices, BgmCatalog& bgm, objects::ObjectStore& store,
                       std::string_view date);

// "YYYYMMDD" of `t` in UTC.
std::string BackupDate(TimePoint t);

}  // namespace vmsg::catalog
