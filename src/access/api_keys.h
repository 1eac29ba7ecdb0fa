// API keys for server-to-server calls (VMSG_API_KEYS_REQUIRED): made, listed, revoked and
// rotated by `vmsg keys`, checked by the dispatcher on every /api/ request. A key is
// "vmsg_" and 40 hex digits (160 random bits); the state store keeps only its SHA-256 (a key
// that random needs no slow hash) and its first characters as a hint.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "state/state.h"

namespace vmsg::access {

inline constexpr std::string_view kApiKeyPrefix = "vmsg_";
inline constexpr size_t kApiKeySecretHexDigits = 40;
// How much of the key the hint keeps: the prefix and four digits.
inline constexpr size_t kApiKeyHintLength = 9;

// A key just made: its record (as stored) and the secret, which exists nowhere else.
struct NewApiKey {
  state::ApiKey record;
  std::string secret;
};

// The stored hash of a presented key: lower-case hex SHA-256.
std::string HashApiKey(std::string_view secret);

// InvalidArgument "invalid_key_name" unless 1..state::kMaxApiKeyNameBytes bytes of UTF-8
// without control characters.
Status ValidateApiKeyName(std::string_view name);

// Makes and stores a key named `name`. Errors: the name's, the store's.
Result<NewApiKey> CreateApiKey(state::ApiKeyStore& store, std::string_view name,
                               const Clock& clock);

// Replaces the key `id`: a new key with the same name is stored, then the old one revoked.
// NotFound "api_key_not_found"; FailedPrecondition "api_key_revoked" for a revoked key.
Result<NewApiKey> RotateApiKey(state::ApiKeyStore& store, const std::string& id,
                               const Clock& clock);

// The id of the key `secret` is, for the dispatcher (http::DispatcherOptions::check_api_key):
// NotFound "api_key_invalid" for anything that is not a stored key (checked for shape
// before the store is asked), PermissionDenied "api_key_revoked" for a revoked one, the
// store's error otherwise.
Result<std::string> CheckApiKey(state::ApiKeyStore& store, std::string_view secret);

}  // namespace vmsg::access
