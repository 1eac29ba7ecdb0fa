// Moving the catalogs between backends (`vmsg metadata migrate`): every record of both
// catalogs is copied from one pair of catalogs to another, then read back from the target
// and compared with the source record by record, field by field.
#pragma once

#include <cstddef>
#include <string>

#include "catalog/catalog.h"

namespace vmsg::catalog {

struct CopyReport {
  size_t voices = 0;  // records copied and verified
  size_t bgm = 0;
};

// Copies both catalogs. FailedPrecondition (reason "target_not_empty") when a target catalog
// holds records and `replace` is false; nothing is written then. Each catalog is replaced
// whole and atomically (Catalog::Restore, which also keeps the source's last_updated). After
// the copy, DataLoss (reason "copy_mismatch") naming the record and field when the target
// differs from the source in count or in any field.
Result<CopyReport> CopyCatalogs(const VoiceCatalog& from_voices, const BgmCatalog& from_bgm,
                                VoiceCatalog& to_voices, BgmCatalog& to_bgm, bool replace);

// OK when both catalogs hold the same records in the same order with equal fields and the
// same last_updated; DataLoss ("copy_mismatch") naming the first difference.
template <typename Record>
Status CompareCatalogs(const Catalog<Record>& expected, const Catalog<Record>& actual);

}  // namespace vmsg::catalog
