// `vmsg generate`: one video message made in-process on the command line, with the same
// services `vmsg serve` uses (embedded defaults unless configured otherwise).
#pragma once

#include <string>
#include <vector>

namespace vmsg {

extern const char kGenerateHelp[];

// Runs the command with its arguments (after "generate"). Exit status: 0 done, 1 the
// generation failed (the message says why), 2 bad usage or configuration, 130 cancelled by
// SIGINT/SIGTERM.
int RunGenerateCommand(std::vector<std::string> args);

}  // namespace vmsg
