// The disclosure XMP: its packet, and embedding in a real MP4 (which still plays) and a JPEG.
#include "disclosure/xmp.h"

#include <gtest/gtest.h>

#include "disclosure/bmff.h"
#include "disclosure/sample_mp4.h"
#include "video/mp4_probe.h"

namespace vmsg::disclosure {
namespace {

XmpFields Fields() {
  XmpFields f;
  f.creator_tool = "vmsg 0.1.0";
  f.create_unix_seconds = 1767225600;
  return f;
}

TEST(XmpTest, PacketCarriesTheDisclosure) {
  const std::string xmp = XmpPacket(Fields());
  EXPECT_TRUE(xmp.starts_with("<?xpacket begin=\"\xEF\xBB\xBF\""));
  EXPECT_TRUE(xmp.ends_with("<?xpacket end=\"r\"?>"));
  EXPECT_NE(xmp.find("<dc:format>video/mp4</dc:format>"), std::string::npos);
  EXPECT_NE(xmp.find("<rdf:li xml:lang=\"x-default\">AI-generated video"), std::string::npos);
  EXPECT_NE(xmp.find("<rdf:li xml:lang=\"ja\">"), std::string::npos);
  EXPECT_NE(xmp.find("<xmp:CreatorTool>vmsg 0.1.0</xmp:CreatorTool>"), std::string::npos);
  EXPECT_NE(xmp.find("<xmp:CreateDate>2026-01-01T00:00:00Z</xmp:CreateDate>"), std::string::npos);
  auto type = DigitalSourceTypeOf(xmp);
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(*type, kDigitalSourceTypeComposite);
}

TEST(XmpTest, EscapesText) {
  XmpFields f = Fields();
  f.creator_tool = "a<b>&\"c\"";
  f.description_ja.clear();
  const std::string xmp = XmpPacket(f);
  EXPECT_NE(xmp.find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
  EXPECT_EQ(xmp.find("xml:lang=\"ja\""), std::string::npos);
}

TEST(XmpTest, ReadsTheAttributeForm) {
  auto type = DigitalSourceTypeOf("<rdf:Description Iptc4xmpExt:DigitalSourceType=\"x:y\"/>");
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(*type, "x:y");
  EXPECT_EQ(DigitalSourceTypeOf("<x/>").status().reason(), "xmp_digital_source_type_missing");
}

TEST(XmpTest, Mp4GetsATopLevelUuidBoxAndStillPlays) {
  auto mp4 = testing::SampleMp4();
  ASSERT_TRUE(mp4.ok()) << mp4.status();
  const std::string xmp = XmpPacket(Fields());
  EXPECT_EQ(ReadXmpFromMp4(*mp4).status().reason(), "xmp_missing");
  auto with_xmp = AddXmpToMp4(*mp4, xmp);
  ASSERT_TRUE(with_xmp.ok()) << with_xmp.status();
  auto read = ReadXmpFromMp4(*with_xmp);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, xmp);
  EXPECT_EQ(*DigitalSourceTypeOf(*read), kDigitalSourceTypeComposite);
  EXPECT_EQ(AddXmpToMp4(*with_xmp, xmp).status().reason(), "xmp_present");

  auto before = video::ProbeMp4(*mp4);
  auto after = video::ProbeMp4(*with_xmp);
  ASSERT_TRUE(before.ok() && after.ok()) << after.status();
  EXPECT_EQ(after->duration_seconds, before->duration_seconds);
  EXPECT_EQ(after->video_frames, before->video_frames);
  std::vector<std::string> expected_boxes = before->boxes;
  expected_boxes.insert(expected_boxes.begin() + 1, "uuid");
  EXPECT_EQ(after->boxes, expected_boxes);
  auto frames_before = video::DecodeMp4Frames(*mp4, 3);
  auto frames_after = video::DecodeMp4Frames(*with_xmp, 3);
  ASSERT_TRUE(frames_before.ok() && frames_after.ok());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cv::norm((*frames_before)[i], (*frames_after)[i], cv::NORM_INF), 0) << i;
  }
}

// SOI, APP0 (JFIF), a DQT-shaped segment, SOS and a little scan data, EOI.
std::string HandMadeJpeg() {
  std::string jfif("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20);
  std::string dqt("\xFF\xDB\x00\x04\x00\x01", 6);
  std::string sos("\xFF\xDA\x00\x02\x12\x34\xFF\xD9", 8);
  return jfif + dqt + sos;
}

TEST(XmpTest, JpegGetsAnApp1AfterJfif) {
  const std::string jpeg = HandMadeJpeg();
  const std::string xmp = XmpPacket(Fields());
  auto with_xmp = AddXmpToJpeg(jpeg, xmp);
  ASSERT_TRUE(with_xmp.ok()) << with_xmp.status();
  EXPECT_EQ(with_xmp->substr(0, 20), jpeg.substr(0, 20));  // SOI and APP0 first
  EXPECT_EQ(with_xmp->substr(20, 2), "\xFF\xE1");
  const size_t length =
      (static_cast<uint8_t>((*with_xmp)[22]) << 8) | static_cast<uint8_t>((*with_xmp)[23]);
  EXPECT_EQ(length, 2 + 29 + xmp.size());
  EXPECT_EQ(with_xmp->substr(24, 29), std::string("http://ns.adobe.com/xap/1.0/\0", 29));
  EXPECT_EQ(with_xmp->substr(20 + 2 + length), jpeg.substr(20));
  auto read = ReadXmpFromJpeg(*with_xmp);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*DigitalSourceTypeOf(*read), kDigitalSourceTypeComposite);
}

TEST(XmpTest, JpegErrors) {
  EXPECT_EQ(ReadXmpFromJpeg(HandMadeJpeg()).status().reason(), "xmp_missing");
  EXPECT_EQ(AddXmpToJpeg("GIF89a", "x").status().reason(), "jpeg_invalid");
  EXPECT_EQ(AddXmpToJpeg(HandMadeJpeg().substr(0, 12), "x").status().reason(), "jpeg_invalid");
  EXPECT_EQ(AddXmpToJpeg(HandMadeJpeg(), std::string(70000, 'x')).status().reason(),
            "xmp_too_large");
}

}  // namespace
}  // namespace vmsg::disclosure
