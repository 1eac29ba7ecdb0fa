// Verifying the C2PA manifest of an MP4: locate the active manifest, check the claim's COSE
// signature and certificate chain links, every hashed URI, then the BMFF content hash.
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "disclosure/bmff.h"
#include "disclosure/c2pa.h"
#include "disclosure/c2pa_format.h"
#include "disclosure/cose.h"
#include "disclosure/openssl_util.h"

namespace vmsg::disclosure {
namespace {

using cbor::Value;
using namespace c2pa;  // NOLINT: the format's constants, private to this folder

Status Invalid(std::string_view what, std::string_view reason = "c2pa_invalid") {
  return Status::InvalidArgument("C2PA: " + std::string(what), std::string(reason));
}

// The parts of the active manifest the checks need.
struct Manifest {
  std::string label;
  SuperBoxView assertions;
  std::string claim_bytes;
  std::string signature_bytes;
};

Result<std::string> CborContent(const SuperBoxView& box) {
  for (const BoxView& c : box.contents) {
    if (c.type == "cbor") return std::string(c.payload);
  }
  return Invalid("no CBOR content in " + box.label);
}

Result<std::string_view> FindManifestStore(const std::vector<BoxView>& top) {
  const std::string uuid = C2paBoxUuid();
  for (const BoxView& box : top) {
    if (box.type == "uuid" && box.user_type == uuid) return ManifestStoreOf(box.payload);
  }
  return Status::NotFound("the MP4 has no C2PA manifest", "c2pa_missing");
}

Result<SuperBoxView> ActiveManifest(std::string_view store_bytes) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, SplitBoxes(store_bytes, "c2pa_invalid"));
  if (boxes.size() != 1) return Invalid("the manifest store is not one box");
  VMSG_ASSIGN_OR_RETURN(SuperBoxView store, ParseSuperBox(boxes[0]));
  if (store.type_uuid != TypeUuid(kStoreType) || store.label != kStoreLabel) {
    return Invalid("not a C2PA manifest store");
  }
  // The active manifest is the last one in the store.
  for (auto it = store.contents.rbegin(); it != store.contents.rend(); ++it) {
    if (it->type != "jumb") continue;
    VMSG_ASSIGN_OR_RETURN(SuperBoxView manifest, ParseSuperBox(*it));
    if (manifest.type_uuid == TypeUuid(kManifestType)) return manifest;
  }
  return Invalid("the manifest store holds no manifest");
}

Result<Manifest> ReadManifest(std::string_view store_bytes) {
  VMSG_ASSIGN_OR_RETURN(SuperBoxView active, ActiveManifest(store_bytes));
  Manifest m;
  m.label = active.label;
  VMSG_ASSIGN_OR_RETURN(m.assertions, FindSuperBox(active.contents, kAssertionsLabel));
  VMSG_ASSIGN_OR_RETURN(SuperBoxView signature, FindSuperBox(active.contents, kSignatureLabel));
  VMSG_ASSIGN_OR_RETURN(m.signature_bytes, CborContent(signature));
  for (const BoxView& box : active.contents) {
    if (box.type != "jumb") continue;
    VMSG_ASSIGN_OR_RETURN(SuperBoxView claim, ParseSuperBox(box));
    if (claim.type_uuid != TypeUuid(kClaimType)) continue;
    VMSG_ASSIGN_OR_RETURN(m.claim_bytes, CborContent(claim));
    return m;
  }
  return Invalid("the manifest has no claim");
}

// Each certificate must be signed by the next; reports whether the last signs itself.
Result<bool> CheckChainLinks(const std::vector<std::string>& chain) {
  std::vector<X509Ptr> certs;
  for (const std::string& der : chain) {
    X509Ptr cert = ParseDerCertificate(der);
    if (!cert) return Invalid("unreadable certificate in x5chain", "c2pa_cert_invalid");
    certs.push_back(std::move(cert));
  }
  for (size_t i = 0; i + 1 < certs.size(); ++i) {
    if (X509_verify(certs[i].get(), X509_get0_pubkey(certs[i + 1].get())) != 1) {
      ERR_clear_error();
      return Invalid("x5chain certificate " + std::to_string(i) + " is not signed by the next",
                     "c2pa_cert_invalid");
    }
  }
  X509* last = certs.back().get();
  const bool self_signed =
      X509_check_issued(last, last) == X509_V_OK && X509_verify(last, X509_get0_pubkey(last)) == 1;
  ERR_clear_error();
  return self_signed;
}

