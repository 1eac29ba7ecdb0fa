// Starts and stops a private PostgreSQL server for tests (see pg_test_server.h).
#include "testing/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "testing/child_process.h"

namespace vmsg::test {
namespace {

constexpr std::chrono::seconds kStartTimeout{20};
constexpr std::chrono::milliseconds kStartPoll{50};
// Only names the socket file (.s.PGSQL.{port}) in the private directory: nothing listens
// on TCP, so parallel test binaries never collide.
constexpr int kPort = 5432;
constexpr std::string_view kRole = "vmsg";
// Where Debian's postgresql-15 package puts initdb and postgres.
constexpr std::string_view kBinDir = "/usr/lib/postgresql/15/bin";

struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool drop = false;  // true when running as root: switch to the postgres user
};

Result<RunAs> Identity() {
  RunAs who;
  if (::geteuid() != 0) return who;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    return Status::Unavailable(
        "running as root and there is no 'postgres' user for PostgreSQL to run as");
  }
  who = {.uid = pw->pw_uid, .gid = pw->pw_gid, .drop = true};
  return who;
}

// `args` run as `who`, output to `log`; dies with the test process.
Result<pid_t> Spawn(const RunAs& who, std::vector<std::string> args,
                    const std::filesystem::path& log) {
  ChildOptions options{.args = std::move(args), .log = log};
  if (who.drop) options.run_as = ChildOptions::User{who.uid, who.gid};
  return SpawnChild(options);
}

}  // namespace

Result<std::unique_ptr<PgTestServer>> PgTestServer::Start() {
  static std::atomic<int> counter{0};
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("vmsg_pg_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<PgTestServer> server(new PgTestServer(dir));
  VMSG_RETURN_IF_ERROR(server->Launch());
  return server;
}

Status PgTestServer::Launch() {
  const std::filesystem::path bin(kBinDir);
  if (::access((bin / "initdb").c_str(), X_OK) != 0 ||
      ::access((bin / "postgres").c_str(), X_OK) != 0) {
    return Status::Unavailable("PostgreSQL 15 is not installed in " + bin.string() +
                               " (apt-get install postgresql); the PostgreSQL catalog "
                               "cannot be tested");
  }
  VMSG_ASSIGN_OR_RETURN(RunAs who, Identity());
  if (who.drop && ::chown(dir_.c_str(), who.uid, who.gid) != 0) {
    return Status::Unavailable("cannot hand " + dir_.string() + " to the postgres user");
  }
  const std::filesystem::path log = dir_ / "postgres.log";
  VMSG_ASSIGN_OR_RETURN(
      pid_t initdb,
      Spawn(who,
            {(bin / "initdb").string(), "-D", (dir_ / "data").string(), "-U", std::string(kRole),
             "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"},
            log));
  int status = 0;
  ::waitpid(initdb, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Unavailable("initdb failed; see " + log.string());
  }
  VMSG_ASSIGN_OR_RETURN(
      pid_,
      Spawn(who,
            {(bin / "postgres").string(), "-D", (dir_ / "data").string(), "-k", dir_.string(), "-p",
             std::to_string(kPort), "-c", "listen_addresses=", "-c", "fsync=off", "-c",
             "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100"},
            log));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    try {
      pqxx::connection probe(Url("postgres"));
      return Status::Ok();
    } catch (const std::exception&) {
    }
    if (ChildExited(pid_)) {
      pid_ = -1;
      return Status::Unavailable("postgres exited at start; see " + log.string());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("postgres did not accept connections within " +
                                 std::to_string(kStartTimeout.count()) + " s; see " + log.string());
    }
    std::this_thread::sleep_for(kStartPoll);
  }
}

Result<std::string> PgTestServer::CreateDatabase(std::string_view name) {
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return Status::InvalidArgument("bad test database name " + std::string(name));
    }
  }
  try {
    pqxx::connection admin(Url("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + std::string(name));
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot create the test database: ") + e.what());
  }
  return Url(name);
}

PgTestServer::~PgTestServer() {
  StopChild(pid_, SIGQUIT);  // immediate shutdown: test data is thrown away
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PgTestServer::Url(std::string_view database) const {
  return "postgresql://" + std::string(kRole) + "@/" + std::string(database) +
         "?host=" + dir_.string() + "&port=" + std::to_string(kPort);
}

}  // namespace vmsg::test
