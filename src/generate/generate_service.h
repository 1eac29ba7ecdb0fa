// GenerateService: the whole video generation (the spec's "Data Flow Example: Video
// Generation"): the eight pipeline steps over the object store, the voices and the music
// catalog. The API checks a request with Check before it queues the task; a worker (or
// `vmsg generate`, in-process) runs it with Run. The worker's task handler is Handler().
#pragma once

#include <memory>
#include <string>

#include "audio/mix.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "catalog/catalog.h"
#include "generate/generate_args.h"
#include "image/person_detector.h"
#include "image/segmenter.h"
#include "library/voice_service.h"
#include "objects/object_store.h"
#include "pipeline/pipeline.h"
#include "pipeline/stages/frame_preview.h"
#include "pipeline/stages/render_stage.h"
#include "state/state.h"
#include "webhooks/webhook_service.h"
#include "worker/worker_pool.h"

namespace vmsg::generate {

// Checks an uploaded picture's header (image::CheckUpload's refusals: unsupported type,
// corrupt, too large, too many pixels, too small) and stores it for task `task_id` as
// images/uploads/{task_id}/{name}.{jpg|png|webp}; returns the key.
Result<std::string> StoreUploadedImage(objects::ObjectStore& store, std::string_view task_id,
                                       std::string_view name, const std::string& bytes);

struct GenerateOptions {
  audio::MixOptions mix;
  pipeline::RenderStage::Params render;
  int max_retries = 3;           // of a submitted generation task
  bool require_consent = false;  // VMSG_REQUIRE_CONSENT: Check refuses consent: false
};

// What a finished generation reports (the task's SUCCESS result).
struct GenerateResult {
  std::string task_id;
  std::string video_key;
  std::string thumbnail_key;
  double duration_seconds = 0;
  double processing_time_seconds = 0;
  bool face_animated = false;
  std::string format;  // the output format's name, and its picture's size
  int width = 0;
  int height = 0;
  std::vector<std::string> reused_steps;  // steps skipped because a redelivery found them done

  // {video_key, thumbnail_key, duration_seconds, processing_time_seconds, face_animated,
  // format, width, height, reused_steps}
  Json ToJson() const;
  // DataLoss when a field is missing or of the wrong type.
  static Result<GenerateResult> FromJson(std::string task_id, const Json& json);
};

// A framed preview and the detected photo it was made from.
struct FramePreview {
  std::string image_id;  // the detect endpoint's id of the photo (new for an object_key)
  cv::Mat still;         // BGR, the frame's size
};

struct GenerateDeps {
  objects::ObjectStore* store = nullptr;
  library::VoiceService* voices = nullptr;
  catalog::BgmCatalog* bgm = nullptr;
  const image::PersonDetector* detector = nullptr;
  const image::Segmenter* segmenter = nullptr;
  const Clock* clock = nullptr;
  const Logger* logger = nullptr;
  pipeline::StageObserver* stage_observer = nullptr;  // optional: per-stage timings (metrics)
  // Where Submit puts an accepted request: the API's. A worker or `vmsg generate`, which
  // only run generations, leaves them null.
  state::TaskResults* results = nullptr;
  state::ProgressStore* progress = nullptr;
  state::JobQueue* queue = nullptr;
  // Checks and records a request's callback_url; null: requests with one are refused.
  webhooks::WebhookService* webhooks = nullptr;
};

class GenerateService {
 public:
  // Builds the pipeline. InvalidArgument when a dependency is missing or an option is out
  // of range. Every dependency must outlive the service.
  static Result<std::unique_ptr<GenerateService>> Make(const GenerateDeps& deps,
                                                       const GenerateOptions& options);

