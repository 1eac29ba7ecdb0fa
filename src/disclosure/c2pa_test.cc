// C2PA in a real MP4 from the pipeline's writer: signed then verified, still playable with the
// same duration and pictures, and each kind of tampering caught by the right check.
#include "disclosure/c2pa.h"

#include <gtest/gtest.h>

#include "disclosure/bmff.h"
#include "disclosure/sample_mp4.h"
#include "disclosure/xmp.h"
#include "video/mp4_probe.h"

namespace vmsg::disclosure {
namespace {

class C2paTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(testing::MakeTempDir());
    auto mp4 = testing::SampleMp4();
    ASSERT_TRUE(mp4.ok()) << mp4.status();
    plain_ = new std::string(*mp4);
    auto signed_mp4 = testing::SignedSample(*dir_);
    ASSERT_TRUE(signed_mp4.ok()) << signed_mp4.status();
    signed_ = new std::string(*signed_mp4);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete plain_;
    delete signed_;
  }

  // The signed file with the byte at the first occurrence of `marker` (+ `skip`) changed.
  static std::string Tampered(std::string_view marker, size_t skip = 0) {
    std::string out = *signed_;
    const size_t at = out.find(marker);
    EXPECT_NE(at, std::string::npos) << marker;
    EXPECT_EQ(out.find(marker, at + 1), std::string::npos) << marker << " is not unique";
    out[at + skip] ^= 0x01;
    return out;
  }

  static std::filesystem::path* dir_;
  static std::string* plain_;
  static std::string* signed_;
};

std::filesystem::path* C2paTest::dir_ = nullptr;
std::string* C2paTest::plain_ = nullptr;
std::string* C2paTest::signed_ = nullptr;

TEST_F(C2paTest, SignedFileVerifies) {
  auto v = VerifyMp4(*signed_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->manifest_label, "urn:c2pa:" + testing::SampleProvenance().manifest_uuid);
  EXPECT_EQ(v->claim_generator, "vmsg 0.1.0");
  EXPECT_EQ(v->actions, (std::vector<std::string>{"c2pa.created", "c2pa.placed"}));
  EXPECT_EQ(v->digital_source_type, kDigitalSourceTypeComposite);
  EXPECT_EQ(v->ingredient_title, "photo.jpg");
  EXPECT_NE(v->signer_subject.find("vmsg self-signed (untrusted)"), std::string::npos);
  EXPECT_TRUE(v->self_signed_chain);
  EXPECT_FALSE(v->trusted);
  EXPECT_EQ(v->checks,
            (std::vector<std::string>{"claimSignature.validated", "signingCredential.untrusted",
                                      "assertion.hashedURI.match", "assertion.bmffHash.match"}));
}

TEST_F(C2paTest, ManifestBoxComesRightAfterFtypAndTheXmpStays) {
  auto boxes = Mp4TopLevelBoxes(*signed_);
  auto plain_boxes = Mp4TopLevelBoxes(*plain_);
  ASSERT_TRUE(boxes.ok() && plain_boxes.ok());
  ASSERT_EQ(boxes->size(), plain_boxes->size() + 2);
  EXPECT_EQ((*boxes)[0].type, "ftyp");
  EXPECT_EQ((*boxes)[1].user_type, C2paBoxUuid());
  EXPECT_EQ((*boxes)[1].payload.substr(0, 13), std::string("\0\0\0\0manifest\0", 13));
  EXPECT_EQ((*boxes)[2].user_type, XmpBoxUuid());
  for (size_t i = 1; i < plain_boxes->size(); ++i) {
    EXPECT_EQ((*boxes)[i + 2].type, (*plain_boxes)[i].type);  // moov, free, mdat as written
  }
  auto xmp = ReadXmpFromMp4(*signed_);
  ASSERT_TRUE(xmp.ok());
  EXPECT_EQ(*DigitalSourceTypeOf(*xmp), kDigitalSourceTypeComposite);
}

