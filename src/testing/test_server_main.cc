// vmsg-test-server: the private servers of src/testing for the shell tests, started by the
// same launchers the C++ tests use.
//
//   vmsg-test-server redis [--volatile] | postgres | moto
//
// Prints "url=...", "pid=..." (the server's own process) and, for redis, "socket=...", then
// "ready", and runs until SIGTERM or SIGINT, when it stops the server and removes its files.
// Redis only: SIGUSR1 shuts the server down (it writes its AOF and RDB; "stopped"), SIGUSR2
// starts it again on the same files ("ready"). src/testing/test_servers.sh wraps it.
#include <signal.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "testing/moto_server.h"
#include "testing/postgres_server.h"
#include "testing/redis_server.h"

namespace vmsg::test {
namespace {

int Fail(const Status& status) {
  std::cerr << "vmsg-test-server: " << status << "\n";
  return 1;
}

void Say(const std::string& line) { std::cout << line << std::endl; }

// Waits for the signals in `set` until SIGTERM or SIGINT; `on_signal` handles the others.
template <typename OnSignal>
void Serve(const sigset_t& set, OnSignal on_signal) {
  Say("ready");
  while (true) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (signal == SIGTERM || signal == SIGINT) return;
    on_signal(signal);
  }
}

int Run(int argc, char** argv) {
  const std::string kind = argc > 1 ? argv[1] : "";
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  if (kind == "redis") {
    const bool volatile_redis = argc > 2 && std::strcmp(argv[2], "--volatile") == 0;
    auto server = RedisTestServer::Start({.persistent = !volatile_redis});
    if (!server.ok()) return Fail(server.status());
    RedisTestServer& redis = **server;
    Say("url=" + redis.Url(0));
    Say("socket=" + redis.socket().string());
    Say("pid=" + std::to_string(redis.pid()));
    Serve(set, [&redis](int signal) {
      const Status done = signal == SIGUSR1 ? redis.Shutdown() : redis.Restart();
      if (!done.ok()) std::cerr << "vmsg-test-server: " << done << "\n";
      Say(signal == SIGUSR1 ? "stopped" : "pid=" + std::to_string(redis.pid()) + "\nready");
    });
    return 0;
  }
  if (kind == "postgres") {
    auto server = PgTestServer::Start();
    if (!server.ok()) return Fail(server.status());
    Say("url=" + (*server)->Url("postgres"));
    Say("pid=" + std::to_string((*server)->pid()));
    Serve(set, [](int) {});
    return 0;
  }
  if (kind == "moto") {
    auto server = MotoTestServer::Start();
    if (!server.ok()) return Fail(server.status());
    Say("url=" + (*server)->Endpoint());
    Say("pid=" + std::to_string((*server)->pid()));
    Serve(set, [](int) {});
    return 0;
  }
  std::cerr << "usage: vmsg-test-server redis [--volatile] | postgres | moto\n";
  return 2;
}

}  // namespace
}  // namespace vmsg::test

int main(int argc, char** argv) { return vmsg::test::Run(argc, argv); }
