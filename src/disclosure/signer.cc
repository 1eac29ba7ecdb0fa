// Signer: loading a PEM chain and key, creating a self-made chain, and ES256 signatures in
// COSE's raw r || s form (OpenSSL produces and expects DER ECDSA-Sig-Value).
#include "disclosure/signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "base/env.h"
#include "base/files.h"
#include "disclosure/openssl_util.h"

namespace vmsg::disclosure {
namespace {

constexpr size_t kP256CoordinateSize = 32;
constexpr size_t kSerialBits = 127;  // positive, under 20 bytes (RFC 5280 section 4.1.2.2)
constexpr long kBackdateSeconds = 3600;
constexpr long kSecondsPerDay = 86400;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kCertFileMode = 0644;

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

std::string ToDer(X509* cert) {
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), size > 0 ? size : 0);
  OPENSSL_free(der);
  return out;
}

Result<std::vector<X509Ptr>> ReadPemChain(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> chain;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    chain.emplace_back(cert);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (chain.empty()) {
    return Status::InvalidArgument("no PEM certificate in the chain", "c2pa_cert_invalid");
  }
  return chain;
}

bool IsP256(EVP_PKEY* key) {
  char group[64] = {};
  size_t size = 0;
  return EVP_PKEY_is_a(key, "EC") &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &size) == 1 &&
         std::string_view(group) == "prime256v1";
}

Result<PkeyPtr> ReadKey(std::string_view pem, X509* leaf) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError("cannot read the private key", "c2pa_key_invalid");
  if (!IsP256(key.get())) {
    return Status::InvalidArgument("the key is not an EC P-256 key", "c2pa_key_invalid");
  }
  if (X509_check_private_key(leaf, key.get()) != 1) {
    return OpenSslError("the key does not belong to the first certificate", "c2pa_key_invalid");
  }
  return key;
}

// Raw r || s to DER ECDSA-Sig-Value; empty when `raw` has the wrong size.
std::string RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateSize) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, BnFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(p, kP256CoordinateSize, nullptr);
  BIGNUM* s = BN_bin2bn(p + kP256CoordinateSize, kP256CoordinateSize, nullptr);
  if (ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  std::string out(reinterpret_cast<char*>(der), size > 0 ? size : 0);
  OPENSSL_free(der);
  return out;
}

Result<std::string> DerToRaw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, BnFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError("cannot read the ECDSA signature", "c2pa_sign_failed");
  std::string raw(2 * kP256CoordinateSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kP256CoordinateSize) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kP256CoordinateSize, kP256CoordinateSize) <
          0) {
    return Status::Internal("ECDSA signature value too large", "c2pa_sign_failed");
  }
  return raw;
}

// --- The self-made chain.

Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return OpenSslError("cannot make a certificate extension", "c2pa_cert_invalid");
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) return OpenSslError("cannot add a certificate extension", "c2pa_cert_invalid");
  return Status::Ok();
}

struct Extension {
  int nid;
  const char* value;
};

Result<X509Ptr> MakeCertificate(const char* common_name, EVP_PKEY* key, X509* issuer,
                                EVP_PKEY* issuer_key, const std::vector<Extension>& extensions) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* org = reinterpret_cast<const unsigned char*>(kSelfSignedOrganization.data());
  bool ok =
      X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
      BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, org,
                                 static_cast<int>(kSelfSignedOrganization.size()), -1, 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kSelfSignedValidityDays * kSecondsPerDay) !=
          nullptr &&
      X509_set_pubkey(cert.get(), key) == 1;
  if (!ok) return OpenSslError("cannot fill in a certificate", "c2pa_cert_invalid");
  for (const Extension& e : extensions) {
    VMSG_RETURN_IF_ERROR(AddExtension(cert.get(), issuer ? issuer : cert.get(), e.nid, e.value));
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("cannot sign a certificate", "c2pa_cert_invalid");
  }
  return cert;
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("cannot write the key", "c2pa_key_invalid");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// A leaf for C2PA's certificate profile and the CA that issued it, as PEM (leaf first), and
// the leaf's key as PEM. The CA's key is thrown away: nothing else is ever issued.
Result<std::pair<std::string, std::string>> MakeSelfSignedChain() {
  PkeyPtr ca_key(EVP_EC_gen("P-256"));
  PkeyPtr leaf_key(EVP_EC_gen("P-256"));
  if (!ca_key || !leaf_key) return OpenSslError("cannot make a P-256 key", "c2pa_key_invalid");
  VMSG_ASSIGN_OR_RETURN(
      X509Ptr ca,
      MakeCertificate("vmsg self-signed root (untrusted)", ca_key.get(), nullptr, ca_key.get(),
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"},
                       {NID_authority_key_identifier, "keyid:always"}}));
  VMSG_ASSIGN_OR_RETURN(
      X509Ptr leaf,
      MakeCertificate("vmsg video signer (untrusted)", leaf_key.get(), ca.get(), ca_key.get(),
                      {{NID_basic_constraints, "critical,CA:FALSE"},
                       {NID_key_usage, "critical,digitalSignature"},
                       {NID_ext_key_usage, "emailProtection"},
                       {NID_subject_key_identifier, "hash"},
                       {NID_authority_key_identifier, "keyid:always"}}));
  VMSG_ASSIGN_OR_RETURN(std::string key_pem, KeyToPem(leaf_key.get()));
  return std::pair{ToPem(leaf.get()) + ToPem(ca.get()), std::move(key_pem)};
}

}  // namespace

