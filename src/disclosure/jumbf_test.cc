// Box layout: JUMBF superboxes byte by byte, box splitting (64-bit and to-the-end sizes),
// chunk offsets moved when a box goes in after 'ftyp', and the BMFF v2 hash's input.
#include "disclosure/jumbf.h"

#include <gtest/gtest.h>

#include "disclosure/bmff.h"
#include "disclosure/openssl_util.h"

namespace vmsg::disclosure {
namespace {

std::string U32(uint32_t n) {
  std::string out;
  PutU32(n, out);
  return out;
}

std::string U64(uint64_t n) {
  std::string out;
  PutU64(n, out);
  return out;
}

TEST(JumbfTest, MakeBoxWritesSizeTypeAndPayload) {
  EXPECT_EQ(MakeBox("free", "abc"), U32(11) + "free" + "abc");
}

TEST(JumbfTest, SuperBoxHasADescriptionThenItsContents) {
  const std::string type = UuidBytes("63626F72-0011-0010-8000-00AA00389B71");
  ASSERT_EQ(type.size(), 16u);
  EXPECT_EQ(type.substr(0, 4), "cbor");
  const std::string content = MakeBox("cbor", "\xa0");
  const std::string box = MakeSuperBox(type, "c2pa.test", content);
  // jumd: header (8) + UUID (16) + toggles (1) + label and NUL (10) = 35.
  const std::string jumd = U32(35) + "jumd" + type + "\x03" + std::string("c2pa.test\0", 10);
  EXPECT_EQ(box, U32(8 + 35 + 9) + "jumb" + jumd + content);

  auto boxes = SplitBoxes(box);
  ASSERT_TRUE(boxes.ok());
  ASSERT_EQ(boxes->size(), 1u);
  auto super = ParseSuperBox((*boxes)[0]);
  ASSERT_TRUE(super.ok()) << super.status();
  EXPECT_EQ(super->type_uuid, type);
  EXPECT_EQ(super->toggles, kJumdRequestableWithLabel);
  EXPECT_EQ(super->label, "c2pa.test");
  ASSERT_EQ(super->contents.size(), 1u);
  EXPECT_EQ(super->contents[0].type, "cbor");
  EXPECT_EQ(super->contents[0].payload, "\xa0");
  EXPECT_EQ(super->payload, std::string_view(box).substr(8));
}

TEST(JumbfTest, FindsSuperBoxesByLabel) {
  const std::string type = UuidBytes("6332636C-0011-0010-8000-00AA00389B71");
  const std::string both = MakeSuperBox(type, "one", "") + MakeSuperBox(type, "two", "");
  auto boxes = SplitBoxes(both);
  ASSERT_TRUE(boxes.ok());
  auto two = FindSuperBox(*boxes, "two");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->label, "two");
  EXPECT_EQ(FindSuperBox(*boxes, "three").status().reason(), "jumbf_missing");
}

TEST(JumbfTest, RefusesBrokenSuperBoxes) {
  // The views point into the bytes, which must outlive them.
  const std::string bare = MakeBox("jumb", MakeBox("cbor", ""));
  auto no_description = SplitBoxes(bare);
  ASSERT_TRUE(no_description.ok());
  EXPECT_EQ(ParseSuperBox((*no_description)[0]).status().reason(), "jumbf_invalid");
  const std::string unterminated =
      MakeBox("jumb", MakeBox("jumd", std::string(16, 'u') + "\x03" + "label"));
  auto boxes = SplitBoxes(unterminated);
  ASSERT_TRUE(boxes.ok());
  EXPECT_EQ(ParseSuperBox((*boxes)[0]).status().reason(), "jumbf_invalid");
}

TEST(JumbfTest, SplitsLargeAndToTheEndSizes) {
  const std::string large = U32(1) + "mdat" + U64(16 + 3) + "xyz";
  const std::string to_end = U32(0) + "free" + "rest";
  const std::string both = large + to_end;
  auto boxes = SplitBoxes(both);
  ASSERT_TRUE(boxes.ok()) << boxes.status();
  ASSERT_EQ(boxes->size(), 2u);
  EXPECT_EQ((*boxes)[0].payload, "xyz");
  EXPECT_EQ((*boxes)[1].offset, large.size());
  EXPECT_EQ((*boxes)[1].payload, "rest");
}

TEST(JumbfTest, RefusesSizesOutsideTheData) {
  EXPECT_EQ(SplitBoxes(U32(100) + "free").status().reason(), "box_invalid");
  EXPECT_EQ(SplitBoxes(U32(4) + "free").status().reason(), "box_invalid");
  EXPECT_EQ(SplitBoxes("abc", "mp4_invalid").status().reason(), "mp4_invalid");
}

// ftyp, moov with one 'stco' (two chunks) and one 'co64' (one chunk), then mdat.
std::string HandMadeMp4(uint32_t mdat_at) {
  const std::string stco = MakeBox("stco", U32(0) + U32(2) + U32(mdat_at + 8) + U32(mdat_at + 12));
  const std::string co64 = MakeBox("co64", U32(0) + U32(1) + U64(mdat_at + 10));
  const std::string trak = [](const std::string& table) {
    return MakeBox("trak", MakeBox("mdia", MakeBox("minf", MakeBox("stbl", table))));
  }(stco);
  const std::string trak2 =
      MakeBox("trak", MakeBox("mdia", MakeBox("minf", MakeBox("stbl", co64))));
  return MakeBox("ftyp", "isom") + MakeBox("moov", trak + trak2) + MakeBox("mdat", "0123456789");
}

TEST(BmffTest, InsertingAfterFtypMovesEveryChunkOffset) {
  const std::string probe = HandMadeMp4(0);
  const auto mdat_at = static_cast<uint32_t>(probe.size() - 18);
  const std::string mp4 = HandMadeMp4(mdat_at);
  const std::string inserted = MakeBox("free", "pad");  // 11 bytes
  auto out = InsertAfterFtyp(mp4, inserted);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, MakeBox("ftyp", "isom") + inserted +
                      HandMadeMp4(mdat_at + 11).substr(MakeBox("ftyp", "isom").size()));
  auto boxes = Mp4TopLevelBoxes(*out);
  ASSERT_TRUE(boxes.ok());
  ASSERT_EQ(boxes->size(), 4u);
  EXPECT_EQ((*boxes)[1].type, "free");
  EXPECT_EQ((*boxes)[3].offset, mdat_at + 11);
}

