// See image_io.h. The header parsers read only what they need and check every offset: the
// input is whatever a client sent.
#include "image/image_io.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/image_decoders.h"
#include "image/opencv_errors.h"

namespace vmsg::image {
namespace {

constexpr std::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);

Status Refuse(std::string_view reason, std::string message) {
  return Status::InvalidArgument(std::move(message), std::string(reason));
}
Status Corrupt(std::string message) { return Refuse(kImageCorrupt, std::move(message)); }

uint32_t Be16(std::string_view b, size_t at) {
  return (uint32_t(uint8_t(b[at])) << 8) | uint8_t(b[at + 1]);
}
uint32_t Be32(std::string_view b, size_t at) { return (Be16(b, at) << 16) | Be16(b, at + 2); }
uint32_t Le16(std::string_view b, size_t at) {
  return uint8_t(b[at]) | (uint32_t(uint8_t(b[at + 1])) << 8);
}
uint32_t Le24(std::string_view b, size_t at) {
  return Le16(b, at) | (uint32_t(uint8_t(b[at + 2])) << 16);
}
uint32_t Le32(std::string_view b, size_t at) { return Le16(b, at) | (Le16(b, at + 2) << 16); }

// The orientation tag (0x0112) of an EXIF APP1 payload ("Exif\0\0" then a TIFF header);
// 1 when absent or unreadable: a broken EXIF block is not a reason to refuse the photo.
int ExifOrientation(std::string_view exif) {
  if (exif.size() < 14 || exif.substr(0, 6) != std::string_view("Exif\0\0", 6)) return 1;
  const std::string_view tiff = exif.substr(6);
  const bool little = tiff.substr(0, 2) == "II";
  if (!little && tiff.substr(0, 2) != "MM") return 1;
  auto u16 = [&](size_t at) { return little ? Le16(tiff, at) : Be16(tiff, at); };
  auto u32 = [&](size_t at) { return little ? Le32(tiff, at) : Be32(tiff, at); };
  const size_t ifd = u32(4);
  if (ifd + 2 > tiff.size()) return 1;
  const size_t count = u16(ifd);
  constexpr size_t kEntryBytes = 12;
  constexpr uint32_t kOrientationTag = 0x0112;
  for (size_t i = 0; i < count; ++i) {
    const size_t entry = ifd + 2 + i * kEntryBytes;
    if (entry + kEntryBytes > tiff.size()) return 1;
    if (u16(entry) == kOrientationTag) {
      const int value = static_cast<int>(u16(entry + 8));
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

Result<ImageHeader> ReadJpegHeader(std::string_view b) {
  ImageHeader header{.type = ImageType::kJpeg};
  size_t at = 2;
  while (true) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    if (at >= b.size() || uint8_t(b[at]) != 0xFF) return Corrupt("JPEG header is cut short");
    while (at < b.size() && uint8_t(b[at]) == 0xFF) ++at;
    if (at >= b.size()) return Corrupt("JPEG header is cut short");
    const uint8_t marker = uint8_t(b[at++]);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0xD9 || marker == 0xDA) return Corrupt("JPEG has no frame header");
    if (at + 2 > b.size()) return Corrupt("JPEG header is cut short");
    const size_t length = Be16(b, at);
    if (length < 2 || at + length > b.size()) return Corrupt("JPEG segment is cut short");
    const std::string_view payload = b.substr(at + 2, length - 2);
    if (marker == 0xE1) {
      const int orientation = ExifOrientation(payload);
      if (orientation != 1) header.orientation = orientation;
    }
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (payload.size() < 5) return Corrupt("JPEG frame header is cut short");
      header.height = static_cast<int>(Be16(payload, 1));
      header.width = static_cast<int>(Be16(payload, 3));
      // A zero height defers to a DNL marker, which no decoder we use supports.
      if (header.width == 0 || header.height == 0) {
        return Corrupt("JPEG frame header has a zero dimension");
      }
      return header;
    }
    at += length;
  }
}

Result<ImageHeader> ReadPngHeader(std::string_view b) {
  // Signature, then the IHDR chunk: length (13), "IHDR", width, height.
  if (b.size() < 8 + 8 + 8 || b.substr(12, 4) != "IHDR") return Corrupt("PNG has no IHDR");
  const uint32_t width = Be32(b, 16);
  const uint32_t height = Be32(b, 20);
  if (width == 0 || height == 0 || width > INT32_MAX || height > INT32_MAX) {
    return Corrupt("PNG dimensions are invalid");
  }
  return ImageHeader{.type = ImageType::kPng, .width = int(width), .height = int(height)};
}

Result<ImageHeader> ReadWebpHeader(std::string_view b) {
  // RIFF header (12 bytes), then the first chunk's FourCC and size (8 bytes).
  constexpr size_t kChunk = 12, kData = 20;
  if (b.size() < kData + 10) return Corrupt("WebP header is cut short");
  const std::string_view fourcc = b.substr(kChunk, 4);
  ImageHeader header{.type = ImageType::kWebp};
  if (fourcc == "VP8 ") {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (b.substr(kData + 3, 3) != "\x9d\x01\x2a") return Corrupt("VP8 start code missing");
    header.width = static_cast<int>(Le16(b, kData + 6) & 0x3FFF);
    header.height = static_cast<int>(Le16(b, kData + 8) & 0x3FFF);
  } else if (fourcc == "VP8L") {
    if (uint8_t(b[kData]) != 0x2F) return Corrupt("VP8L signature missing");
    const uint32_t bits = Le32(b, kData + 1);
    header.width = static_cast<int>((bits & 0x3FFF) + 1);
    header.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
  } else if (fourcc == "VP8X") {
    // Flags (4 bytes), then 24-bit canvas width - 1 and height - 1.
    header.width = static_cast<int>(Le24(b, kData + 4) + 1);
    header.height = static_cast<int>(Le24(b, kData + 7) + 1);
  } else {
    return Corrupt("WebP has an unknown first chunk");
  }
  if (header.width == 0 || header.height == 0) return Corrupt("WebP dimensions are invalid");
  return header;
}

}  // namespace

