// Image input and output for uploads: recognise JPEG, PNG and WebP by their magic bytes, read
// the dimensions (and JPEG's EXIF orientation) from the header without decoding, so that
// decompression bombs are refused before anything is allocated for them, then decode with
// the orientation applied, and re-encode without metadata.
#pragma once

#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace vmsg::image {

// Upload limits (issue 5).
inline constexpr size_t kMaxUploadBytes = 10 * 1024 * 1024;
inline constexpr int kMinImageSide = 64;
inline constexpr int64_t kMaxImagePixels = 50'000'000;

// Stable refusal reasons (the problem+json `code`).
inline constexpr std::string_view kMissingImage = "missing_image";
inline constexpr std::string_view kUnsupportedImageType = "unsupported_image_type";
inline constexpr std::string_view kImageTooLarge = "image_too_large";
inline constexpr std::string_view kImageTooManyPixels = "image_too_many_pixels";
inline constexpr std::string_view kImageTooSmall = "image_too_small";
inline constexpr std::string_view kImageCorrupt = "image_corrupt";

enum class ImageType { kUnknown, kJpeg, kPng, kWebp };
std::string_view ImageTypeName(ImageType type);  // "jpeg", "png", "webp", "unknown"

// The type the bytes say they are (not the name, not the declared type).
ImageType SniffImageType(std::string_view bytes);

struct ImageHeader {
  ImageType type = ImageType::kUnknown;
  int width = 0;  // as stored, before orientation
  int height = 0;
  int orientation = 1;  // EXIF orientation 1..8 (JPEG only; 1 otherwise)
};

// Reads the header only. InvalidArgument with reason kUnsupportedImageType (not JPEG, PNG or
// WebP, including empty input) or kImageCorrupt (the header is cut short or inconsistent).
Result<ImageHeader> ReadImageHeader(std::string_view bytes);

// Size, type and dimension checks for an upload, all before decoding: kMissingImage for no
// bytes at all, kImageTooLarge over kMaxUploadBytes (ResourceExhausted, HTTP 413, like every
// refusal of a photo's size), then ReadImageHeader's refusals, then kImageTooManyPixels
// over kMaxImagePixels, kImageTooSmall when a side is under kMinImageSide (InvalidArgument).
Result<ImageHeader> CheckUpload(std::string_view bytes);

struct DecodeOptions {
  // When positive, the decoded image is scaled down (never up) so that its longer side is at
  // most this; JPEGs are then decoded at a reduced DCT scale, which is much faster.
  int max_side = 0;
};

// CheckUpload, then decodes to 8-bit BGR with the EXIF orientation applied. kImageCorrupt
// when the decoder fails or disagrees with the header.
Result<cv::Mat> DecodeUpload(std::string_view bytes, const DecodeOptions& options = {});

// `size` scaled by `scale`, rounded, never below 1x1: extreme shapes (64x781250 is within the
// limits) would otherwise round a side to 0, which OpenCV refuses with an exception.
cv::Size ScaledSize(cv::Size size, double scale);

// Applies EXIF orientation `orientation` (1..8) to `image` (returns it unchanged for 1 or an
// unknown value).
cv::Mat ApplyOrientation(const cv::Mat& image, int orientation);

// JPEG (baseline JFIF, no EXIF or other metadata) and PNG encoders. Internal on failure.
inline constexpr int kDefaultJpegQuality = 90;
Result<std::string> EncodeJpeg(const cv::Mat& image, int quality = kDefaultJpegQuality);
Result<std::string> EncodePng(const cv::Mat& image);

// Decodes stored bytes this service wrote (no upload limits). DataLoss when undecodable.
// `flags` are cv::imread flags (IMREAD_COLOR, IMREAD_UNCHANGED).
Result<cv::Mat> DecodeStored(std::string_view bytes, int flags);

}  // namespace vmsg::image
