// `vmsg verify FILE`: what a video or thumbnail says about how it was made (the XMP digital
// source type) and, for an MP4, whether its C2PA manifest holds: signature, assertions, and
// the hash that binds it to every byte of the file (disclosure/c2pa.h).
#pragma once

#include <string>
#include <vector>

namespace vmsg {

extern const char kVerifyHelp[];

// Exit status: 0 the marks are there and hold, 1 they are missing or broken, 2 bad usage.
int RunVerifyCommand(std::vector<std::string> args);

}  // namespace vmsg