std::string_view ImageTypeName(ImageType type) {
  switch (type) {
    case ImageType::kJpeg:
      return "jpeg";
    case ImageType::kPng:
      return "png";
    case ImageType::kWebp:
      return "webp";
    case ImageType::kUnknown:
      break;
  }
  return "unknown";
}

ImageType SniffImageType(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return ImageType::kJpeg;
  if (b.starts_with(kPngMagic)) return ImageType::kPng;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    return ImageType::kWebp;
  }
  return ImageType::kUnknown;
}

Result<ImageHeader> ReadImageHeader(std::string_view bytes) {
  switch (SniffImageType(bytes)) {
    case ImageType::kJpeg:
      return ReadJpegHeader(bytes);
    case ImageType::kPng:
      return ReadPngHeader(bytes);
    case ImageType::kWebp:
      return ReadWebpHeader(bytes);
    case ImageType::kUnknown:
      break;
  }
  return Refuse(kUnsupportedImageType, "not a JPEG, PNG or WebP image");
}

Result<ImageHeader> CheckUpload(std::string_view bytes) {
  if (bytes.empty()) return Refuse(kMissingImage, "the photo is empty (0 bytes)");
  if (bytes.size() > kMaxUploadBytes) {
    return Status::ResourceExhausted(
        "the image is larger than " + std::to_string(kMaxUploadBytes / (1024 * 1024)) + " MiB",
        std::string(kImageTooLarge));
  }
  VMSG_ASSIGN_OR_RETURN(ImageHeader header, ReadImageHeader(bytes));
  if (int64_t(header.width) * header.height > kMaxImagePixels) {
    return Refuse(
        kImageTooManyPixels,
        "the image has more than " + std::to_string(kMaxImagePixels / 1'000'000) + " megapixels");
  }
  if (header.width < kMinImageSide || header.height < kMinImageSide) {
    return Refuse(kImageTooSmall, "the image is smaller than " + std::to_string(kMinImageSide) +
                                      "x" + std::to_string(kMinImageSide));
  }
  return header;
}