TEST_F(C2paTest, SignedFileStillPlaysTheSame) {
  auto before = video::ProbeMp4(*plain_);
  auto after = video::ProbeMp4(*signed_);
  ASSERT_TRUE(before.ok() && after.ok()) << after.status();
  EXPECT_EQ(after->duration_seconds, before->duration_seconds);
  EXPECT_GT(after->duration_seconds, 0.9);
  EXPECT_EQ(after->video_frames, before->video_frames);
  EXPECT_EQ(after->audio_codec, "aac");
  EXPECT_TRUE(after->moov_before_mdat());
  // The chunk offsets were moved: the pictures decode exactly as before.
  auto frames_before = video::DecodeMp4Frames(*plain_, 5);
  auto frames_after = video::DecodeMp4Frames(*signed_, 5);
  ASSERT_TRUE(frames_before.ok() && frames_after.ok());
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(cv::norm((*frames_before)[i], (*frames_after)[i], cv::NORM_INF), 0) << i;
  }
}

TEST_F(C2paTest, ChangedMediaDataFailsTheHash) {
  auto boxes = Mp4TopLevelBoxes(*signed_);
  ASSERT_TRUE(boxes.ok());
  std::string changed = *signed_;
  ASSERT_EQ(boxes->back().type, "mdat");
  changed[boxes->back().offset + 100] ^= 0x01;
  EXPECT_EQ(VerifyMp4(changed).status().reason(), "c2pa_hash_mismatch");
}

TEST_F(C2paTest, ChangedXmpFailsTheHash) {
  EXPECT_EQ(VerifyMp4(Tampered("AI-generated video")).status().reason(), "c2pa_hash_mismatch");
}

TEST_F(C2paTest, ChangedClaimFailsTheSignature) {
  // "message.mp4" is the claim's dc:title and appears nowhere else.
  EXPECT_EQ(VerifyMp4(Tampered("message.mp4")).status().reason(), "c2pa_signature_invalid");
}

TEST_F(C2paTest, ChangedAssertionFailsItsHashedUri) {
  // "photo.jpg" is the ingredient's title and appears nowhere else.
  EXPECT_EQ(VerifyMp4(Tampered("photo.jpg")).status().reason(), "c2pa_assertion_hash_mismatch");
}

TEST_F(C2paTest, AnotherSignersCertificateFailsTheSignature) {
  auto own = Signer::LoadOrCreate(*dir_ / "c2pa-cert.pem", *dir_ / "c2pa-key.pem");
  ASSERT_TRUE(own.ok());
  const std::string& mine = own->chain_der()[0];
  // Swap the leaf certificate's bytes in place, for another signer's leaf of the same size
  // (DER lengths vary by a byte or two with the serial and the CA's signature: make signers
  // until one matches).
  std::string theirs;
  for (int i = 0; i < 50 && theirs.size() != mine.size(); ++i) {
    const std::filesystem::path other_dir = *dir_ / ("other" + std::to_string(i));
    auto other = Signer::LoadOrCreate(other_dir / "c.pem", other_dir / "k.pem");
    ASSERT_TRUE(other.ok());
    theirs = other->chain_der()[0];
  }
  ASSERT_EQ(theirs.size(), mine.size()) << "no other signer's leaf of the same size in 50";
  std::string changed = *signed_;
  const size_t at = changed.find(mine);
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, mine.size(), theirs);
  EXPECT_EQ(VerifyMp4(changed).status().reason(), "c2pa_signature_invalid");
}

TEST_F(C2paTest, UnsignedFileHasNoManifest) {
  EXPECT_EQ(VerifyMp4(*plain_).status().reason(), "c2pa_missing");
  EXPECT_EQ(VerifyMp4("not an mp4").status().reason(), "mp4_invalid");
}

TEST_F(C2paTest, SigningTwiceIsRefused) {
  auto signer = Signer::LoadOrCreate(*dir_ / "c2pa-cert.pem", *dir_ / "c2pa-key.pem");
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(SignMp4(*signed_, testing::SampleProvenance(), *signer).status().reason(),
            "c2pa_present");
}

TEST_F(C2paTest, SignsWithoutXmpToo) {
  auto signer = Signer::LoadOrCreate(*dir_ / "c2pa-cert.pem", *dir_ / "c2pa-key.pem");
  ASSERT_TRUE(signer.ok());
  auto signed_plain = SignMp4(*plain_, testing::SampleProvenance(), *signer);
  ASSERT_TRUE(signed_plain.ok()) << signed_plain.status();
  EXPECT_TRUE(VerifyMp4(*signed_plain).ok());
}

}  // namespace
}  // namespace vmsg::disclosure
