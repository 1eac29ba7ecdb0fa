// Building and placing the C2PA manifest store: assertions (ingredient, actions, BMFF hash),
// the claim that lists them by hashed URI, and the COSE signature over the claim.
#include <algorithm>

#include "disclosure/bmff.h"
#include "disclosure/c2pa.h"
#include "disclosure/c2pa_format.h"
#include "disclosure/cose.h"
#include "disclosure/xmp.h"

namespace vmsg::disclosure {
namespace {

using cbor::Value;
using namespace c2pa;  // NOLINT: the format's constants, private to this folder

constexpr size_t kSha256Size = 32;
constexpr std::string_view kHexDigits = "0123456789abcdef";

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0xf]);
  }
  return out;
}

Value T(std::string_view text) { return Value::Text(std::string(text)); }

Value HashedUri(std::string_view label, std::string_view superbox) {
  return Value::Map({{T("url"), T(AssertionUri(label))},
                     {T("alg"), T(kHashAlg)},
                     {T("hash"), Value::Bytes(SuperBoxHash(superbox))}});
}

Value SoftwareAgent(const Provenance& p) {
  return Value::Map({{T("name"), T(p.software_name)}, {T("version"), T(p.software_version)}});
}

// The photo, placed into the composite. Its bytes' SHA-256 is recorded as its instanceID:
// ingredient v3 has no plain hash field, and the photo itself is not embedded.
std::string IngredientAssertion(const Provenance& p) {
  return CborAssertion(kIngredientLabel,
                       Value::Map({{T("dc:title"), T(p.photo_title)},
                                   {T("dc:format"), T(p.photo_format)},
                                   {T("relationship"), T("componentOf")},
                                   {T("instanceID"), T("sha256:" + Hex(p.photo_sha256))}}));
}

std::string ActionsAssertion(const Provenance& p, std::string_view ingredient) {
  Value created = Value::Map({{T("action"), T("c2pa.created")},
                              {T("digitalSourceType"), T(kDigitalSourceTypeComposite)},
                              {T("softwareAgent"), SoftwareAgent(p)}});
  Value placed = Value::Map(
      {{T("action"), T("c2pa.placed")},
       {T("parameters"), Value::Map({{T("ingredients"),
                                      Value::Array({HashedUri(kIngredientLabel, ingredient)})}})}});
  return CborAssertion(kActionsLabel,
                       Value::Map({{T("actions"), Value::Array({created, placed})}}));
}

Value ExclusionValue(const BmffExclusion& e) {
  std::vector<std::pair<Value, Value>> entries{{T("xpath"), T(e.xpath)}};
  if (e.data_offset) {
    entries.push_back(
        {T("data"), Value::Array({Value::Map({{T("offset"), Value::Uint(*e.data_offset)},
                                              {T("value"), Value::Bytes(e.data_value)}})})});
  }
  return Value::Map(std::move(entries));
}

std::string BmffHashAssertion(std::string_view hash) {
  std::vector<Value> exclusions;
  for (const BmffExclusion& e : StandardExclusions()) exclusions.push_back(ExclusionValue(e));
  return CborAssertion(kBmffHashLabel, Value::Map({{T("exclusions"), Value::Array(exclusions)},
                                                   {T("alg"), T(kHashAlg)},
                                                   {T("hash"), Value::Bytes(std::string(hash))},
                                                   {T("name"), T("jumbf manifest")}}));
}

std::string ClaimCbor(const Provenance& p, std::string_view label,
                      const std::vector<std::pair<std::string_view, std::string>>& assertions) {
  std::vector<Value> created;
  for (const auto& [name, box] : assertions) created.push_back(HashedUri(name, box));
  const std::string signature_uri = "self#jumbf=/" + std::string(kStoreLabel) + "/" +
                                    std::string(label) + "/" + std::string(kSignatureLabel);
  return cbor::Encode(Value::Map({{T("instanceID"), T(p.instance_id)},
                                  {T("dc:title"), T(p.title)},
                                  {T("claim_generator_info"), SoftwareAgent(p)},
                                  {T("signature"), T(signature_uri)},
                                  {T("created_assertions"), Value::Array(created)},
                                  {T("alg"), T(kHashAlg)}}));
}

// The whole manifest store, with `bmff_hash` as the content hash.
Result<std::string> ManifestStore(const Provenance& p, const Signer& signer,
                                  std::string_view bmff_hash) {
  const std::string label = "urn:c2pa:" + p.manifest_uuid;
  const std::string ingredient = IngredientAssertion(p);
  const std::vector<std::pair<std::string_view, std::string>> assertions{
      {kIngredientLabel, ingredient},
      {kActionsLabel, ActionsAssertion(p, ingredient)},
      {kBmffHashLabel, BmffHashAssertion(bmff_hash)}};
  std::string assertion_boxes;
  for (const auto& a : assertions) assertion_boxes += a.second;
  const std::string claim = ClaimCbor(p, label, assertions);
  VMSG_ASSIGN_OR_RETURN(std::string cose, CoseSign1(claim, signer));
  const std::string manifest =
      MakeSuperBox(TypeUuid(kAssertionsType), kAssertionsLabel, assertion_boxes) +
      MakeSuperBox(TypeUuid(kClaimType), kClaimLabel, MakeBox("cbor", claim)) +
      MakeSuperBox(TypeUuid(kSignatureType), kSignatureLabel, MakeBox("cbor", cose));
  return MakeSuperBox(TypeUuid(kStoreType), kStoreLabel,
                      MakeSuperBox(TypeUuid(kManifestType), label, manifest));
}

bool HasC2paBox(const std::vector<BoxView>& boxes) {
  const std::string uuid = C2paBoxUuid();
  return std::any_of(boxes.begin(), boxes.end(),
                     [&](const BoxView& b) { return b.type == "uuid" && b.user_type == uuid; });
}

}  // namespace

Result<std::string> SignMp4(std::string_view mp4, const Provenance& provenance,
                            const Signer& signer) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> input_boxes, Mp4TopLevelBoxes(mp4));
  if (HasC2paBox(input_boxes)) {
    return Status::FailedPrecondition("the MP4 already has a C2PA manifest", "c2pa_present");
  }
  // The manifest's size does not depend on the hash's value (a 32-byte string), so a
  // placeholder fixes the layout, the hash is taken over it, and the real box replaces it.
  VMSG_ASSIGN_OR_RETURN(std::string placeholder,
                        ManifestStore(provenance, signer, std::string(kSha256Size, '\0')));
  const std::string placeholder_box = C2paBox(placeholder);
  VMSG_ASSIGN_OR_RETURN(std::string out, InsertAfterFtyp(mp4, placeholder_box));
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, Mp4TopLevelBoxes(out));
  const std::string hash = BmffHashV2(boxes, StandardExclusions());
  VMSG_ASSIGN_OR_RETURN(std::string store, ManifestStore(provenance, signer, hash));
  const std::string box = C2paBox(store);
  if (box.size() != placeholder_box.size()) {
    return Status::Internal("the manifest changed size once hashed", "c2pa_layout_changed");
  }
  out.replace(input_boxes[0].whole.size(), box.size(), box);
  return out;
}

}  // namespace vmsg::disclosure
