// The video's shape and size a request asks for (the `format` field of a generation and a
// preview, --format on the command line). `portrait` is the spec's 512x910 and the default;
// the others are the sizes phones and sharing sites show full screen. Header only and free of
// OpenCV, like framing_mode.h, so that the request's parser checks it with the same list the
// framing engine and the encoder use.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::image {

enum class OutputFormat { kPortrait, kPortraitHd, kSquare, kLandscape };

struct FormatSpec {
  std::string_view name;
  int width = 0;
  int height = 0;
};

inline constexpr std::array<FormatSpec, 4> kOutputFormats = {{{"portrait", 512, 910},
                                                              {"portrait_hd", 1080, 1920},
                                                              {"square", 1080, 1080},
                                                              {"landscape", 1920, 1080}}};

inline constexpr const FormatSpec& SpecOf(OutputFormat format) {
  return kOutputFormats[size_t(format)];
}
inline constexpr std::string_view FormatName(OutputFormat format) { return SpecOf(format).name; }

// The longest side of any format's frame.
inline constexpr int kLargestFrameSide = [] {
  int side = 0;
  for (const FormatSpec& f : kOutputFormats) side = std::max({side, f.width, f.height});
  return side;
}();

// The portrait's height: the frame the pipeline's pixel figures were first tuned at (a face
// detail of one pixel there is FrameUnit pixels at another height).
inline constexpr int kReferenceFrameHeight = 910;
inline constexpr double FrameUnit(int frame_height) {
  return double(frame_height) / kReferenceFrameHeight;
}

// "512x910": the size as the stored still's name carries it (optimized_512x910.png).
inline std::string SizeName(OutputFormat format) {
  return std::to_string(SpecOf(format).width) + "x" + std::to_string(SpecOf(format).height);
}

// "portrait, portrait_hd, square, landscape".
inline std::string FormatNameList() {
  std::string list;
  for (const FormatSpec& f : kOutputFormats)
    list += (list.empty() ? "" : ", ") + std::string(f.name);
  return list;
}

// InvalidArgument "invalid_format", listing the valid names (and the name given, its first
// kEchoedNameChars characters).
inline constexpr size_t kEchoedNameChars = 40;
inline Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  for (size_t i = 0; i < kOutputFormats.size(); ++i) {
    if (kOutputFormats[i].name == name) return OutputFormat(i);
  }
  const std::string shown = name.size() > kEchoedNameChars
                                ? std::string(name.substr(0, kEchoedNameChars)) + "..."
                                : std::string(name);
  return Status::InvalidArgument(
      "format must be one of " + FormatNameList() + ", not '" + shown + "'", "invalid_format");
}

}  // namespace vmsg::image
