// The PostgreSQL backend of the catalogs (VMSG_METADATA_URL): the spec's voice_profiles
// table ("Migration Path" in DATABASE_SCHEMA.md) and a bgm_tracks table of the same
// shape, holding exactly the fields of the JSON files (records.h), in creation order.
//
// Deviations from the spec's sketch, each because the JSON records demand it: ids are the
// records' own ids (^[a-z0-9_-]{1,64}$, e.g. "default_female"), not UUIDs; times are
// TIMESTAMPTZ in UTC. A table catalog_state keeps each catalog's last_updated, and its row
// is also the catalog's write lock: every write takes it FOR UPDATE first, so writers of a
// catalog serialize as they do on the JSON file's lock, across processes.
//
// The schema is created and upgraded by versioned migrations (ordered SQL in
// pg_catalog.cc, recorded in schema_migrations(version, applied_at)), each applied once in
// its own transaction under an advisory lock; a database whose schema is newer than this
// vmsg knows is refused (FailedPrecondition, reason "schema_too_new").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"

namespace vmsg::catalog {

// The schema version this code creates and understands.
inline constexpr int kPgSchemaVersion = 1;
// Connections the two catalogs of one process may hold open together.
inline constexpr int kMaxPgConnections = 8;
// Seconds a connection may take to open (libpq's connect_timeout).
inline constexpr int kPgConnectTimeoutSeconds = 5;

// Both catalogs over one database.
struct PgCatalogs {
  std::unique_ptr<VoiceCatalog> voices;
  std::unique_ptr<BgmCatalog> bgm;
};

// The versions applied by MigratePgSchema (empty when the schema was already current).
struct PgMigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<int> applied;
};

// Applies the migrations the database lacks. Unavailable when it cannot be reached;
// FailedPrecondition ("schema_too_new") when its schema is newer than kPgSchemaVersion.
Result<PgMigrationReport> MigratePgSchema(std::string_view url);

// The database's schema version (0 for a database never migrated).
Result<int> PgSchemaVersion(std::string_view url);

// Migrates the schema (as MigratePgSchema) and opens both catalogs at `url`
// (postgresql://user:password@host:port/db, or any libpq URI).
Result<PgCatalogs> OpenPgCatalogs(std::string_view url, const Clock& clock);

}  // namespace vmsg::catalog
