// OpenSSL helpers for the disclosure library (see openssl_util.h).
#include "disclosure/openssl_util.h"

#include <openssl/err.h>

namespace vmsg::disclosure {

Status OpenSslError(std::string_view what, std::string_view reason) {
  std::string message(what);
  if (const unsigned long err = ERR_peek_last_error(); err != 0) {
    char text[256];
    ERR_error_string_n(err, text, sizeof(text));
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return Status::InvalidArgument(std::move(message), std::string(reason));
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();
}

void Sha256Hasher::Update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) std::abort();
}

std::string Sha256Hasher::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest, &size) != 1) std::abort();
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256Of(std::string_view bytes) {
  Sha256Hasher hasher;
  hasher.Update(bytes);
  return hasher.Finish();
}

X509Ptr ParseDerCertificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
  return cert;
}

std::string SubjectText(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace vmsg::disclosure
