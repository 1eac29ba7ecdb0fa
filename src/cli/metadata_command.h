// `vmsg metadata migrate --to postgres|json [--replace]`: moves every voice profile and BGM
// track between the JSON files in VMSG_DATA_DIR and the database in VMSG_METADATA_URL, then
// reads the target back and compares it with the source field by field.
// `vmsg metadata delete voice|track ID`: the operator removes one user entry and its media,
// whoever owns it (system entries are refused).
#pragma once

#include <string>
#include <vector>

namespace vmsg {

extern const char kMetadataHelp[];

// Runs the command with its arguments (after "metadata"). Exit status as `vmsg backup`: 0
// done, 1 failed (the message says why), 2 bad usage or configuration.
int RunMetadataCommand(std::vector<std::string> args);

}  // namespace vmsg
