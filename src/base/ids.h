// Identifiers: random UUIDv4 task ids and the checks that guard every id taken from outside.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace vmsg {

// Makes RFC 4122 version-4 UUIDs ("3f1c…-4…-[89ab]…") from a seeded generator.
// Thread-safe. Tests pass a fixed seed to get a repeatable sequence.
class IdGenerator {
 public:
  // Seeds from std::random_device.
  IdGenerator();
  explicit IdGenerator(uint64_t seed);

  std::string NewUuid();

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;  // GUARDED_BY(mutex_)
};

// True for a lower-case canonical UUID of version 4 and the RFC 4122 variant.
bool IsUuidV4(std::string_view text);

}  // namespace vmsg
