// The key and certificate chain that sign vmsg's C2PA manifests (ES256: ECDSA P-256 with
// SHA-256). Either an operator's own chain, or a self-made one created on first use: a small
// CA root and a leaf made for C2PA's certificate profile, which no validator trusts.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace vmsg::disclosure {

// The subject organisation of the certificates LoadOrCreate makes.
inline constexpr std::string_view kSelfSignedOrganization = "vmsg self-signed (untrusted)";
// How long they are valid.
inline constexpr int kSelfSignedValidityDays = 3650;

class Signer {
 public:
  // `cert_chain_pem`: PEM certificates, the signing (leaf) certificate first, then its
  // issuers. `key_pem`: the leaf's private key, a P-256 EC key (PKCS#8 or SEC1).
  // Errors: InvalidArgument "c2pa_cert_invalid" (no or unreadable certificates),
  // "c2pa_key_invalid" (unreadable, not P-256, or not the leaf's key).
  static Result<Signer> FromPem(std::string_view cert_chain_pem, std::string_view key_pem);

  // Loads `cert` and `key` when both exist. When neither does, creates a P-256 key (file mode
  // 0600) and a two-certificate chain (leaf, then a self-made CA) and writes both atomically
  // (temporary file, then rename). Errors: InvalidArgument "c2pa_signer_incomplete" when only
  // one exists; FromPem's errors; FileError's for the files.
  static Result<Signer> LoadOrCreate(const std::filesystem::path& cert,
                                     const std::filesystem::path& key);

  // DER certificates, the leaf first (COSE x5chain order).
  const std::vector<std::string>& chain_der() const { return chain_der_; }
  // The leaf certificate's subject (RFC 2253).
  const std::string& subject() const { return subject_; }

  // An ES256 signature of `data`: SHA-256, ECDSA, as raw r || s (64 bytes, COSE's form).
  Result<std::string> SignEs256(std::string_view data) const;

 private:
  Signer(std::vector<std::string> chain_der, std::shared_ptr<evp_pkey_st> key, std::string subject)
      : chain_der_(std::move(chain_der)), key_(std::move(key)), subject_(std::move(subject)) {}

  std::vector<std::string> chain_der_;
  std::shared_ptr<evp_pkey_st> key_;
  std::string subject_;
};

// Verifies an ES256 signature (raw r || s) of `data` with the public key of the DER
// certificate `cert_der`. InvalidArgument "c2pa_cert_invalid" for a bad certificate or a
// key that is not P-256, "c2pa_signature_invalid" when the signature does not verify.
Status VerifyEs256(std::string_view cert_der, std::string_view data, std::string_view signature);

}  // namespace vmsg::disclosure
