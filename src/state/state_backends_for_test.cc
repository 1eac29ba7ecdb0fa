// The backends this test binary runs the conformance suite on.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "state/sqlite_state.h"
#include "state/state_conformance.h"

namespace vmsg::state {
namespace {

// One scratch directory per test process, removed when the process ends.
struct ScratchDir {
  ScratchDir()
      : path(std::filesystem::temp_directory_path() /
             ("vmsg_state_conformance_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

const std::filesystem::path& Scratch() {
  static ScratchDir dir;
  return dir.path;
}

}  // namespace

std::vector<BackendFactory> TestBackends() {
  return {
      {"sqlite",
       [](const Clock& clock) -> Result<StateBackend> {
         static int counter = 0;
         SqliteOptions options;
         options.path = Scratch() / ("state_" + std::to_string(++counter) + ".sqlite3");
         std::filesystem::remove(options.path);
         return NewSqliteBackend(options, clock);
       }},
  };
}

}  // namespace vmsg::state
