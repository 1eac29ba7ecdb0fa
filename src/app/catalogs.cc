// Opens the configured catalogs (see catalogs.h).
#include "app/catalogs.h"

#include "catalog/postgres/pg_catalog.h"

namespace vmsg {

Result<OpenedCatalogs> OpenJsonCatalogs(const Config& config, const Clock& clock) {
  OpenedCatalogs out;
  VMSG_ASSIGN_OR_RETURN(out.voices, catalog::OpenVoiceCatalog(config.data_dir, clock));
  VMSG_ASSIGN_OR_RETURN(out.bgm, catalog::OpenBgmCatalog(config.data_dir, clock));
  return out;
}

Result<OpenedCatalogs> OpenCatalogs(const Config& config, const Clock& clock) {
  if (config.metadata_url.empty()) return OpenJsonCatalogs(config, clock);
  Result<catalog::PgCatalogs> pg = catalog::OpenPgCatalogs(config.metadata_url, clock);
  if (!pg.ok()) return pg.status().WithContext("VMSG_METADATA_URL");
  OpenedCatalogs out;
  out.voices = std::move(pg->voices);
  out.bgm = std::move(pg->bgm);
  return out;
}

}  // namespace vmsg
