// The generation endpoints:
//   POST /api/image/frame              the framed still a generation would make (a preview)
//   POST /api/video/generate           check a request, queue the task, answer 202
//   GET  /api/video/result/{task_id}   the finished video's signed URLs (202 while pending)
// A request is either multipart/form-data (the photo in `image`, optionally a background
// picture in `background`, and the fields as text) or JSON naming a photo already stored:
// `image_id` from the detect endpoint or `object_key` from a presigned upload. Everything
// is checked before anything is queued, on the CPU pool (catalog and store reads).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>

#include "base/clock.h"
#include "base/ids.h"
#include "generate/generate_service.h"
#include "http/router.h"
#include "objects/object_store.h"
#include "state/state.h"

namespace vmsg::api {

// The multipart body of a generate request: the photo, a background and the fields.
inline constexpr uint64_t kGenerateFormOverheadBytes = 256 * 1024;
// A preview's JSON body names stored objects and a few choices.
inline constexpr uint64_t kMaxPreviewJsonBytes = 4096;
// The preview's JPEG quality: good enough to judge the framing, quick to send.
inline constexpr int kPreviewJpegQuality = 85;

struct GenerateServices {
  const generate::GenerateService* generator = nullptr;
  objects::ObjectStore* store = nullptr;
  state::TaskResults* results = nullptr;  // for the answer of a finished task
  boost::asio::thread_pool* cpu = nullptr;
  IdGenerator* ids = nullptr;
  std::chrono::seconds presign_expiry{3600};
};

void AddGenerateRoutes(http::Router& router, GenerateServices services);

}  // namespace vmsg::api
