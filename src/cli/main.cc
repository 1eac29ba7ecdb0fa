// vmsg's command line: `vmsg <command> [flags]`. Each command has --help.
#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/catalogs.h"
#include "app/service_context.h"
#include "app/stores.h"
#include "catalog/backup.h"
#include "cli/generate_command.h"
#include "cli/keys_command.h"
#include "cli/metadata_command.h"
#include "cli/status_command.h"
#include "cli/verify_command.h"
#include "config/config.h"

extern char** environ;

namespace vmsg {
namespace {

constexpr std::string_view kUsage = R"(vmsg — self-hosted video message generator

Usage: vmsg <command> [flags]

Commands:
  serve          Run the HTTP server (API and web UI) on VMSG_HTTP_HOST:VMSG_HTTP_PORT
                 and workers (--no-worker: the API only)
  worker         Run task workers only, without the HTTP server
  generate       Make a video from a photo and a message on the command line
  backup         Back up the voice and music catalogs to the object store, list or restore
  metadata       Move the catalogs between the JSON files and PostgreSQL (migrate --to ...),
                 or remove one user entry as the operator (delete voice|track ID)
  status         Summarise the deployment's health (state, queue, catalogs, store, Redis)
  keys           API keys for the HTTP API: create --name NAME, list, revoke ID, rotate ID
  verify         Check a video's or thumbnail's AI-content marks (XMP, signed C2PA manifest)
  config print   Show the effective configuration and where each value came from
  config table   Print the settings as a Markdown table (the README's table)
  version        Print the version

Every setting can be given as an environment variable, in a .env file (--env-file PATH)
or as a flag: VMSG_HTTP_PORT=9000 is --http-port=9000. Run `vmsg <command> --help` for more.
)";

constexpr std::string_view kServeHelp =
    R"(Usage: vmsg serve [--no-worker] [--env-file PATH] [--setting=value ...]

Runs the HTTP server (the API, /health, /metrics, /api/openapi.json and the web UI from
VMSG_WEB_DIR) and VMSG_WORKERS worker threads.
--no-worker: the API only, no worker threads whatever VMSG_WORKERS says; queued tasks
wait for a `vmsg worker` on the same task state (REDIS_URL, or the same VMSG_DATA_DIR).
Stops gracefully on SIGINT or SIGTERM: no new connections, requests in flight get
VMSG_SHUTDOWN_GRACE to finish. A second signal stops at once.
Settings: see `vmsg config print`.
)";

constexpr std::string_view kConfigHelp =
    R"(Usage: vmsg config print [--env-file PATH] [--setting=value ...]
       vmsg config table

print: the effective configuration, one NAME=value per line with its source (default,
       .env, environment or flag). Secrets are shown as [redacted].
table: every setting with its flag, default and meaning, as a Markdown table.
)";

constexpr std::string_view kWorkerHelp =
    R"(Usage: vmsg worker [--env-file PATH] [--setting=value ...]

Runs VMSG_WORKERS worker threads, without the HTTP server, on the configured task state
(REDIS_URL, or the embedded store in VMSG_DATA_DIR). Stops gracefully on SIGINT or
SIGTERM, handing tasks it was running back to the queue at once.
Workers run vmsg.generate_video; a job of any other task name fails at once with
NotRegistered.
Serves only /metrics and /health on VMSG_HTTP_HOST:VMSG_METRICS_PORT (default 9100;
0: no listener).
)";

constexpr std::string_view kBackupHelp =
    R"(Usage: vmsg backup metadata [--env-file PATH] [--setting=value ...]
       vmsg backup list [...]
       vmsg backup restore --date YYYYMMDD [...]

metadata: copies voices_metadata.json and bgm_metadata.json to
          backups/metadata/YYYYMMDD/ (today, UTC) in the configured object store (S3_BUCKET,
          or the local store in VMSG_DATA_DIR), then deletes backups older than 7 days.
          Run it daily, e.g. from cron:  15 3 * * *  vmsg backup metadata
list:     the dates that have a backup.
restore:  checks both files of that date, then replaces the catalogs with them (each
          atomically, under its lock). Repairs a corrupt catalog.
Exit status: 0 done, 1 failed (the message says why), 2 bad usage or configuration.
)";

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

Result<Config> LoadFromProcess(std::vector<std::string> flags) {
  return LoadConfig(SourcesFromProcess(environ, std::move(flags)));
}

