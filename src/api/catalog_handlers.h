// Catalog endpoints: the voice profiles (/api/voice-clone/profiles...) and BGM tracks
// (/api/bgm/tracks...) a client picks from, their previews (a 302 to a presigned URL of the
// object store, whichever store it is) and their /health checks. Handlers validate the id
// before any lookup and leave every rule to the catalogs (src/catalog).
#pragma once

#include <chrono>
#include <string_view>

#include "api/system_handlers.h"
#include "catalog/catalog.h"
#include "http/router.h"
#include "objects/object_store.h"

namespace vmsg::api {

// How long a preview's presigned URL stays valid: long enough to play it, short enough that
// a shared link soon stops working.
inline constexpr std::chrono::seconds kPreviewUrlTtl = std::chrono::minutes(15);
// The one value of the list routes' `owner` query parameter.
inline constexpr std::string_view kOwnerMe = "me";

struct CatalogServices {
  catalog::VoiceCatalog* voices = nullptr;
  catalog::BgmCatalog* bgm = nullptr;
  // Where previews are presigned and deleted entries' media removed. Not null.
  objects::ObjectStore* objects = nullptr;
  std::chrono::seconds preview_url_ttl = kPreviewUrlTtl;
};

// Registers GET/DELETE /api/voice-clone/profiles[/{id}], GET .../{id}/preview and the same
// under /api/bgm/tracks. A DELETE succeeds only for the entry's owner (catalog::CheckOwner with
// the caller's owner id, owner.h); GET ...?owner=me lists only the caller's entries. The
// services must outlive the router.
void AddCatalogRoutes(http::Router& router, CatalogServices services);

// Adds the spec's metadata health checks: "voice_profiles" {status, profile_count,
// last_updated} and "bgm_tracks" {status, track_count, last_updated}, or {status:
// "unhealthy", error} when a file cannot be read or is corrupt. The catalogs must outlive
// `checks`.
void AddCatalogHealthChecks(HealthChecks& checks, const catalog::VoiceCatalog& voices,
                            const catalog::BgmCatalog& bgm);

}  // namespace vmsg::api
