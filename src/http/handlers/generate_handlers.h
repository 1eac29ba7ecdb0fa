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

#include "blob/object_store.h"
#include "common/clock.h"
#include "common/ids.h"
#include "generate/generate_service.h"
#include "http/router.h"
#include "state/state.h"

namespace vmsg::http {

// The multipart body of a generate request: the photo, a background and the fields.
inline constexpr uint64_t kGenerateFormOverheadBytes = 256 * 1024;
// A preview's JSON body names stored objects and a few choices.
inline constexpr uint64_t kMaxPreviewJsonBytes = 4096;
// The preview's JPEG quality: good enough to judge the framing, quick to send.
inline constexpr int kPreviewJpegQuality = 85;

struct GenerateServices {
  const generate::GenerateService* generator = nullptr;
  blob::ObjectStore* store = nullptr;
  state::JobQueue* queue = nullptr;
  state::TaskResults* results = nullptr;
  state::ProgressStore* progress = nullptr;
  boost::asio::thread_pool* cpu = nullptr;
  IdGenerator* ids = nullptr;
  const Clock* clock = nullptr;
  std::chrono::seconds presign_expiry{3600};
  int max_retries = 3;  // of a generation task
};

void AddGenerateRoutes(Router& router, GenerateServices services);

}  // namespace vmsg::http
