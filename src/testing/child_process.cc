// See child_process.h.
#include "testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vmsg::test {

Result<pid_t> SpawnChild(const ChildOptions& options) {
  if (options.args.empty()) return Status::InvalidArgument("no program to start");
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = options.args;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
  environment.insert(environment.end(), options.extra_env.begin(), options.extra_env.end());
  std::vector<char*> envp;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string log = options.log.string();

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable("cannot fork to start " + options.args[0]);
  if (pid == 0) {
    if (options.own_process_group) ::setpgid(0, 0);
    if (options.run_as &&
        (::setgid(options.run_as->gid) != 0 || ::setuid(options.run_as->uid) != 0)) {
      ::_exit(126);
    }
    // After setuid, which clears the parent-death signal.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    if (!log.empty()) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

bool ChildExited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

void StopChild(pid_t pid, int signal, bool group) {
  if (pid <= 0) return;
  if (group) ::kill(-pid, signal);
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace vmsg::test
