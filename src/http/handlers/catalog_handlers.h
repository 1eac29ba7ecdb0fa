// Catalog endpoints: the voice profiles (/api/voice-clone/profiles...) and BGM tracks
// (/api/bgm/tracks...) a client picks from, their previews (a 302 to a presigned URL of the
// object store, whichever store it is) and their /health checks. Handlers validate the id
// before any lookup and leave every rule to the catalogs (src/meta).
#pragma once

#include <chrono>
#include <string_view>

#include "blob/object_store.h"
#include "http/handlers/system_handlers.h"
#include "http/router.h"
#include "meta/catalog.h"

namespace vmsg::http {

// How long a preview's presigned URL stays valid: long enough to play it, short enough that
// a shared link soon stops working.
inline constexpr std::chrono::seconds kPreviewUrlTtl = std::chrono::minutes(15);
// The one value of the list routes' `owner` query parameter.
inline constexpr std::string_view kOwnerMe = "me";

struct CatalogServices {
  meta::VoiceCatalog* voices = nullptr;
  meta::BgmCatalog* bgm = nullptr;
  // Where previews are presigned and deleted entries' media removed. Not null.
  blob::ObjectStore* objects = nullptr;
  std::chrono::seconds preview_url_ttl = kPreviewUrlTtl;
};

// Registers GET/DELETE /api/voice-clone/profiles[/{id}], GET .../{id}/preview and the same
// under /api/bgm/tracks. A DELETE succeeds only for the entry's owner (meta::CheckOwner with
// the caller's owner id, owner.h); GET ...?owner=me lists only the caller's entries. The
// services must outlive the router.
void AddCatalogRoutes(Router& router, CatalogServices services);

// Adds the spec's metadata health checks: "voice_profiles" {status, profile_count,
// last_updated} and "bgm_tracks" {status, track_count, last_updated}, or {status:
// "unhealthy", error} when a file cannot be read or is corrupt. The catalogs must outlive
// `checks`.
void AddCatalogHealthChecks(HealthChecks& checks, const meta::VoiceCatalog& voices,
                            const meta::BgmCatalog& bgm);

}  // namespace vmsg::http
