// The backends the state conformance suite runs on, each behind a factory.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "state/state.h"

namespace vmsg::state {

struct BackendFactory {
  std::string name;  // a GoogleTest parameter name: letters, digits, underscores
  std::function<Result<StateBackend>(const Clock& clock)> make;
};

// Every backend available to this test binary (state_backends_for_test.cc).
std::vector<BackendFactory> TestBackends();

}  // namespace vmsg::state