cv::Size ScaledSize(cv::Size size, double scale) {
  return cv::Size(std::max(1, int(std::lround(size.width * scale))),
                  std::max(1, int(std::lround(size.height * scale))));
}

cv::Mat ApplyOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);
      return out;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      return out;
    case 4:
      cv::flip(image, out, 0);
      return out;
    case 5:
      cv::transpose(image, out);
      return out;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:
      cv::transpose(image, out);
      cv::rotate(out, out, cv::ROTATE_180);
      return out;
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

Result<cv::Mat> DecodeUpload(std::string_view bytes, const DecodeOptions& options) {
  VMSG_ASSIGN_OR_RETURN(ImageHeader header, CheckUpload(bytes));
  int reduction = 1;
  if (header.type == ImageType::kJpeg && options.max_side > 0) {
    // libjpeg scales by 1/2, 1/4 or 1/8 while decoding: pick the largest that still leaves
    // at least max_side pixels, so the final resize only ever shrinks.
    const int side = std::max(header.width, header.height);
    for (int r : {8, 4, 2}) {
      if (side / r >= options.max_side) {
        reduction = r;
        break;
      }
    }
  }
  cv::Mat image;
  if (header.type == ImageType::kJpeg) {
    VMSG_ASSIGN_OR_RETURN(image, DecodeJpeg(bytes, reduction));
  } else if (header.type == ImageType::kPng) {
    VMSG_ASSIGN_OR_RETURN(image, DecodePng(bytes));
  } else {
    try {
      const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                           const_cast<char*>(bytes.data()));
      image = cv::imdecode(buffer, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (const cv::Exception& e) {
      return OpenCvError("the image cannot be decoded", e, &Status::InvalidArgument, kImageCorrupt);
    }
    if (image.empty()) return Corrupt("the image cannot be decoded");
  }
  // A decoder that produced other dimensions than the header claimed was given a lie.
  const int expected_w = (header.width + reduction - 1) / reduction;
  const int expected_h = (header.height + reduction - 1) / reduction;
  if (std::abs(image.cols - expected_w) > 1 || std::abs(image.rows - expected_h) > 1) {
    return Corrupt("the image's header and data disagree");
  }
  try {
    if (options.max_side > 0 && std::max(image.cols, image.rows) > options.max_side) {
      const double scale = double(options.max_side) / std::max(image.cols, image.rows);
      cv::resize(image, image, ScaledSize(image.size(), scale), 0, 0, cv::INTER_AREA);
    }
    return ApplyOrientation(image, header.orientation);
  } catch (const cv::Exception& e) {
    return OpenCvError("resizing the upload", e);
  }
}

Result<std::string> EncodeJpeg(const cv::Mat& image, int quality) {
  std::vector<uchar> out;
  const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, quality};
  if (!cv::imencode(".jpg", image, out, params)) return Status::Internal("JPEG encoding failed");
  return std::string(out.begin(), out.end());
}

Result<std::string> EncodePng(const cv::Mat& image) {
  std::vector<uchar> out;
  // Level 1: PNGs here are intermediate objects; speed matters more than a few percent.
  const std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, 1};
  if (!cv::imencode(".png", image, out, params)) return Status::Internal("PNG encoding failed");
  return std::string(out.begin(), out.end());
}

Result<cv::Mat> DecodeStored(std::string_view bytes, int flags) {
  cv::Mat image;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<char*>(bytes.data()));
    image = cv::imdecode(buffer, flags);
  } catch (const cv::Exception& e) {
    return OpenCvError("stored image cannot be decoded", e, &Status::DataLoss);
  }
  if (image.empty()) return Status::DataLoss("stored image cannot be decoded");
  return image;
}

}  // namespace vmsg::image
