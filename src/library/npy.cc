// The .npy writer and reader (see npy.h for the layout).
#include "library/npy.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace vmsg::library {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kAlignment = 64;   // NumPy pads the header so the data is 64-byte aligned
constexpr size_t kPreambleV1 = 10;  // magic, 2 version bytes, uint16 header length
constexpr size_t kPreambleV2 = 12;  // ... uint32 header length

static_assert(std::endian::native == std::endian::little, "the float32 data is written as is");

Status Invalid(std::string what) {
  return Status::InvalidArgument("not a float32 vector .npy file: " + what, "invalid_npy");
}

std::string HeaderDict(size_t n) {
  return "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }";
}

}  // namespace

std::string EncodeNpyFloat32(std::span<const float> values) {
  std::string header = HeaderDict(values.size());
  // Pad with spaces so that preamble + header + '\n' is a multiple of kAlignment.
  const size_t unpadded = kPreambleV1 + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header.push_back('\n');
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  const auto len = static_cast<uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return out;
}

Result<std::vector<float>> DecodeNpyFloat32(std::string_view bytes) {
  if (bytes.size() < kPreambleV1 || bytes.substr(0, kMagic.size()) != kMagic) {
    return Invalid("no NumPy magic");
  }
  const auto major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0;
  size_t preamble = 0;
  if (major == 1) {
    preamble = kPreambleV1;
    header_len =
        static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
  } else if (major == 2) {
    if (bytes.size() < kPreambleV2) return Invalid("truncated preamble");
    preamble = kPreambleV2;
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<uint8_t>(bytes[8 + i]);
  } else {
    return Invalid("unsupported format version " + std::to_string(major));
  }
  if (bytes.size() < preamble + header_len) return Invalid("truncated header");
  std::string_view header = bytes.substr(preamble, header_len);
  // Only the dictionaries NumPy writes for a C-order 1-D '<f4' array are accepted.
  auto has = [&](std::string_view s) { return header.find(s) != std::string_view::npos; };
  if (!has("'descr': '<f4'") || !has("'fortran_order': False")) {
    return Invalid("not little-endian float32 in C order");
  }
  const size_t shape_at = header.find("'shape': (");
  if (shape_at == std::string_view::npos) return Invalid("no shape");
  size_t pos = shape_at + std::string_view("'shape': (").size();
  size_t n = 0;
  size_t digits = 0;
  while (pos < header.size() && header[pos] >= '0' && header[pos] <= '9') {
    n = n * 10 + static_cast<size_t>(header[pos] - '0');
    ++pos;
    if (++digits > 9) return Invalid("shape too large");
  }
  if (digits == 0 || pos + 2 > header.size() || header.substr(pos, 2) != ",)") {
    return Invalid("not a 1-D shape");
  }
  const std::string_view data = bytes.substr(preamble + header_len);
  if (data.size() != n * sizeof(float)) return Invalid("data length does not match the shape");
  std::vector<float> out(n);
  if (n > 0) std::memcpy(out.data(), data.data(), data.size());
  return out;
}

}  // namespace vmsg::library
