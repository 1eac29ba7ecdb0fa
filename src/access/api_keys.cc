// API keys (see api_keys.h).
#include "access/api_keys.h"

#include <algorithm>

#include "base/crypto.h"
#include "base/utf8.h"

namespace vmsg::access {
namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool HasKeyShape(std::string_view secret) {
  return secret.size() == kApiKeyPrefix.size() + kApiKeySecretHexDigits &&
         secret.starts_with(kApiKeyPrefix) &&
         std::all_of(secret.begin() + kApiKeyPrefix.size(), secret.end(), IsLowerHex);
}

Status InvalidKey() {
  return Status::NotFound("this API key is not one of this server's", "api_key_invalid");
}

}  // namespace

std::string HashApiKey(std::string_view secret) { return Sha256Hex(secret); }

Status ValidateApiKeyName(std::string_view name) {
  auto invalid = [](std::string why) {
    return Status::InvalidArgument("the key's name " + why, "invalid_key_name");
  };
  if (name.empty()) return invalid("is empty");
  if (name.size() > state::kMaxApiKeyNameBytes) {
    return invalid("is longer than " + std::to_string(state::kMaxApiKeyNameBytes) + " bytes");
  }
  if (!IsValidUtf8(name)) return invalid("is not UTF-8");
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return invalid("has a control character");
  }
  return Status::Ok();
}

Result<NewApiKey> CreateApiKey(state::ApiKeyStore& store, std::string_view name,
                               const Clock& clock) {
  VMSG_RETURN_IF_ERROR(ValidateApiKeyName(name));
  NewApiKey made;
  made.secret = std::string(kApiKeyPrefix) + HexEncode(RandomBytes(kApiKeySecretHexDigits / 2));
  made.record.id = std::string(state::kApiKeyIdPrefix) + HexEncode(RandomBytes(8));
  made.record.name = std::string(name);
  made.record.hash = HashApiKey(made.secret);
  made.record.hint = made.secret.substr(0, kApiKeyHintLength);
  made.record.created_at = clock.Now();
  VMSG_RETURN_IF_ERROR(store.Create(made.record));
  return made;
}

Result<NewApiKey> RotateApiKey(state::ApiKeyStore& store, const std::string& id,
                               const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::vector<state::ApiKey> keys, store.List());
  auto old =
      std::find_if(keys.begin(), keys.end(), [&id](const state::ApiKey& k) { return k.id == id; });
  if (old == keys.end()) return state::ApiKeyNotFound(id);
  if (old->revoked()) {
    return Status::FailedPrecondition("API key " + id + " is revoked already", "api_key_revoked");
  }
  VMSG_ASSIGN_OR_RETURN(NewApiKey made, CreateApiKey(store, old->name, clock));
  if (Status revoked = store.Revoke(id).status(); !revoked.ok()) {
    // Nobody will ever see the new key: take it back rather than leave it valid.
    (void)store.Revoke(made.record.id);
    return revoked;
  }
  return made;
}

Result<std::string> CheckApiKey(state::ApiKeyStore& store, std::string_view secret) {
  if (!HasKeyShape(secret)) return InvalidKey();
  Result<state::ApiKey> key = store.FindByHash(HashApiKey(secret));
  if (!key.ok()) return key.status().IsNotFound() ? InvalidKey() : key.status();
  if (key->revoked()) {
    return Status::PermissionDenied("API key " + key->id + " was revoked", "api_key_revoked");
  }
  return key->id;
}

}  // namespace vmsg::access