Status CheckSignature(const Manifest& m, Verification& v) {
  VMSG_ASSIGN_OR_RETURN(CoseSign1Parts parts, ParseCoseSign1(m.signature_bytes));
  VMSG_RETURN_IF_ERROR(VerifyCoseSign1(parts, m.claim_bytes));
  VMSG_ASSIGN_OR_RETURN(v.self_signed_chain, CheckChainLinks(parts.x5chain));
  X509Ptr leaf = ParseDerCertificate(parts.x5chain[0]);
  v.signer_subject = SubjectText(leaf.get());
  v.checks.push_back("claimSignature.validated");
  v.checks.push_back("signingCredential.untrusted");  // no trust list is consulted
  return Status::Ok();
}

// The label a hashed URI names inside the assertion store.
std::string LabelOf(std::string_view url) {
  const std::string marker = std::string(kAssertionsLabel) + "/";
  const size_t at = url.rfind(marker);
  return at == std::string_view::npos ? std::string() : std::string(url.substr(at + marker.size()));
}

Status CheckHashedUri(const Value& uri, const SuperBoxView& store) {
  const Value* url = uri.Find("url");
  const Value* hash = uri.Find("hash");
  const Value* alg = uri.Find("alg");
  if (url == nullptr || !url->is_text() || hash == nullptr || !hash->is_bytes()) {
    return Invalid("malformed hashed URI", "c2pa_claim_invalid");
  }
  if (alg != nullptr && (!alg->is_text() || alg->str() != kHashAlg)) {
    return Invalid("hash algorithm " + alg->str() + " is not supported", "c2pa_unsupported");
  }
  auto box = FindSuperBox(store.contents, LabelOf(url->str()));
  if (!box.ok())
    return Invalid("assertion " + url->str() + " is missing", "c2pa_assertion_missing");
  if (Sha256Of(box->payload) != hash->str()) {
    return Invalid("assertion " + url->str() + " does not match its hash",
                   "c2pa_assertion_hash_mismatch");
  }
  return Status::Ok();
}

Status CheckAssertionHashes(const Value& claim, const SuperBoxView& store, Verification& v) {
  const Value* created = claim.Find("created_assertions");
  if (created == nullptr) created = claim.Find("assertions");  // a v1 claim
  if (created == nullptr || !created->is_array()) {
    return Invalid("the claim lists no assertions", "c2pa_claim_invalid");
  }
  for (const Value& uri : created->items()) VMSG_RETURN_IF_ERROR(CheckHashedUri(uri, store));
  v.checks.push_back("assertion.hashedURI.match");
  return Status::Ok();
}

Result<Value> AssertionValue(const SuperBoxView& store, std::string_view label_prefix) {
  for (const BoxView& box : store.contents) {
    if (box.type != "jumb") continue;
    VMSG_ASSIGN_OR_RETURN(SuperBoxView assertion, ParseSuperBox(box));
    if (!assertion.label.starts_with(label_prefix)) continue;
    VMSG_ASSIGN_OR_RETURN(std::string bytes, CborContent(assertion));
    return cbor::Decode(bytes);
  }
  return Invalid("no " + std::string(label_prefix) + " assertion", "c2pa_assertion_missing");
}

