// Header parsing, limits and decoding on real encoded files and real malformed ones.
#include "image/image_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "testing/gradient_for_test.h"

namespace vmsg::image {
namespace {

std::string Encode(const cv::Mat& image, const std::string& ext) {
  std::vector<uchar> out;
  EXPECT_TRUE(cv::imencode(ext, image, out));
  return std::string(out.begin(), out.end());
}

// A JPEG with an EXIF APP1 segment holding only the orientation tag, spliced after SOI.
std::string WithExifOrientation(const std::string& jpeg, int orientation) {
  std::string tiff("MM\0\x2a\0\0\0\x08", 8);           // big-endian, first IFD at 8
  tiff += std::string("\0\x01", 2);                    // one entry
  tiff += std::string("\x01\x12\0\x03\0\0\0\x01", 8);  // orientation, SHORT, count 1
  tiff += std::string("\0", 1) + char(orientation) + std::string("\0\0", 2);
  tiff += std::string("\0\0\0\0", 4);  // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  std::string app1 = "\xFF\xE1";
  app1 += char(length >> 8);
  app1 += char(length & 0xFF);
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

TEST(ImageIoTest, ReadsDimensionsFromEveryFormatsHeader) {
  const cv::Mat image = test::Gradient(320, 200);
  for (const auto& [ext, type] : {std::pair{".jpg", ImageType::kJpeg},
                                  {".png", ImageType::kPng},
                                  {".webp", ImageType::kWebp}}) {
    auto header = ReadImageHeader(Encode(image, ext));
    ASSERT_TRUE(header.ok()) << ext << " " << header.status();
    EXPECT_EQ(header->type, type) << ext;
    EXPECT_EQ(header->width, 320) << ext;
    EXPECT_EQ(header->height, 200) << ext;
  }
  // Lossless WebP has its own header (VP8L).
  auto lossless = ReadImageHeader([&] {
    std::vector<uchar> out;
    EXPECT_TRUE(cv::imencode(".webp", image, out, {cv::IMWRITE_WEBP_QUALITY, 101}));
    return std::string(out.begin(), out.end());
  }());
  ASSERT_TRUE(lossless.ok()) << lossless.status();
  EXPECT_EQ(lossless->width, 320);
  EXPECT_EQ(lossless->height, 200);
}

TEST(ImageIoTest, AppliesExifOrientationAndStripsMetadata) {
  // A landscape picture whose left half is black: orientation 6 (rotate 90° clockwise) makes
  // it portrait with the black half on top.
  cv::Mat image(100, 200, CV_8UC3, cv::Scalar(255, 255, 255));
  image(cv::Rect(0, 0, 100, 100)).setTo(cv::Scalar(0, 0, 0));
  const std::string jpeg = WithExifOrientation(Encode(image, ".jpg"), 6);
  auto header = ReadImageHeader(jpeg);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->orientation, 6);
  auto decoded = DecodeUpload(jpeg);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->cols, 100);
  EXPECT_EQ(decoded->rows, 200);
  EXPECT_LT(cv::mean((*decoded)(cv::Rect(0, 0, 100, 90)))[0], 30);
  EXPECT_GT(cv::mean((*decoded)(cv::Rect(0, 110, 100, 90)))[0], 220);

  auto encoded = EncodeJpeg(*decoded);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->find("Exif"), std::string::npos);
  EXPECT_EQ(ReadImageHeader(*encoded)->orientation, 1);
}

// Found by image_header_fuzz: a frame header with zero width and height was accepted.
TEST(ImageIoTest, AJpegFrameWithAZeroDimensionIsCorrupt) {
  std::string jpeg("\xff\xd8\xff\xc0\x00\x11\x08", 7);
  for (const auto& [height, width] : std::vector<std::pair<int, int>>{{0, 0}, {0, 640}, {480, 0}}) {
    std::string bytes = jpeg;
    bytes += static_cast<char>(height >> 8);
    bytes += static_cast<char>(height & 0xff);
    bytes += static_cast<char>(width >> 8);
    bytes += static_cast<char>(width & 0xff);
    bytes += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9", 12);
    auto header = ReadImageHeader(bytes);
    EXPECT_EQ(header.status().reason(), kImageCorrupt) << height << "x" << width;
  }
}

