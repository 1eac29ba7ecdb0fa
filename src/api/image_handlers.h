// The photo endpoints of the generation flow:
//   POST /api/person-detection/detect   store a photo (step 1) and find the people in it
//                                       (step 2), so that the user can choose one; the
//                                       photo sent as multipart or named by the object key
//                                       of a presigned upload
//   GET  /api/backgrounds               the background choices, with thumbnails
//   GET  /api/backgrounds/{id}/thumbnail, /api/backgrounds/{id}/image
// Detection runs on the CPU pool, never on the server's I/O threads.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>

#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "generate/generate_service.h"
#include "http/router.h"
#include "objects/object_store.h"

namespace vmsg::api {

// The multipart body of a detect request: the photo and a little framing.
inline constexpr uint64_t kDetectFormOverheadBytes = 64 * 1024;
// The JSON body of a detect request names an uploaded object: {"object_key": "..."}.
inline constexpr uint64_t kMaxDetectJsonBytes = 4096;

struct ImageServices {
  objects::ObjectStore* store = nullptr;
  const generate::GenerateService* generator = nullptr;  // detection
  boost::asio::thread_pool* cpu = nullptr;               // where detection runs
  IdGenerator* ids = nullptr;
  std::chrono::seconds presign_expiry{3600};
  // The preset backgrounds and thumbnails written at set-up (image::WriteBackgrounds).
  std::filesystem::path backgrounds_dir;
};

void AddImageRoutes(http::Router& router, ImageServices services);

}  // namespace vmsg::api
