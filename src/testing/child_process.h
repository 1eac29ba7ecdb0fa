// Starting and stopping the private servers' processes (redis-server, postgres, initdb,
// moto_server): fork and exec in one place, each child tied to the test process so that a
// crashed test leaves no server behind. Tests only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace vmsg::test {

struct ChildOptions {
  std::vector<std::string> args;       // args[0]: the program's path
  std::vector<std::string> extra_env;  // "NAME=value", added to this process's environment
  std::filesystem::path log;           // stdout and stderr, appended; empty: inherited
  bool own_process_group = false;      // so that StopChild reaches what the child starts
  struct User {
    uid_t uid;
    gid_t gid;
  };
  std::optional<User> run_as;  // drop to this user before exec (a server refusing root)
};

// fork + exec of `options.args`; the child gets SIGKILL when this process dies
// (PR_SET_PDEATHSIG). Unavailable when fork fails; a failed exec shows as an exit (127).
Result<pid_t> SpawnChild(const ChildOptions& options);

// True when `pid` has exited (and is reaped).
bool ChildExited(pid_t pid);

// Sends `signal` to `pid` (and its process group when `group`; 0 sends nothing) and waits
// for it to exit.
void StopChild(pid_t pid, int signal, bool group = false);

}  // namespace vmsg::test