TEST(BmffTest, RefusesFilesThatDoNotStartWithFtyp) {
  EXPECT_EQ(InsertAfterFtyp(MakeBox("moov", ""), "").status().reason(), "mp4_invalid");
  EXPECT_EQ(Mp4TopLevelBoxes("").status().reason(), "mp4_invalid");
}

TEST(BmffTest, RefusesA32BitOffsetThatWouldOverflow) {
  const std::string stco = MakeBox("stco", U32(0) + U32(1) + U32(0xfffffff0u));
  const std::string mp4 =
      MakeBox("ftyp", "isom") +
      MakeBox("moov", MakeBox("trak", MakeBox("mdia", MakeBox("minf", MakeBox("stbl", stco)))));
  EXPECT_EQ(InsertAfterFtyp(mp4, MakeBox("free", std::string(64, ' '))).status().reason(),
            "mp4_too_large");
}

TEST(BmffTest, HashV2CoversOffsetsAndBytesOfBoxesNotExcluded) {
  const std::string c2pa = MakeBox("uuid", C2paBoxUuid() + "manifest");
  const std::string other_uuid = MakeBox("uuid", XmpBoxUuid() + "<x/>");
  const std::string ftyp = MakeBox("ftyp", "isom");
  const std::string moov = MakeBox("moov", "m");
  const std::string mdat = MakeBox("mdat", "data");
  const std::string file = ftyp + c2pa + other_uuid + moov + mdat;
  auto boxes = Mp4TopLevelBoxes(file);
  ASSERT_TRUE(boxes.ok());

  Sha256Hasher expected;
  uint64_t at = ftyp.size() + c2pa.size();
  for (const std::string& box : {other_uuid, moov, mdat}) {
    expected.Update(U64(at));
    expected.Update(box);
    at += box.size();
  }
  EXPECT_EQ(BmffHashV2(*boxes, StandardExclusions()), expected.Finish());
  // Without exclusions the ftyp and the manifest box count too.
  EXPECT_NE(BmffHashV2(*boxes, {}), BmffHashV2(*boxes, StandardExclusions()));
}

}  // namespace
}  // namespace vmsg::disclosure