int Fail(const Status& status) {
  std::cerr << "vmsg: " << status.message() << "\n";
  return 2;
}

// `vmsg backup metadata | list | restore --date D`.
int RunBackup(const std::string& sub, std::vector<std::string> flags) {
  std::string date;
  for (auto it = flags.begin(); it != flags.end();) {
    if (*it == "--date" && it + 1 != flags.end()) {
      date = *(it + 1);
      it = flags.erase(it, it + 2);
    } else if (it->starts_with("--date=")) {
      date = it->substr(7);
      it = flags.erase(it);
    } else {
      ++it;
    }
  }
  if (sub == "restore" && date.empty()) {
    return Fail(Status::InvalidArgument("backup restore needs --date YYYYMMDD"));
  }
  if (sub != "restore" && !date.empty()) {
    return Fail(Status::InvalidArgument("--date is for backup restore only"));
  }
  Result<Config> config = LoadFromProcess(std::move(flags));
  if (!config.ok()) return Fail(config.status());
  auto clock = NewSystemClock();
  Result<OpenedObjectStore> objects = OpenObjectStore(*config, *clock);
  if (!objects.ok()) return Fail(objects.status());
  objects::ObjectStore& store = *objects->store;
  auto failed = [](const Status& status) {
    std::cerr << "vmsg backup: " << status.message() << "\n";
    return 1;
  };
  if (sub == "list") {
    Result<std::vector<std::string>> dates = catalog::ListBackupDates(store);
    if (!dates.ok()) return failed(dates.status());
    for (const std::string& d : *dates) std::cout << d << "\n";
    return 0;
  }
  Result<OpenedCatalogs> catalogs = OpenCatalogs(*config, *clock);
  if (!catalogs.ok()) return failed(catalogs.status());
  auto& voices = catalogs->voices;
  auto& bgm = catalogs->bgm;
  if (sub == "metadata") {
    Result<catalog::BackupReport> report = catalog::BackupCatalogs(*voices, *bgm, store, *clock);
    if (!report.ok()) return failed(report.status());
    for (const std::string& key : report->written) std::cout << "wrote " << key << "\n";
    for (const std::string& key : report->pruned) std::cout << "pruned " << key << "\n";
    return 0;
  }
  Status restored = catalog::RestoreCatalogs(*voices, *bgm, store, date);
  if (!restored.ok()) return failed(restored);
  std::cout << "restored the catalogs from the backup of " << date << "\n";
  return 0;
}

// Starts what `services` runs for `role`: the HTTP server (serve), the metrics server and
// the workers, each when configured.
Status StartServices(ServiceContext& services, ServiceContext::Role role) {
  if (role == ServiceContext::Role::kServe) VMSG_RETURN_IF_ERROR(services.server().Start());
  if (auto* metrics = services.metrics_server()) VMSG_RETURN_IF_ERROR(metrics->Start());
  if (auto* pool = services.workers()) VMSG_RETURN_IF_ERROR(pool->Start());
  return Status::Ok();
}

void LogStarted(ServiceContext& services, bool http) {
  const Config& c = services.config();
  const std::string base = "http://" + c.http_host + ":";
  services.logger().Info(
      "vmsg", http ? "serving" : "working",
      {{"url", http ? base + std::to_string(services.server().port()) + "/" : std::string("-")},
       {"workers", services.workers() != nullptr ? c.workers : 0},
       {"metrics_url", services.metrics_server() != nullptr
                           ? base + std::to_string(services.metrics_server()->port()) + "/metrics"
                           : std::string("-")},
       {"data_dir", c.data_dir.string()},
       {"version", kVersion}});
}

// Waits for SIGINT or SIGTERM (blocked in `stop_signals`), then stops gracefully; a second
// signal stops at once.
void WaitAndStop(ServiceContext& services, bool http, sigset_t& stop_signals) {
  int signal = 0;
  sigwait(&stop_signals, &signal);
  services.logger().Info("vmsg", "stop signal received", {{"signal", signal}});
  std::thread second_signal([&stop_signals] {
    int again = 0;
    sigwait(&stop_signals, &again);
    std::_Exit(128 + again);
  });
  second_signal.detach();
  if (http) services.server().Shutdown();
  if (auto* metrics = services.metrics_server()) metrics->Shutdown();
  if (auto* pool = services.workers()) pool->Shutdown();  // hands running tasks back at once
  if (http) services.server().Wait();
  if (auto* metrics = services.metrics_server()) metrics->Wait();
  services.logger().Info("vmsg", "stopped");
}

