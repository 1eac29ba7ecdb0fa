// Opening the voice and BGM catalogs the configuration names, shared by the services and the
// one-shot commands (backup, metadata): PostgreSQL when VMSG_METADATA_URL is set (its schema
// migrated first), else the spec's JSON files under VMSG_DATA_DIR.
#pragma once

#include <memory>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "config/config.h"

namespace vmsg {

struct OpenedCatalogs {
  std::unique_ptr<catalog::VoiceCatalog> voices;
  std::unique_ptr<catalog::BgmCatalog> bgm;
};

// The JSON files are created empty when missing (a corrupt one opens and shows as
// unhealthy); the database must be reachable and its schema no newer than this vmsg's.
Result<OpenedCatalogs> OpenCatalogs(const Config& config, const Clock& clock);

// The JSON files under config.data_dir, whatever VMSG_METADATA_URL says.
Result<OpenedCatalogs> OpenJsonCatalogs(const Config& config, const Clock& clock);

}  // namespace vmsg