Result<BmffExclusion> ReadExclusion(const Value& e) {
  const Value* xpath = e.Find("xpath");
  if (xpath == nullptr || !xpath->is_text()) return Invalid("exclusion without xpath");
  BmffExclusion out{xpath->str(), std::nullopt, {}};
  if (out.xpath.size() != 5 || out.xpath[0] != '/' || e.Find("subset") != nullptr) {
    return Invalid("only whole top-level box exclusions are supported", "c2pa_unsupported");
  }
  const Value* data = e.Find("data");
  if (data == nullptr || data->is_null()) return out;
  if (!data->is_array() || data->items().size() != 1) {
    return Invalid("only one data match per exclusion is supported", "c2pa_unsupported");
  }
  const Value* offset = data->items()[0].Find("offset");
  const Value* value = data->items()[0].Find("value");
  int64_t at;
  if (offset == nullptr || !offset->AsInt(&at) || at < 0 || value == nullptr ||
      !value->is_bytes()) {
    return Invalid("malformed exclusion data");
  }
  out.data_offset = static_cast<uint64_t>(at);
  out.data_value = value->str();
  return out;
}

Status CheckBmffHash(const SuperBoxView& store, const std::vector<BoxView>& top, Verification& v) {
  VMSG_ASSIGN_OR_RETURN(Value hash, AssertionValue(store, "c2pa.hash.bmff.v"));
  const Value* expected = hash.Find("hash");
  const Value* alg = hash.Find("alg");
  const Value* exclusions = hash.Find("exclusions");
  if (expected == nullptr || !expected->is_bytes() || exclusions == nullptr ||
      !exclusions->is_array()) {
    return Invalid("malformed BMFF hash assertion");
  }
  if (alg != nullptr && alg->str() != kHashAlg) {
    return Invalid("hash algorithm " + alg->str() + " is not supported", "c2pa_unsupported");
  }
  std::vector<BmffExclusion> parsed;
  for (const Value& e : exclusions->items()) {
    VMSG_ASSIGN_OR_RETURN(BmffExclusion x, ReadExclusion(e));
    parsed.push_back(std::move(x));
  }
  if (BmffHashV2(top, parsed) != expected->str()) {
    return Invalid("the file does not match its BMFF hash", "c2pa_hash_mismatch");
  }
  v.checks.push_back("assertion.bmffHash.match");
  return Status::Ok();
}

std::string TextOr(const Value* v) { return v != nullptr && v->is_text() ? v->str() : ""; }

void DescribeActions(const SuperBoxView& store, const Value& claim, Verification& v) {
  const Value* info = claim.Find("claim_generator_info");
  if (info != nullptr) {
    v.claim_generator = TextOr(info->Find("name")) + " " + TextOr(info->Find("version"));
  }
  auto actions = AssertionValue(store, "c2pa.actions");
  const Value* list = actions.ok() ? actions->Find("actions") : nullptr;
  for (const Value& a : list != nullptr ? list->items() : std::vector<Value>{}) {
    v.actions.push_back(TextOr(a.Find("action")));
    if (v.actions.back() == "c2pa.created")
      v.digital_source_type = TextOr(a.Find("digitalSourceType"));
  }
  auto ingredient = AssertionValue(store, "c2pa.ingredient");
  if (ingredient.ok()) v.ingredient_title = TextOr(ingredient->Find("dc:title"));
}

}  // namespace

Result<Verification> VerifyMp4(std::string_view mp4) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> top, Mp4TopLevelBoxes(mp4));
  VMSG_ASSIGN_OR_RETURN(std::string_view store_bytes, FindManifestStore(top));
  VMSG_ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(store_bytes));
  Verification v;
  v.manifest_label = manifest.label;
  VMSG_RETURN_IF_ERROR(CheckSignature(manifest, v));
  auto claim = cbor::Decode(manifest.claim_bytes);
  if (!claim.ok() || !claim->is_map())
    return Invalid("the claim is not a CBOR map", "c2pa_claim_invalid");
  VMSG_RETURN_IF_ERROR(CheckAssertionHashes(*claim, manifest.assertions, v));
  VMSG_RETURN_IF_ERROR(CheckBmffHash(manifest.assertions, top, v));
  DescribeActions(manifest.assertions, *claim, v);
  return v;
}

}  // namespace vmsg::disclosure
