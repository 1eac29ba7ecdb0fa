// Owner ids (see owner.h).
#include "http/owner.h"

#include "base/crypto.h"
#include "http/client_id.h"

namespace vmsg::http {
namespace {

// Changing it changes every owner id: records made before would belong to no one.
constexpr std::string_view kOwnerHashPrefix = "vmsg-owner-v1:";

}  // namespace

std::string OwnerIdOf(std::string_view client_id) {
  std::string input(kOwnerHashPrefix);
  input.append(client_id);
  return Sha256Hex(input).substr(0, kOwnerIdLength);
}

std::optional<std::string> OwnerIdFor(const Request& request) {
  std::optional<std::string> client = ClientIdFromCookie(request);
  if (!client) return std::nullopt;
  return OwnerIdOf(*client);
}

}  // namespace vmsg::http
