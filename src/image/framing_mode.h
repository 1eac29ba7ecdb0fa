// The composition a request asks for (the `framing` field of a generation, --framing on the
// command line). Header only and free of OpenCV, so that the request's parser, which knows
// nothing of images, checks it with the same list the framing engine uses.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::image {

// kAuto: head and shoulders to half length, as the photo allows; kBust: a closer head and
// shoulders; kHalf: down to the waist; kFull: the whole person (for full-length photos).
enum class Framing { kAuto, kBust, kHalf, kFull };

inline constexpr std::array<std::string_view, 4> kFramingNames = {"auto", "bust", "half", "full"};

inline std::string_view FramingName(Framing framing) { return kFramingNames[size_t(framing)]; }

// InvalidArgument "invalid_framing", listing the valid names.
inline Result<Framing> ParseFraming(std::string_view name) {
  for (size_t i = 0; i < kFramingNames.size(); ++i) {
    if (kFramingNames[i] == name) return Framing(i);
  }
  std::string valid;
  for (std::string_view n : kFramingNames) valid += (valid.empty() ? "" : ", ") + std::string(n);
  return Status::InvalidArgument(
      "framing must be one of " + valid + ", not '" + std::string(name) + "'", "invalid_framing");
}

}  // namespace vmsg::image
