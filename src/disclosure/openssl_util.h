// OpenSSL plumbing private to src/disclosure: owning pointers, an incremental SHA-256, and
// the one mapping from OpenSSL's error queue to a Status.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vmsg::disclosure {

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslFree>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree>;

// InvalidArgument with `reason` (for instance "c2pa_key_invalid"): `what` and the text of
// OpenSSL's most recent error, whose queue is cleared.
Status OpenSslError(std::string_view what, std::string_view reason);

// SHA-256 fed in pieces.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::string_view bytes);
  std::string Finish();  // 32 raw bytes

 private:
  MdCtxPtr ctx_;
};

std::string Sha256Of(std::string_view bytes);

// A certificate's DER encoding parsed; nullptr when it is not one.
X509Ptr ParseDerCertificate(std::string_view der);

// The RFC 2253 text of a certificate's subject ("CN=...,O=...").
std::string SubjectText(X509* cert);

}  // namespace vmsg::disclosure
