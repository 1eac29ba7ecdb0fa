// `vmsg keys create|list|revoke|rotate`: the operator's API keys (access/api_keys.h), read
// and written directly in the configured state store, so they work whether or not a server
// is running, and a key made here is good at once on every running server.
#pragma once

#include <string>
#include <vector>

namespace vmsg {

extern const char kKeysHelp[];

// Exit status: 0 done, 1 failed (the message says why), 2 bad usage or configuration.
int RunKeysCommand(std::vector<std::string> args);

}  // namespace vmsg
