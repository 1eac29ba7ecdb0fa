// UUIDv4 generation and validation.
#include "base/ids.h"

#include <array>

namespace vmsg {

IdGenerator::IdGenerator()
    : engine_(std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)) {}

IdGenerator::IdGenerator(uint64_t seed) : engine_(seed) {}

std::string IdGenerator::NewUuid() {
  std::array<uint8_t, 16> bytes;
  {
    std::lock_guard lock(mutex_);
    const uint64_t hi = engine_();
    const uint64_t lo = engine_();
    for (int i = 0; i < 8; ++i) {
      bytes[i] = static_cast<uint8_t>(hi >> (8 * i));
      bytes[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
    }
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

bool IsUuidV4(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return text[14] == '4' &&
         (text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
}

}  // namespace vmsg
