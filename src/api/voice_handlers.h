// Voice endpoints: POST /api/voice/synthesize (speech in a voice, for previews in the UI)
// and POST /api/voice-clone/profiles (a custom voice from one to three recordings). The work
// (synthesis, decoding, matching) runs on the service's CPU pool, never on a server thread;
// every rule lives in src/speech and src/library.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>

#include "base/ids.h"
#include "http/router.h"
#include "library/voice_service.h"

namespace vmsg::api {

// A synthesize request body is small JSON.
inline constexpr uint64_t kMaxSynthesizeBodyBytes = 16 * 1024;
// Text fields of the create form (name, language, gender, description).
inline constexpr size_t kMaxVoiceFormFieldBytes = 2048;
inline constexpr size_t kMaxVoiceFormFields = 8;
inline constexpr size_t kMaxVoicePartHeaderBytes = 8 * 1024;
// Multipart framing and part headers on top of the files.
inline constexpr uint64_t kVoiceFormOverheadBytes = 64 * 1024;
// The voice used when a synthesize request names none.
inline constexpr std::string_view kDefaultVoiceId = "default_female";

struct VoiceRouteServices {
  library::VoiceService* voices = nullptr;  // not null; must outlive the router
  boost::asio::thread_pool* cpu = nullptr;  // not null; where synthesis and analysis run
  IdGenerator* ids = nullptr;               // not null; issues vmsg_client cookies
};

// Registers POST /api/voice/synthesize and POST /api/voice-clone/profiles. A custom voice
// belongs to the browser that made it (its vmsg_client cookie, issued when it has none;
// owner.h), recorded as metadata.uploaded_by.
void AddVoiceRoutes(http::Router& router, VoiceRouteServices services);

}  // namespace vmsg::api
