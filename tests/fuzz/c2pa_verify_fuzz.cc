// libFuzzer harness for the readers of the AI-content marks, which `vmsg verify` runs on any
// file it is given: the C2PA verifier (BMFF boxes, JUMBF, CBOR, COSE, certificates) and the
// XMP readers of MP4 and JPEG. Traps when a refusal carries no stable code, or when the
// verifier accepts a file whose manifest it then cannot find again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "disclosure/c2pa.h"
#include "disclosure/cbor.h"
#include "disclosure/xmp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vmsg::Result<vmsg::disclosure::Verification> verified = vmsg::disclosure::VerifyMp4(bytes);
  if (!verified.ok() && verified.status().reason().empty()) __builtin_trap();
  if (verified.ok() && verified->manifest_label.empty()) __builtin_trap();
  for (auto* read : {&vmsg::disclosure::ReadXmpFromMp4, &vmsg::disclosure::ReadXmpFromJpeg}) {
    vmsg::Result<std::string> xmp = read(bytes);
    if (!xmp.ok() && xmp.status().reason().empty()) __builtin_trap();
    if (xmp.ok()) (void)vmsg::disclosure::DigitalSourceTypeOf(*xmp);
  }
  (void)vmsg::disclosure::cbor::Decode(bytes);
  return 0;
}
