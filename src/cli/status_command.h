// `vmsg status`: a short, human-readable health summary of the configured deployment (task
// state and its latency, queue depths, recent dead tasks, catalogs, object store, Redis),
// read directly from the stores, so it works whether or not a server is running.
#pragma once

#include <string>
#include <vector>

namespace vmsg {

extern const char kStatusHelp[];

// Exit status: 0 everything healthy, 1 something unhealthy (its line says why), 2 bad
// usage or configuration.
int RunStatusCommand(std::vector<std::string> flags);

}  // namespace vmsg