  // Everything that can be checked without decoding a picture, cheapest first, each refusal
  // an InvalidArgument with a stable reason: consent_required (with options.require_consent),
  // the text (invalid_text, text_empty,
  // text_too_long; text_empty too when the voice can read none of it), unknown_voice,
  // language_mismatch (the voice does not speak args.language), unknown_bgm, unknown_background
  // (each listing the valid ids), image_not_found / background_not_found (the object is not in the
  // store).
  Status Check(const GenerateArgs& args) const;
  // Check, then the pictures decoded (small: JPEGs at a reduced DCT scale): image_corrupt for
  // a truncated or damaged photo or uploaded background, which would otherwise fail only in
  // the worker. `image_bytes` are the photo's when the caller holds them (an upload), else
  // they are read from the store. Tens of milliseconds for a 12 MP JPEG; the API's check.
  Status CheckBeforeQueueing(const GenerateArgs& args, std::string_view image_bytes = {}) const;
  // Accepts a request: the callback_url's destination (webhooks: invalid_callback_url,
  // callback_url_refused, callback_url_unresolvable, webhooks_disabled without a webhook
  // service or secret), CheckBeforeQueueing, the callback's waiting record, then the task's
  // PENDING record, its first
  // progress ("queued", 0 %) and the job on the queue at the most urgent priority (someone
  // waits for it). Check's refusals, the state's errors; FailedPrecondition when the service
  // was made without the state (deps.results, progress, queue).
  Status Submit(const std::string& task_id, const GenerateArgs& args,
                std::string_view image_bytes = {}) const;

  // Runs the eight steps for `task_id`, reporting each step to `progress` and stopping at
  // the next cancellation point once `cancel` fires. Steps whose outputs are already stored
  // (a redelivered task) are reused. Errors: Check's, the stages' (e.g. no_person_detected,
  // person_index_out_of_range, image_undecodable), Cancelled when cancelled, the store's.
  Result<GenerateResult> Run(const std::string& task_id, const GenerateArgs& args,
                             pipeline::ProgressSink& progress,
                             const CancellationToken& cancel) const;

  // The framed still a generation with these choices would make (steps 3 and 4), for the
  // page to show before generating. A photo named by an upload's object key is first checked
  // and searched as the detect endpoint does, stored under `new_image_id` (the answer's
  // image_id, for the next preview). Errors: unknown_background, background_not_found;
  // NotFound image_not_found; step 1's refusals for the photo; person_index_out_of_range,
  // no_person_detected; the store's. Seconds of CPU at most (a cut-out per image and
  // person, kept; then only the framing). Thread-safe.
  Result<FramePreview> Preview(const PreviewArgs& args, const std::string& new_image_id) const;

  // The detect endpoint's steps 1 and 2 on `photo`: checked, stored under `image_id` with the
  // detection, each person's crop and preview (pipeline::DetectPersonsInUpload), so that a
  // generation or preview naming that image id reuses them. Step 1's refusals.
  Result<image::Detection> DetectPersons(const std::string& image_id, std::string photo) const;

  // The worker's handler for kGenerateTaskName: the job's args are GenerateArgs::ToJson();
  // progress goes to the task's progress record in the request's language.
  worker::TaskHandler Handler() const;

  // The valid ids, for error messages.
  std::string VoiceIdList() const;
  std::string BgmIdList() const;

 private:
  GenerateService(const GenerateDeps& deps, const GenerateOptions& options,
                  pipeline::Pipeline pipeline, std::unique_ptr<pipeline::FramePreviewer> previewer)
      : deps_(deps),
        max_retries_(options.max_retries),
        require_consent_(options.require_consent),
        pipeline_(std::move(pipeline)),
        previewer_(std::move(previewer)) {}

  Result<pipeline::Request> BuildRequest(const GenerateArgs& args) const;
  // Runs `body` with a stage context of the API's own calls: no progress, never cancelled.
  template <typename Body>
  auto WithQuietContext(Body&& body) const;
  Result<FramePreview> PreviewIn(pipeline::StageContext& ctx, const PreviewArgs& args,
                                 const std::string& new_image_id) const;
  // unknown_background, or background_not_found for an uploaded background not stored.
  Status CheckBackground(const std::string& background_id, const std::string& background_key) const;
  // The person, framing and background of a generation or preview into the request.
  template <typename Args>
  Status SetPictureChoices(const Args& args, pipeline::Request& request) const;

  GenerateDeps deps_;
  int max_retries_;  // of a submitted task
  bool require_consent_;
  pipeline::Pipeline pipeline_;
  std::unique_ptr<pipeline::FramePreviewer> previewer_;
};

}  // namespace vmsg::generate
