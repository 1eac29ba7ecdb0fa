// Who owns a user's voices and tracks. vmsg has no accounts: a browser's vmsg_client cookie
// (client_id.h) is an unguessable 128-bit secret, and the browser that made a custom voice or
// uploaded a track owns it. Records name their owner by an owner id derived from the cookie
// by a one-way hash, never by the cookie itself: catalogs, listings and object keys
// (bgm/user/{owner}_{id}.mp3) are readable by anyone, and must not hand out the secret that
// lets a client delete.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace vmsg::http {

// Hex digits of an owner id: the first 128 bits of the hash, as much as the cookie holds.
inline constexpr size_t kOwnerIdLength = 32;

// The owner id of the browser whose vmsg_client cookie is `client_id`: SHA-256 over a
// domain-separation prefix and the id, as kOwnerIdLength lower-case hex digits (so a valid
// meta id). Deterministic, and no one can find the cookie from it.
std::string OwnerIdOf(std::string_view client_id);

// The owner id of the request's client, or nullopt when it has no (valid) cookie.
std::optional<std::string> OwnerIdFor(const Request& request);

}  // namespace vmsg::http
