// The ten birthday backgrounds, drawn procedurally by our own code (nothing is downloaded or
// bundled): deterministic pictures at any size, written at set-up as 1080x1920 images plus
// thumbnails for the background picker, and drawn again in memory by the framing step.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::image {

inline constexpr int kBackgroundWidth = 1080;
inline constexpr int kBackgroundHeight = 1920;
inline constexpr int kThumbnailWidth = 216;
inline constexpr int kThumbnailHeight = 384;

struct BackgroundPreset {
  std::string_view id;  // "bg-pastel-confetti"
  std::string_view name_ja;
  std::string_view name_en;
};

// The ten presets, in the order the picker shows them.
const std::vector<BackgroundPreset>& BackgroundPresets();

// Draws preset `id` at `size` (8-bit BGR). The same id and size give the same pixels.
// NotFound for an unknown id.
Result<cv::Mat> RenderBackground(std::string_view id, cv::Size size);

// File names under the set-up folder: "{id}.jpg" (1080x1920) and "{id}_thumb.jpg".
std::string BackgroundFileName(std::string_view id);
std::string ThumbnailFileName(std::string_view id);

// Writes every preset and its thumbnail into `dir` (created if missing). Files already there
// are kept unless `overwrite`. Internal when a file cannot be written.
Status WriteBackgrounds(const std::filesystem::path& dir, bool overwrite);

}  // namespace vmsg::image
