// COSE_Sign1 (RFC 9052) as C2PA uses it for the claim signature: tagged (18), ES256, the
// certificate chain in the protected header (x5chain, label 33), the claim as a detached
// payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "disclosure/cbor.h"
#include "disclosure/signer.h"

namespace vmsg::disclosure {

inline constexpr uint64_t kCoseSign1Tag = 18;
inline constexpr int64_t kCoseHeaderAlg = 1;
inline constexpr int64_t kCoseHeaderX5Chain = 33;
inline constexpr int64_t kCoseAlgEs256 = -7;

// COSE_Sign1_Tagged over the detached `payload`, signed by `signer`.
// Errors: Signer::SignEs256's.
Result<std::string> CoseSign1(std::string_view payload, const Signer& signer);

struct CoseSign1Parts {
  std::string protected_bytes;       // the serialized protected header map
  int64_t alg = 0;                   // from the protected header
  std::vector<std::string> x5chain;  // DER certificates, leaf first
  std::string signature;             // raw r || s
};

// Reads a COSE_Sign1_Tagged. InvalidArgument "c2pa_signature_invalid" when its shape is
// wrong (not tag 18, not four items, a payload that is not detached, no x5chain).
Result<CoseSign1Parts> ParseCoseSign1(std::string_view bytes);

// Checks `parts` signs `payload` with ES256 and the leaf of its x5chain. Errors:
// "c2pa_signature_invalid" (wrong algorithm, or the signature does not verify),
// "c2pa_cert_invalid" (VerifyEs256's).
Status VerifyCoseSign1(const CoseSign1Parts& parts, std::string_view payload);

}  // namespace vmsg::disclosure