Result<Signer> Signer::FromPem(std::string_view cert_chain_pem, std::string_view key_pem) {
  VMSG_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ReadPemChain(cert_chain_pem));
  VMSG_ASSIGN_OR_RETURN(PkeyPtr key, ReadKey(key_pem, chain[0].get()));
  std::vector<std::string> der;
  for (const X509Ptr& cert : chain) der.push_back(ToDer(cert.get()));
  std::shared_ptr<evp_pkey_st> shared(key.release(), EVP_PKEY_free);
  return Signer(std::move(der), std::move(shared), SubjectText(chain[0].get()));
}

Result<Signer> Signer::LoadOrCreate(const std::filesystem::path& cert,
                                    const std::filesystem::path& key) {
  std::error_code ec;
  const bool have_cert = std::filesystem::exists(cert, ec);
  const bool have_key = std::filesystem::exists(key, ec);
  if (have_cert != have_key) {
    return Status::InvalidArgument("C2PA signer: " + (have_cert ? cert : key).string() +
                                       " exists but " + (have_cert ? key : cert).string() +
                                       " does not; provide both or neither",
                                   "c2pa_signer_incomplete");
  }
  if (!have_cert) {
    VMSG_ASSIGN_OR_RETURN(auto made, MakeSelfSignedChain());
    if (!key.parent_path().empty()) std::filesystem::create_directories(key.parent_path(), ec);
    if (!cert.parent_path().empty()) std::filesystem::create_directories(cert.parent_path(), ec);
    // Temporaries of this call's own, so that a crashed start's leftovers are no obstacle.
    const std::string suffix = ".tmp-" + HexEncode(RandomBytes(6));
    VMSG_RETURN_IF_ERROR(WriteFileAtomically(Env::Default(), key, key.string() + suffix,
                                             made.second, /*durable=*/true, kKeyFileMode));
    VMSG_RETURN_IF_ERROR(WriteFileAtomically(Env::Default(), cert, cert.string() + suffix,
                                             made.first, /*durable=*/true, kCertFileMode));
  }
  VMSG_ASSIGN_OR_RETURN(std::string cert_pem, ReadFileToString(cert));
  VMSG_ASSIGN_OR_RETURN(std::string key_pem, ReadFileToString(key));
  return FromPem(cert_pem, key_pem);
}

Result<std::string> Signer::SignEs256(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return OpenSslError("cannot sign", "c2pa_sign_failed");
  }
  std::string der(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return OpenSslError("cannot sign", "c2pa_sign_failed");
  }
  der.resize(size);
  return DerToRaw(der);
}

Status VerifyEs256(std::string_view cert_der, std::string_view data, std::string_view signature) {
  X509Ptr cert = ParseDerCertificate(cert_der);
  if (!cert) return OpenSslError("cannot read the signing certificate", "c2pa_cert_invalid");
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || !IsP256(key)) {
    return Status::InvalidArgument("the signing key is not EC P-256", "c2pa_cert_invalid");
  }
  const std::string der = RawToDer(signature);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      !der.empty() && ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  ERR_clear_error();
  if (!ok) {
    return Status::InvalidArgument("the COSE signature does not verify", "c2pa_signature_invalid");
  }
  return Status::Ok();
}

}  // namespace vmsg::disclosure
