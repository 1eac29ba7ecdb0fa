// libFuzzer harness for the photo header parser (sniffing, JPEG/PNG/WebP dimensions and the
// EXIF orientation), which reads every upload before anything is decoded. Traps unless a
// header it accepts is consistent: a known type, positive dimensions and an orientation in
// 1..8, and CheckUpload agrees with ReadImageHeader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "image/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vmsg::Result<vmsg::image::ImageHeader> header = vmsg::image::ReadImageHeader(bytes);
  if (header.ok()) {
    if (header->type == vmsg::image::ImageType::kUnknown || header->width <= 0 ||
        header->height <= 0 || header->orientation < 1 || header->orientation > 8) {
      __builtin_trap();
    }
    if (vmsg::image::SniffImageType(bytes) != header->type) __builtin_trap();
  } else if (header.status().reason().empty()) {
    __builtin_trap();  // every refusal carries its stable code
  }
  vmsg::Result<vmsg::image::ImageHeader> checked = vmsg::image::CheckUpload(bytes);
  if (checked.ok() && !header.ok()) __builtin_trap();
  return 0;
}
