// BGM upload: POST /api/bgm/tracks (a user's own music from a multipart form). Listing,
// fetching, previewing and deleting tracks are the catalog routes (catalog_handlers.h).
// Decoding and analysis run on the CPU pool, never on a server thread; every rule lives in
// src/music.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>

#include "base/ids.h"
#include "http/router.h"
#include "library/music_service.h"

namespace vmsg::api {

// Text fields of the form (name, mood, description).
inline constexpr size_t kMaxBgmFormFieldBytes = 2048;
inline constexpr size_t kMaxBgmFormFields = 8;
inline constexpr size_t kMaxBgmPartHeaderBytes = 8 * 1024;
// Multipart framing and part headers on top of the file.
inline constexpr uint64_t kBgmFormOverheadBytes = 64 * 1024;

struct BgmRouteServices {
  library::MusicService* music = nullptr;   // not null; must outlive the router
  boost::asio::thread_pool* cpu = nullptr;  // not null; where decoding and analysis run
  IdGenerator* ids = nullptr;               // not null; issues client ids
};

// Registers POST /api/bgm/tracks.
void AddBgmRoutes(http::Router& router, BgmRouteServices services);

}  // namespace vmsg::api
