// `vmsg metadata migrate` and `vmsg metadata delete` (see metadata_command.h).
#include "cli/metadata_command.h"

#include <unistd.h>

#include <iostream>

#include "app/catalogs.h"
#include "app/stores.h"
#include "catalog/catalog_copy.h"
#include "catalog/postgres/pg_catalog.h"

extern char** environ;

namespace vmsg {

const char kMetadataHelp[] =
    R"(Usage: vmsg metadata migrate --to postgres|json [--replace] [--env-file PATH] [--setting=value ...]

Moves the voice profiles and BGM tracks between the two catalog backends:
  --to postgres   from the JSON files in VMSG_DATA_DIR into the database VMSG_METADATA_URL
                  (its schema is created or upgraded first)
  --to json       from the database VMSG_METADATA_URL into the JSON files in VMSG_DATA_DIR
Every record is copied (each catalog in one step: a transaction, or an atomic file
replace), then the target is read back and compared with the source, record by record and
field by field. A target that already holds records is left alone unless --replace is given.
The source is never changed. Stop `vmsg serve` and the workers first: writes made during the
move may be left behind. Then set or clear VMSG_METADATA_URL and start them again.

       vmsg metadata delete voice|track ID [--env-file PATH] [--setting=value ...]

Removes one custom voice or user track with its media from the configured catalog and object
store, whoever owns it: the operator's way to remove entries no browser may delete over the
API (those made before owners were recorded). System entries are refused. Safe while vmsg
runs (the catalog's own lock).

Exit status: 0 done, 1 failed (the message says why), 2 bad usage or configuration.
)";

namespace {

int Usage(const std::string& why) {
  std::cerr << "vmsg metadata: " << why << " (see vmsg metadata --help)\n";
  return 2;
}

int Failed(const Status& status) {
  std::cerr << "vmsg metadata: " << status.message() << "\n";
  return 1;
}

// `delete voice|track ID [flags]`.
int RunDelete(std::vector<std::string> args) {
  if (args.size() < 3 || (args[1] != "voice" && args[1] != "track")) {
    return Usage("delete needs voice or track, then an id");
  }
  const bool voice = args[1] == "voice";
  const std::string id = args[2];
  Result<Config> config = LoadConfig(
      SourcesFromProcess(environ, std::vector<std::string>(args.begin() + 3, args.end())));
  if (!config.ok()) return Usage(config.status().message());
  auto clock = NewSystemClock();
  Result<OpenedCatalogs> catalogs = OpenCatalogs(*config, *clock);
  if (!catalogs.ok()) return Failed(catalogs.status());
  Result<OpenedObjectStore> objects = OpenObjectStore(*config, *clock);
  if (!objects.ok()) return Failed(objects.status());
  // No owner check: this is the operator, not a browser. System entries stay refused.
  Result<catalog::DeleteOutcome> outcome = voice ? catalogs->voices->Delete(id, *objects->store)
                                                 : catalogs->bgm->Delete(id, *objects->store);
  if (!outcome.ok()) return Failed(outcome.status());
  std::cout << "deleted " << (voice ? "voice profile " : "BGM track ") << id << "\n";
  for (const std::string& key : outcome->objects_not_deleted) {
    std::cout << "object not deleted (remove it by hand): " << key << "\n";
  }
  return 0;
}

}  // namespace

int RunMetadataCommand(std::vector<std::string> args) {
  if (!args.empty() && args[0] == "delete") return RunDelete(std::move(args));
  if (args.empty() || args[0] != "migrate") {
    return Usage(args.empty() ? "missing command" : "unknown command '" + args[0] + "'");
  }
  std::string to;
  bool replace = false;
  std::vector<std::string> flags;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      to = args[++i];
    } else if (args[i].starts_with("--to=")) {
      to = args[i].substr(5);
    } else if (args[i] == "--replace") {
      replace = true;
    } else {
      flags.push_back(args[i]);
    }
  }
  if (to != "postgres" && to != "json") return Usage("--to must be postgres or json");
  Result<Config> config = LoadConfig(SourcesFromProcess(environ, std::move(flags)));
  if (!config.ok()) return Usage(config.status().message());
  if (config->metadata_url.empty()) return Usage("VMSG_METADATA_URL names no database");

  auto failed = [](const Status& status) { return Failed(status); };
  auto clock = NewSystemClock();
  Result<OpenedCatalogs> json = OpenJsonCatalogs(*config, *clock);
  if (!json.ok()) return failed(json.status());
  Result<catalog::PgMigrationReport> schema = catalog::MigratePgSchema(config->metadata_url);
  if (!schema.ok()) return failed(schema.status());
  for (int version : schema->applied) {
    std::cout << "applied database schema migration " << version << "\n";
  }
  Result<OpenedCatalogs> pg = OpenCatalogs(*config, *clock);
  if (!pg.ok()) return failed(pg.status());
  OpenedCatalogs& from = to == "postgres" ? *json : *pg;
  OpenedCatalogs& into = to == "postgres" ? *pg : *json;
  Result<catalog::CopyReport> report =
      catalog::CopyCatalogs(*from.voices, *from.bgm, *into.voices, *into.bgm, replace);
  if (!report.ok()) return failed(report.status());
  std::cout << "copied and verified " << report->voices << " voice profiles ("
            << from.voices->Location() << " -> " << into.voices->Location() << ") and "
            << report->bgm << " BGM tracks (" << from.bgm->Location() << " -> "
            << into.bgm->Location() << ")\n";
  return 0;
}

}  // namespace vmsg
