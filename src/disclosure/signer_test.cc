// The signer's files (created once, key 0600, both or neither), its certificates (C2PA's
// profile), and COSE_Sign1: it verifies, and one changed byte of the claim breaks it.
#include "disclosure/signer.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>

#include "disclosure/cose.h"
#include "disclosure/openssl_util.h"
#include "disclosure/sample_mp4.h"

namespace vmsg::disclosure {
namespace {

class SignerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path cert() const { return dir_ / "keys" / "c2pa-cert.pem"; }
  std::filesystem::path key() const { return dir_ / "keys" / "c2pa-key.pem"; }

  std::filesystem::path dir_;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(SignerTest, CreatesTheFilesOnceThenLoadsThem) {
  auto first = Signer::LoadOrCreate(cert(), key());
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string cert_pem = ReadFile(cert());
  auto second = Signer::LoadOrCreate(cert(), key());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->chain_der(), first->chain_der());
  EXPECT_EQ(ReadFile(cert()), cert_pem);
  EXPECT_EQ(first->chain_der().size(), 2u);
  EXPECT_NE(first->subject().find("O=vmsg self-signed (untrusted)"), std::string::npos);

  struct stat st {};
  ASSERT_EQ(stat(key().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(key().string() + ".tmp"));
}

TEST_F(SignerTest, OneFileWithoutTheOtherIsAnError) {
  ASSERT_TRUE(Signer::LoadOrCreate(cert(), key()).ok());
  std::filesystem::remove(key());
  auto only_cert = Signer::LoadOrCreate(cert(), key());
  EXPECT_TRUE(only_cert.status().IsInvalidArgument());
  EXPECT_EQ(only_cert.status().reason(), "c2pa_signer_incomplete");
  EXPECT_FALSE(std::filesystem::exists(key()));  // nothing was created over it
}

TEST_F(SignerTest, LeafCertificateFitsC2paProfile) {
  auto signer = Signer::LoadOrCreate(cert(), key());
  ASSERT_TRUE(signer.ok());
  X509Ptr leaf = ParseDerCertificate(signer->chain_der()[0]);
  X509Ptr ca = ParseDerCertificate(signer->chain_der()[1]);
  ASSERT_TRUE(leaf && ca);
  EXPECT_EQ(X509_get_version(leaf.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_NE(X509_check_ca(ca.get()), 0);
  EXPECT_TRUE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(X509_get_key_usage(leaf.get()) & KU_KEY_CERT_SIGN);
  int critical = -1;
  void* ku = X509_get_ext_d2i(leaf.get(), NID_key_usage, &critical, nullptr);
  ASSERT_NE(ku, nullptr);
  ASN1_BIT_STRING_free(static_cast<ASN1_BIT_STRING*>(ku));
  EXPECT_EQ(critical, 1);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SMIME);
  EXPECT_EQ(X509_check_issued(ca.get(), leaf.get()), X509_V_OK);
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(ca.get())), 1);
  EXPECT_NE(X509_get0_authority_key_id(leaf.get()), nullptr);
}

TEST_F(SignerTest, FromPemRefusesWrongKeysAndCertificates) {
  ASSERT_TRUE(Signer::LoadOrCreate(cert(), key()).ok());
  const auto other = dir_ / "other";
  ASSERT_TRUE(Signer::LoadOrCreate(other / "c.pem", other / "k.pem").ok());
  EXPECT_EQ(Signer::FromPem(ReadFile(cert()), ReadFile(other / "k.pem")).status().reason(),
            "c2pa_key_invalid");
  EXPECT_EQ(Signer::FromPem("not a certificate", ReadFile(key())).status().reason(),
            "c2pa_cert_invalid");
  EXPECT_EQ(Signer::FromPem(ReadFile(cert()), "not a key").status().reason(), "c2pa_key_invalid");
  EXPECT_TRUE(Signer::FromPem(ReadFile(cert()), ReadFile(key())).ok());
}

TEST_F(SignerTest, CoseSign1VerifiesAndBreaksWhenTheClaimChanges) {
  auto signer = Signer::LoadOrCreate(cert(), key());
  ASSERT_TRUE(signer.ok());
  const std::string claim = cbor::Encode(
      cbor::Value::Map({{cbor::Value::Text("instanceID"), cbor::Value::Text("xmp:iid:1234")}}));
  auto cose = CoseSign1(claim, *signer);
  ASSERT_TRUE(cose.ok()) << cose.status();
  auto parts = ParseCoseSign1(*cose);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->alg, kCoseAlgEs256);
  EXPECT_EQ(parts->x5chain, signer->chain_der());
  EXPECT_EQ(parts->signature.size(), 64u);
  EXPECT_TRUE(VerifyCoseSign1(*parts, claim).ok());

  for (size_t i = 0; i < claim.size(); ++i) {
    std::string changed = claim;
    changed[i] ^= 0x01;
    EXPECT_EQ(VerifyCoseSign1(*parts, changed).reason(), "c2pa_signature_invalid") << i;
  }
  CoseSign1Parts bad_signature = *parts;
  bad_signature.signature[10] ^= 0x01;
  EXPECT_EQ(VerifyCoseSign1(bad_signature, claim).reason(), "c2pa_signature_invalid");
}

TEST_F(SignerTest, CoseSign1HasTheTaggedDetachedShape) {
  auto signer = Signer::LoadOrCreate(cert(), key());
  ASSERT_TRUE(signer.ok());
  auto cose = CoseSign1("payload", *signer);
  ASSERT_TRUE(cose.ok());
  auto top = cbor::Decode(*cose);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->kind(), cbor::Value::Kind::kTag);
  EXPECT_EQ(top->number(), kCoseSign1Tag);
  const auto& items = top->tag_content().items();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_TRUE(items[2].is_null());  // detached payload
  auto header = cbor::Decode(items[0].str());
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header->FindInt(kCoseHeaderAlg), cbor::Value::Int(-7));
  EXPECT_EQ(header->FindInt(kCoseHeaderX5Chain)->items().size(), 2u);
  EXPECT_EQ(ParseCoseSign1("\xd2\x80").status().reason(), "c2pa_signature_invalid");
}

}  // namespace
}  // namespace vmsg::disclosure