// Runs `vmsg serve` (HTTP, and workers unless VMSG_WORKERS=0) or `vmsg worker` (workers
// only) until SIGINT/SIGTERM.
int RunService(std::vector<std::string> flags, ServiceContext::Role role) {
  // --no-worker (serve only): an API-only process, whatever VMSG_WORKERS says.
  bool no_worker = false;
  if (role == ServiceContext::Role::kServe) {
    if (auto it = std::find(flags.begin(), flags.end(), "--no-worker"); it != flags.end()) {
      no_worker = true;
      flags.erase(it);
    }
  }
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Result<Config> config = LoadFromProcess(std::move(flags));
  if (!config.ok()) return Fail(config.status());
  if (no_worker) config->workers = 0;
  if (role == ServiceContext::Role::kWorker && config->workers == 0) {
    return Fail(Status::InvalidArgument("vmsg worker needs VMSG_WORKERS of at least 1"));
  }
  auto ctx = ServiceContext::Create(std::move(*config), NewSystemClock(), role);
  if (!ctx.ok()) return Fail(ctx.status());
  if (Status started = StartServices(**ctx, role); !started.ok()) return Fail(started);
  const bool http = role == ServiceContext::Role::kServe;
  LogStarted(**ctx, http);
  WaitAndStop(**ctx, http, stop_signals);
  return 0;
}

int RunVersion(std::vector<std::string>) {
  std::cout << "vmsg " << kVersion << "\n";
  return 0;
}

int RunConfig(std::vector<std::string> args) {
  const std::string sub = args[0];
  std::vector<std::string> flags(args.begin() + 1, args.end());
  if (sub == "print") {
    Result<Config> config = LoadFromProcess(std::move(flags));
    if (!config.ok()) return Fail(config.status());
    std::cout << FormatConfig(*config);
    return 0;
  }
  if (sub == "table") {
    std::cout << SettingsMarkdownTable();
    return 0;
  }
  std::cerr << "vmsg: unknown config command '" << sub << "' (print or table)\n";
  return 2;
}

int RunBackupCommand(std::vector<std::string> args) {
  const std::string sub = args[0];
  if (sub != "metadata" && sub != "list" && sub != "restore") {
    std::cerr << "vmsg: unknown backup command '" << sub << "' (metadata, list or restore)\n";
    return 2;
  }
  return RunBackup(sub, std::vector<std::string>(args.begin() + 1, args.end()));
}

// One `vmsg` command: its help (--help, or no arguments when it needs some) and its body.
struct Command {
  std::string_view name;
  std::string_view help;
  bool needs_arguments;  // without any: the help, and exit status 2
  int (*run)(std::vector<std::string> args);
};

const Command kCommands[] = {
    {"version", "Usage: vmsg version\n\nPrints the version of this build.\n", false, RunVersion},
    {"serve", kServeHelp, false,
     [](std::vector<std::string> a) {
       return RunService(std::move(a), ServiceContext::Role::kServe);
     }},
    {"worker", kWorkerHelp, false,
     [](std::vector<std::string> a) {
       return RunService(std::move(a), ServiceContext::Role::kWorker);
     }},
    {"generate", kGenerateHelp, false, RunGenerateCommand},
    {"status", kStatusHelp, false, RunStatusCommand},
    {"config", kConfigHelp, true, RunConfig},
    {"backup", kBackupHelp, true, RunBackupCommand},
    {"metadata", kMetadataHelp, true, RunMetadataCommand},
    {"keys", kKeysHelp, true, RunKeysCommand},
    {"verify", kVerifyHelp, true, RunVerifyCommand},
};

int Run(std::vector<std::string> args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string name = args[0] == "--version" ? "version" : args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const Command& command : kCommands) {
    if (command.name != name) continue;
    const bool missing = command.needs_arguments && rest.empty();
    if (missing || WantsHelp(rest)) {
      std::cout << command.help;
      return missing ? 2 : 0;
    }
    return command.run(std::move(rest));
  }
  std::cerr << "vmsg: unknown command '" << name << "'\n\n" << kUsage;
  return 2;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) {
  return vmsg::Run(std::vector<std::string>(argv + 1, argv + argc));
}
