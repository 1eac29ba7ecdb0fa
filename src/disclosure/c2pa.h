// C2PA (Content Credentials, specification 2.x) for vmsg's MP4s: one signed manifest saying
// the video was created by trained models from a placed photo, bound to the file's bytes by
// a BMFF hash, in a top-level 'uuid' box right after 'ftyp'; and a verifier that checks all
// of that again. Written on OpenSSL: JUMBF, CBOR and COSE_Sign1 are in this folder.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "disclosure/signer.h"

namespace vmsg::disclosure {

// What the manifest says about one video. Randomness comes from the caller (the ids).
struct Provenance {
  std::string manifest_uuid;  // a UUIDv4: the manifest is labelled "urn:c2pa:<uuid>"
  std::string title;          // the video's dc:title ("message.mp4")
  std::string instance_id;    // the claim's instanceID ("xmp:iid:<uuid>")
  std::string photo_title;    // the photo ingredient's dc:title ("photo.jpg")
  std::string photo_format;   // its media type ("image/jpeg")
  std::string photo_sha256;   // SHA-256 of the photo's bytes (32 raw bytes)
  std::string software_name = "vmsg";
  std::string software_version;  // "0.1.0"
};

// What VerifyMp4 found in a manifest whose every check passed.
struct Verification {
  std::string manifest_label;        // "urn:c2pa:<uuid>"
  std::string claim_generator;       // "vmsg 0.1.0"
  std::vector<std::string> actions;  // "c2pa.created", "c2pa.placed"
  std::string digital_source_type;   // of the c2pa.created action
  std::string ingredient_title;
  std::string signer_subject;  // the leaf certificate's (RFC 2253)
  // The chain ends in a self-signed root. No trust list is consulted, so such a signer is
  // never trusted: the checks prove integrity, not identity.
  bool self_signed_chain = false;
  bool trusted = false;
  // The C2PA validation status codes of the checks that passed, in order.
  std::vector<std::string> checks;
};

// `mp4` with a signed C2PA manifest store. The hash is computed over the final layout, the
// manifest's own box excluded. Errors: InvalidArgument "mp4_invalid"/"mp4_too_large";
// FailedPrecondition "c2pa_present" when the file already has a manifest; the signer's.
Result<std::string> SignMp4(std::string_view mp4, const Provenance& provenance,
                            const Signer& signer);

// Checks the manifest of `mp4`: the COSE signature over the claim with the x5chain's leaf
// (and the chain's own links), every assertion's hashed URI, and the BMFF hash. Errors:
// NotFound "c2pa_missing"; InvalidArgument "c2pa_invalid" (structure), "c2pa_claim_invalid",
// "c2pa_signature_invalid", "c2pa_cert_invalid", "c2pa_assertion_missing",
// "c2pa_assertion_hash_mismatch", "c2pa_hash_mismatch", "c2pa_unsupported" (an exclusion
// below the top level, or a hash other than SHA-256).
Result<Verification> VerifyMp4(std::string_view mp4);

}  // namespace vmsg::disclosure
