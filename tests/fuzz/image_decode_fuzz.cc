// libFuzzer harness for decoding uploads (DecodeUpload: the header checks, then libjpeg-turbo,
// libpng or libwebp). Traps unless a decoded image is 8-bit BGR within the size asked for and
// every refusal carries its stable code. Each progressive JPEG that decodes is also decoded as
// a scan bomb: its first AC scan repeated a thousand times must be refused (the scan limit).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "image/image_decoders.h"
#include "image/image_io.h"

namespace {

constexpr int kMaxSide = 96;
constexpr int kBombRepeats = 1000;

// The first scan that sends AC coefficients for the first time (Ss > 0, Ah = 0), found by
// walking the marker segments from SOI (so bytes inside a segment's payload are never taken
// for a marker), from its SOS marker to the next marker; empty when there is none.
std::string_view FirstPassAcScan(std::string_view jpeg) {
  size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    if (uint8_t(jpeg[at]) != 0xFF) return {};
    const auto marker = uint8_t(jpeg[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD9) return {};
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      at += 2;
      continue;
    }
    const size_t length = (uint8_t(jpeg[at + 2]) << 8) | uint8_t(jpeg[at + 3]);
    if (length < 2 || at + 2 + length > jpeg.size()) return {};
    size_t next = at + 2 + length;
    if (marker == 0xDA) {
      // Entropy-coded data runs to the next marker other than a stuffed zero or a restart.
      while (next + 1 < jpeg.size() &&
             !(uint8_t(jpeg[next]) == 0xFF && jpeg[next + 1] != 0 &&
               (uint8_t(jpeg[next + 1]) < 0xD0 || uint8_t(jpeg[next + 1]) > 0xD7))) {
        ++next;
      }
      if (length >= 6) {
        const size_t spectral = at + 5 + 2 * size_t(uint8_t(jpeg[at + 4]));
        if (spectral + 3 <= at + 2 + length && jpeg[spectral] != 0 &&
            (uint8_t(jpeg[spectral + 2]) >> 4) == 0) {
          return jpeg.substr(at, next - at);
        }
      }
    }
    at = next;
  }
  return {};
}

// Whether `bytes` decoded; traps on a decoded image or a refusal out of contract.
bool CheckDecoded(std::string_view bytes) {
  vmsg::Result<cv::Mat> image = vmsg::image::DecodeUpload(bytes, {.max_side = kMaxSide});
  if (image.ok()) {
    if (image->empty() || image->type() != CV_8UC3 || image->cols > kMaxSide ||
        image->rows > kMaxSide) {
      __builtin_trap();
    }
  } else if (image.status().reason().empty()) {
    __builtin_trap();  // every refusal carries its stable code
  }
  return image.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool decoded = CheckDecoded(bytes);
  if (!decoded || vmsg::image::SniffImageType(bytes) != vmsg::image::ImageType::kJpeg) return 0;
  // A JPEG that decoded was read past each of its scans: repeated right after itself, its
  // first AC scan must trip the scan limit.
  const std::string_view scan = FirstPassAcScan(bytes);
  if (scan.empty()) return 0;
  const size_t after = size_t(scan.data() - bytes.data()) + scan.size();
  std::string bomb(bytes.substr(0, after));
  for (int i = 0; i < kBombRepeats; ++i) bomb += scan;
  bomb += bytes.substr(after);
  if (vmsg::image::DecodeJpeg(bomb, 8).ok()) __builtin_trap();  // over the limit: refused
  return 0;
}
