// Shared C2PA layout helpers (see c2pa_format.h).
#include "disclosure/c2pa_format.h"

#include "disclosure/bmff.h"
#include "disclosure/openssl_util.h"

namespace vmsg::disclosure::c2pa {
namespace {

constexpr std::string_view kUuidSuffix = "-0011-0010-8000-00AA00389B71";
constexpr size_t kVersionFlagsSize = 4;
constexpr size_t kMerkleOffsetSize = 8;
constexpr size_t kBoxHeaderSize = 8;  // every superbox vmsg writes has a 32-bit size

}  // namespace

std::string TypeUuid(std::string_view four_chars_hex) {
  return UuidBytes(std::string(four_chars_hex) + std::string(kUuidSuffix));
}

std::string C2paBox(std::string_view manifest_store) {
  std::string payload = C2paBoxUuid();
  payload.append(kVersionFlagsSize, '\0');
  payload += kManifestPurpose;
  payload.push_back('\0');
  payload.append(kMerkleOffsetSize, '\0');
  payload += manifest_store;
  return MakeBox("uuid", payload);
}

Result<std::string_view> ManifestStoreOf(std::string_view payload) {
  if (payload.size() < kVersionFlagsSize) {
    return Status::InvalidArgument("C2PA box truncated", "c2pa_invalid");
  }
  std::string_view rest = payload.substr(kVersionFlagsSize);
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) {
    return Status::InvalidArgument("C2PA box purpose unterminated", "c2pa_invalid");
  }
  const std::string_view purpose = rest.substr(0, nul);
  rest.remove_prefix(nul + 1);
  if (purpose != kManifestPurpose || rest.size() < kMerkleOffsetSize) {
    return Status::InvalidArgument("C2PA box does not hold a manifest", "c2pa_invalid");
  }
  return rest.substr(kMerkleOffsetSize);
}

std::string SuperBoxHash(std::string_view superbox) {
  return Sha256Of(superbox.substr(kBoxHeaderSize));
}

std::string AssertionUri(std::string_view label) {
  return "self#jumbf=" + std::string(kAssertionsLabel) + "/" + std::string(label);
}

std::string CborAssertion(std::string_view label, const cbor::Value& value) {
  return MakeSuperBox(TypeUuid(kCborType), label, MakeBox("cbor", cbor::Encode(value)));
}

}  // namespace vmsg::disclosure::c2pa
