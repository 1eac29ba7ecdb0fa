// The upload decoders on real encoded files and on hostile ones made from them: a scan
// bomb, a JPEG cut short and closed again, damaged chunks whose warnings must stay quiet,
// CMYK, transparency and 16-bit PNGs.
#include "image/image_decoders.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include "image/image_io.h"
#include "testing/gradient_for_test.h"

namespace vmsg::image {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::GetCapturedStderr;

std::string Encode(const cv::Mat& image, const std::string& ext,
                   const std::vector<int>& params = {}) {
  std::vector<uchar> out;
  EXPECT_TRUE(cv::imencode(ext, image, out, params));
  return std::string(out.begin(), out.end());
}

std::string ProgressiveJpeg(const cv::Mat& image) {
  return Encode(image, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
}

// A PNG chunk with a CRC that is `crc` (not computed: tests use a wrong one on purpose).
std::string Chunk(const std::string& type, const std::string& data, uint32_t crc) {
  std::string out;
  for (uint32_t v : {uint32_t(data.size())}) {
    for (int shift : {24, 16, 8, 0}) out += char((v >> shift) & 0xFF);
  }
  out += type + data;
  for (int shift : {24, 16, 8, 0}) out += char((crc >> shift) & 0xFF);
  return out;
}

// A CMYK JPEG as Photoshop writes it (Adobe marker, values inverted: 255 is no ink).
std::string CmykJpeg(int w, int h, const unsigned char cmyk[4]) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr errors{};
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = JDIMENSION(w);
  cinfo.image_height = JDIMENSION(h);
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<unsigned char> row(size_t(w) * 4);
  for (int x = 0; x < w; ++x) std::copy(cmyk, cmyk + 4, row.begin() + x * 4);
  while (cinfo.next_scanline < cinfo.image_height) {
    unsigned char* p = row.data();
    jpeg_write_scanlines(&cinfo, &p, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  std::free(buffer);
  return out;
}

TEST(ImageDecodersTest, DecodesBaselineAndProgressiveJpegsAtEveryScale) {
  const cv::Mat image = test::Gradient(400, 240);
  for (const std::string& jpeg : {Encode(image, ".jpg"), ProgressiveJpeg(image)}) {
    for (int reduction : {1, 2, 4, 8}) {
      auto decoded = DecodeJpeg(jpeg, reduction);
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(decoded->cols, 400 / reduction);
      EXPECT_EQ(decoded->rows, 240 / reduction);
      EXPECT_EQ(decoded->type(), CV_8UC3);
    }
    // The same pixels OpenCV gives, channel order included.
    auto full = DecodeJpeg(jpeg, 1);
    const cv::Mat reference = cv::imdecode(
        cv::Mat(1, int(jpeg.size()), CV_8UC1, const_cast<char*>(jpeg.data())), cv::IMREAD_COLOR);
    EXPECT_LE(cv::norm(*full, reference, cv::NORM_INF), 1.0);
  }
}

// The first scan of `jpeg` that sends AC coefficients for the first time (Ss > 0, Ah = 0):
// its bits decode the same whatever came before, so it can be repeated. From its SOS
// marker to the next marker that is not a restart or a stuffed zero.
std::string FirstPassAcScan(const std::string& jpeg) {
  for (size_t at = jpeg.find("\xFF\xDA"); at != std::string::npos;
       at = jpeg.find("\xFF\xDA", at + 2)) {
    const size_t length = (uint8_t(jpeg[at + 2]) << 8) | uint8_t(jpeg[at + 3]);
    const size_t components = uint8_t(jpeg[at + 4]);
    const size_t spectral = at + 5 + 2 * components;
    const int ss = uint8_t(jpeg[spectral]), ah = uint8_t(jpeg[spectral + 2]) >> 4;
    if (ss == 0 || ah != 0) continue;
    size_t end = at + 2 + length;
    while (end + 1 < jpeg.size()) {
      const auto next = uint8_t(jpeg[end + 1]);
      if (uint8_t(jpeg[end]) == 0xFF && next != 0x00 && (next < 0xD0 || next > 0xD7)) break;
      ++end;
    }
    return jpeg.substr(at, end - at);
  }
  return "";
}

// A progressive JPEG with one scan repeated: libjpeg decodes every repeat over the whole
// image (a warning only), so thousands of them take minutes. Refused once past the limit.
TEST(ImageDecodersTest, AScanBombIsRefusedAtTheScanLimit) {
  const std::string jpeg = ProgressiveJpeg(test::Gradient(256, 256));
  const size_t end = jpeg.rfind("\xFF\xD9");
  const std::string scan = FirstPassAcScan(jpeg);
  ASSERT_FALSE(scan.empty());
  std::string within = jpeg.substr(0, end), bomb = within;
  for (int i = 0; i < 20; ++i) within += scan;
  for (int i = 0; i < 5 * kMaxJpegScans; ++i) bomb += scan;
  within += "\xFF\xD9";
  bomb += "\xFF\xD9";

  CaptureStderr();
  auto tolerated = DecodeJpeg(within, 1);
  auto refused = DecodeJpeg(bomb, 1);
  EXPECT_EQ(GetCapturedStderr(), "");
  EXPECT_TRUE(tolerated.ok()) << tolerated.status() << " " << tolerated.status().message();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), kImageCorrupt);
  EXPECT_NE(refused.status().message().find("scans"), std::string::npos)
      << refused.status().message();
  // Through the upload path too, at a reduced scale.
  EXPECT_EQ(DecodeUpload(bomb, {.max_side = 64}).status().reason(), kImageCorrupt);
}

TEST(ImageDecodersTest, AJpegCutShortIsCorruptEvenWhenClosedAgain) {
  const std::string jpeg = Encode(test::Gradient(300, 300), ".jpg");
  const std::string cut = jpeg.substr(0, jpeg.size() / 2);
  for (const std::string& bytes : {cut, cut + "\xFF\xD9"}) {
    CaptureStderr();
    auto decoded = DecodeJpeg(bytes, 1);
    EXPECT_EQ(GetCapturedStderr(), "");
    EXPECT_EQ(decoded.status().reason(), kImageCorrupt) << bytes.size();
    EXPECT_EQ(DecodeUpload(bytes).status().reason(), kImageCorrupt) << bytes.size();
  }
}

// Warnings a viewer shrugs off: decoded, and nothing written to stderr outside the logger.
TEST(ImageDecodersTest, HarmlessDamageDecodesQuietly) {
  const std::string jpeg = Encode(test::Gradient(200, 120), ".jpg");
  const std::string padded = jpeg.substr(0, jpeg.size() - 2) + "xyz" + "\xFF\xD9";
  const std::string png = Encode(test::Gradient(200, 120), ".png");
  // An ancillary text chunk with a wrong CRC, after IHDR (8 + 25 bytes).
  const std::string bad_text = png.substr(0, 33) +
                               Chunk("tEXt", std::string("Comment\0hi", 10), 0x12345678) +
                               png.substr(33);
  CaptureStderr();
  auto from_jpeg = DecodeUpload(padded);
  auto from_png = DecodeUpload(bad_text);
  const std::string printed = GetCapturedStderr();
  EXPECT_EQ(printed, "");
  ASSERT_TRUE(from_jpeg.ok()) << from_jpeg.status();
  ASSERT_TRUE(from_png.ok()) << from_png.status();
  EXPECT_EQ(from_png->size(), cv::Size(200, 120));
  EXPECT_EQ(cv::norm(*from_png, test::Gradient(200, 120), cv::NORM_INF), 0.0);
}

TEST(ImageDecodersTest, APngCutShortOrWithABadCriticalChunkIsCorrupt) {
  const std::string png = Encode(test::Gradient(200, 120), ".png");
  std::string bad_idat = png;
  const size_t idat = bad_idat.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  bad_idat[idat + 10] = char(bad_idat[idat + 10] ^ 0x55);  // the IDAT CRC no longer matches
  CaptureStderr();
  for (const std::string& bytes : {png.substr(0, png.size() / 2), bad_idat}) {
    auto decoded = DecodePng(bytes);
    EXPECT_EQ(decoded.status().reason(), kImageCorrupt) << bytes.size();
  }
  EXPECT_EQ(GetCapturedStderr(), "");
}

TEST(ImageDecodersTest, CmykJpegsComeOutInTheirColours) {
  const unsigned char cyan[4] = {0, 255, 255, 255};  // full cyan ink, nothing else
  auto decoded = DecodeJpeg(CmykJpeg(64, 64, cyan), 1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const cv::Scalar mean = cv::mean(*decoded);
  EXPECT_GT(mean[0], 240);  // blue
  EXPECT_GT(mean[1], 240);  // green
  EXPECT_LT(mean[2], 15);   // no red
}

TEST(ImageDecodersTest, TransparencyIsWhiteAndSixteenBitsLookLikeEight) {
  cv::Mat rgba(80, 80, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  rgba(cv::Rect(0, 0, 40, 80)).setTo(cv::Scalar(0, 0, 255, 255));  // opaque red on the left
  auto decoded = DecodePng(Encode(rgba, ".png"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->at<cv::Vec3b>(40, 10), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(decoded->at<cv::Vec3b>(40, 70), cv::Vec3b(255, 255, 255));

  const cv::Mat eight = test::Gradient(120, 90);
  cv::Mat sixteen;
  eight.convertTo(sixteen, CV_16UC3, 257.0);
  auto wide = DecodePng(Encode(sixteen, ".png"));
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_LE(cv::norm(*wide, eight, cv::NORM_INF), 1.0);
}

}  // namespace
}  // namespace vmsg::image
