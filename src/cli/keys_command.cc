// `vmsg keys` (see keys_command.h).
#include "cli/keys_command.h"

#include <iomanip>
#include <iostream>

#include "access/api_keys.h"
#include "app/stores.h"
#include "base/json.h"

extern char** environ;

namespace vmsg {

const char kKeysHelp[] =
    R"(Usage: vmsg keys create --name NAME [--env-file PATH] [--setting=value ...]
       vmsg keys list [--json] [--env-file PATH] [--setting=value ...]
       vmsg keys revoke ID [--env-file PATH] [--setting=value ...]
       vmsg keys rotate ID [--env-file PATH] [--setting=value ...]

API keys for the HTTP API. With VMSG_API_KEYS_REQUIRED=true every /api/ route but
/api/config and /api/openapi.json needs 'Authorization: Bearer KEY', and rate limits count
per key. Keys live in the task state store (SQLite in VMSG_DATA_DIR, or Redis with
REDIS_URL), which keeps only each key's SHA-256.
  create   makes a key; the key itself is printed once, alone on the last line
  list     every key: id, name, the key's first characters, created, revoked
  revoke   the key stops working at once (403 api_key_revoked); it stays listed
  rotate   makes a new key with the same name, then revokes the old one
Exit status: 0 done, 1 failed (the message says why), 2 bad usage or configuration.
)";

namespace {

int Usage(const std::string& why) {
  std::cerr << "vmsg keys: " << why << " (see vmsg keys --help)\n";
  return 2;
}

int Failed(const Status& status) {
  std::cerr << "vmsg keys: " << status.message() << "\n";
  return 1;
}

void PrintNewKey(const access::NewApiKey& made, std::string_view verb) {
  std::cout << verb << " API key " << made.record.id << " (" << made.record.name
            << "). Keep it now: it is shown only this once.\n"
            << made.secret << "\n";
}

int List(state::ApiKeyStore& store, bool json) {
  Result<std::vector<state::ApiKey>> keys = store.List();
  if (!keys.ok()) return Failed(keys.status());
  if (json) {
    vmsg::Json out = vmsg::Json::array();
    for (const state::ApiKey& k : *keys) {
      vmsg::Json entry = k.ToJson();
      entry.erase("hash");  // the hash is no use to a reader
      out.push_back(std::move(entry));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (keys->empty()) {
    std::cout << "no API keys (make one with: vmsg keys create --name NAME)\n";
    return 0;
  }
  std::cout << std::left << std::setw(22) << "ID" << std::setw(24) << "NAME" << std::setw(14)
            << "KEY" << std::setw(22) << "CREATED"
            << "REVOKED\n";
  for (const state::ApiKey& k : *keys) {
    std::cout << std::left << std::setw(22) << k.id << std::setw(24) << k.name << std::setw(14)
              << (k.hint + "...") << std::setw(22) << FormatIso8601(k.created_at)
              << (k.revoked_at ? FormatIso8601(*k.revoked_at) : "-") << "\n";
  }
  return 0;
}

}  // namespace

int RunKeysCommand(std::vector<std::string> args) {
  if (args.empty()) return Usage("missing command");
  const std::string command = args[0];
  std::string name, id;
  bool has_name = false, json = false;
  std::vector<std::string> flags;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--name" && i + 1 < args.size()) {
      name = args[++i];
      has_name = true;
    } else if (args[i].starts_with("--name=")) {
      name = args[i].substr(7);
      has_name = true;
    } else if (args[i] == "--json") {
      json = true;
    } else if (!args[i].starts_with("-") && id.empty()) {
      id = args[i];
    } else {
      flags.push_back(args[i]);
    }
  }
  const bool needs_id = command == "revoke" || command == "rotate";
  if (command != "create" && command != "list" && !needs_id) {
    return Usage("unknown command '" + command + "'");
  }
  if (command == "create" && !has_name) return Usage("create needs --name NAME");
  if (needs_id && id.empty()) return Usage(command + " needs a key id (see vmsg keys list)");
  if (!needs_id && !id.empty()) return Usage("unexpected argument '" + id + "'");
  if (command == "create") {
    if (Status valid = access::ValidateApiKeyName(name); !valid.ok()) return Usage(valid.message());
  }

  Result<Config> config = LoadConfig(SourcesFromProcess(environ, std::move(flags)));
  if (!config.ok()) return Usage(config.status().message());
  auto clock = NewSystemClock();
  Result<state::StateBackend> backend = OpenStateBackend(*config, *clock, /*max_connections=*/1);
  if (!backend.ok()) return Failed(backend.status());
  state::ApiKeyStore& store = *backend->api_keys;

  if (command == "list") return List(store, json);
  if (command == "revoke") {
    Result<state::ApiKey> revoked = store.Revoke(id);
    if (!revoked.ok()) return Failed(revoked.status());
    std::cout << "revoked API key " << revoked->id << " (" << revoked->name << ") at "
              << FormatIso8601(*revoked->revoked_at) << "\n";
    return 0;
  }
  Result<access::NewApiKey> made = command == "create" ? access::CreateApiKey(store, name, *clock)
                                                       : access::RotateApiKey(store, id, *clock);
  if (!made.ok()) return Failed(made.status());
  PrintNewKey(*made, command == "create" ? "Created" : "Rotated " + id + " into");
  return 0;
}

}  // namespace vmsg
