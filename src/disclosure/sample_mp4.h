// Test support for the disclosure tests and the reader check: a small real MP4 from the
// pipeline's writer, a throwaway signer and the provenance of a made-up message.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "disclosure/c2pa.h"
#include "disclosure/signer.h"

namespace vmsg::disclosure::testing {

// An H.264 + AAC MP4 of `seconds` (128x224, 25 fps, a tone), +faststart.
Result<std::string> SampleMp4(double seconds = 1.0);

// A fresh folder under the system's temporary folder.
std::filesystem::path MakeTempDir();

// Provenance with fixed ids ("photo.jpg" placed into "message.mp4", made by vmsg 0.1.0).
Provenance SampleProvenance();

// SampleMp4 with the disclosure XMP, signed by a self-made signer kept in `dir`.
Result<std::string> SignedSample(const std::filesystem::path& dir);

}  // namespace vmsg::disclosure::testing