TEST(ImageIoTest, DecodesAtAReducedScaleWhenAsked) {
  auto decoded = DecodeUpload(Encode(test::Gradient(2000, 1000), ".jpg"), {.max_side = 600});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->cols, 600);
  EXPECT_EQ(decoded->rows, 300);
}

void ExpectRefused(const std::string& bytes, std::string_view reason) {
  auto decoded = DecodeUpload(bytes);
  ASSERT_FALSE(decoded.ok()) << reason;
  // A photo's size is refused as every route refuses a body's (HTTP 413); the rest is 400.
  if (reason == kImageTooLarge) {
    EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
  } else {
    EXPECT_TRUE(decoded.status().IsInvalidArgument());
  }
  EXPECT_EQ(decoded.status().reason(), reason) << decoded.status();
}

TEST(ImageIoTest, RefusesEveryKindOfBadFileWithItsOwnCode) {
  const std::string jpeg = Encode(test::Gradient(300, 300), ".jpg");
  ExpectRefused(jpeg.substr(0, jpeg.size() / 2), kImageCorrupt);
  ExpectRefused("", kMissingImage);
  ExpectRefused("just some text, named photo.jpg\n", kUnsupportedImageType);
  // GIF89a, 1x1.
  ExpectRefused(std::string("GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,"
                            "\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0;",
                            43),
                kUnsupportedImageType);
  ExpectRefused(Encode(test::Gradient(32, 200), ".png"), kImageTooSmall);
  // A PNG whose IHDR claims 100000x100000: refused from the header alone.
  std::string bomb = Encode(test::Gradient(64, 64), ".png");
  for (int at : {16, 20}) {
    bomb[at] = 0;
    bomb[at + 1] = 0x01;
    bomb[at + 2] = char(0x86);
    bomb[at + 3] = char(0xA0);
  }
  ExpectRefused(bomb, kImageTooManyPixels);
  // Noise does not compress: 2000x2000 RGB as PNG is about 12 MB.
  cv::Mat noise(2000, 2000, CV_8UC3);
  cv::randu(noise, 0, 256);
  const std::string big = Encode(noise, ".png");
  ASSERT_GT(big.size(), kMaxUploadBytes);
  ExpectRefused(big, kImageTooLarge);
}

// Headers are parsed from whatever a client sends: mutated and truncated real files must give
// a value or a refusal, never a crash or a hang.
TEST(ImageIoTest, MutatedFilesAreRefusedOrDecodedNeverCrash) {
  std::vector<std::string> seeds;
  for (const char* ext : {".jpg", ".png", ".webp"})
    seeds.push_back(Encode(test::Gradient(96, 80), ext));
  seeds.push_back(WithExifOrientation(seeds[0], 3));
  cv::RNG rng(12345);
  constexpr int kMutationsPerSeed = 400;
  for (const std::string& seed : seeds) {
    for (int i = 0; i < kMutationsPerSeed; ++i) {
      std::string bytes = seed;
      // Damage mostly the first bytes, where the headers are.
      const int flips = 1 + rng.uniform(0, 4);
      for (int f = 0; f < flips; ++f) {
        const size_t at = size_t(rng.uniform(0, std::min<int>(int(bytes.size()), 64)));
        bytes[at] = char(rng.uniform(0, 256));
      }
      if (rng.uniform(0, 4) == 0) bytes.resize(size_t(rng.uniform(0, int(bytes.size()))));
      auto header = ReadImageHeader(bytes);
      if (!header.ok()) {
        EXPECT_TRUE(header.status().IsInvalidArgument());
        continue;
      }
      auto decoded = DecodeUpload(bytes, {.max_side = 64});
      if (decoded.ok()) {
        EXPECT_EQ(decoded->type(), CV_8UC3);
      } else {
        EXPECT_TRUE(decoded.status().IsInvalidArgument()) << decoded.status();
      }
    }
  }
}

}  // namespace
}  // namespace vmsg::image
