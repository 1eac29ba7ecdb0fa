// Stage: one step of the generation pipeline (DESIGN.md section 4). Every stage has the same
// small signature, typed parameters validated when it is made, and declared inputs and
// outputs (object names) that Pipeline checks before any work flows.
#pragma once

#include <chrono>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cancellation.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/status.h"
#include "image/composition.h"
#include "image/output_format.h"
#include "image/person_detector.h"
#include "objects/keys.h"
#include "objects/object_store.h"
#include "speech/prosody.h"
#include "speech/speaker.h"
#include "speech/speech.h"

namespace vmsg::pipeline {

// The spec's progress record counts eight steps.
inline constexpr int kTotalSteps = 8;

// What a step reports when it starts: the spec's percentage and both messages.
struct StepInfo {
  std::string_view name;  // current_step, e.g. "background_removal"
  int percentage = 0;
  std::string_view message_ja;
  std::string_view message_en;
};

// Receives progress. Implementations write the spec's progress record (see progress.h).
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Records that `step` has started. A failure to record progress is returned; the pipeline
  // treats it as a warning, never as the task's failure.
  virtual Status Report(const StepInfo& step) = 0;
};

// Which background the framed picture gets.
enum class BackgroundKind { kPreset, kOriginal, kBlurredOriginal, kUploaded };

// What the request asked for, as far as steps 1-4 are concerned.
struct Request {
  std::string upload;               // the uploaded image's bytes (input "upload")
  std::optional<int> person_index;  // absent: the largest person
  BackgroundKind background = BackgroundKind::kPreset;
  std::string background_id = "bg-pastel-confetti";  // for kPreset
  std::string background_upload;                     // for kUploaded: the image's bytes
  // Step 3 stores the crop opaque and step 4 frames it over the photo itself.
  bool keep_original_background = false;
  image::Framing framing = image::Framing::kAuto;  // step 4's composition
  // The video's shape and size: step 4 frames for it, step 8 renders and encodes at it.
  image::OutputFormat format = image::OutputFormat::kPortrait;

  // Steps 5-6: the message, the voice that speaks it, and the delivery asked for.
  std::string text;
  speech::VoiceParams voice;
  speech::ProsodyParams prosody;

  // Step 7: the music track's object key (a system or uploaded track); empty: no music.
  std::string music_key;
};

// The state a task carries from stage to stage. Decoded images are kept here so a stage
// need not decode what the previous one just produced; when a stage was skipped on resume,
// the next one loads what it needs from the store instead.
struct WorkItem {
  std::string task_id;
  Request request;

  cv::Mat original;                           // BGR, orientation applied (step 1)
  std::optional<image::Detection> detection;  // step 2
  int chosen_person = -1;  // the person steps 3-4 work on (set by step 2; -1: nobody)
  cv::Mat cutout;          // BGRA crop of the chosen person (step 3), maybe scaled down
  cv::Rect cutout_rect;    // where `cutout` lies in `original` (before scaling)
  cv::Mat framed;          // BGR at the request's format's size (step 4)
  cv::Mat framed_alpha;    // the person's matte in `framed` (step 4; not stored)
  // The chosen person's 68 face landmarks in `framed` (step 4); empty without a frontal face.
  std::vector<cv::Point2f> framed_landmarks;
  // How step 4 composed the frame ({framing, format, width, height, scale, upscale_capped,
  // face_share, eye_line, centre_offset, anchor_x}), for video.json; null when unknown (a
  // task framed by an older version).
  Json composition;
  // The message as step 6 delivered it (audio with timings), which steps 7-8 mix and
  // animate; also the preset it applied.
  std::optional<speech::Speech> speech;
  std::optional<speech::ProsodyPreset> applied_preset;

  std::vector<std::string> reused;  // names of the stages skipped because their output existed
};

// Told how long each stage took that ran and succeeded (reused and failed stages are not
// reported), for metrics. Called on the thread running the pipeline: cheap, thread-safe.
class StageObserver {
 public:
  virtual ~StageObserver() = default;
  virtual void StageDone(std::string_view stage, std::chrono::steady_clock::duration elapsed) = 0;
};

// Everything a stage may use besides the work item. Nothing in it is owned.
struct StageContext {
  objects::ObjectStore& store;
  ProgressSink& progress;
  const CancellationToken& cancel;
  const Clock& clock;
  const Logger& logger;
  StageObserver* observer = nullptr;  // optional
};

class Stage {
 public:
  virtual ~Stage() = default;

  virtual const StepInfo& Step() const = 0;

  // Objects this stage reads and writes: "upload" (the request's bytes) or a task layout of
  // objects/keys.h, e.g. keys::kCutout. See ObjectKey.
  virtual std::vector<std::string> Inputs() const = 0;
  virtual std::vector<std::string> Outputs() const = 0;

  // Does the step. OK when every output is stored. Errors: InvalidArgument (with a stable
  // reason) for bad input, Cancelled when `ctx.cancel` fired, others from the store.
  // Idempotent: running it again rewrites the same objects. Thread-safe (const, stateless
  // apart from models loaded at construction).
  virtual Status Run(StageContext& ctx, WorkItem& item) const = 0;

  // Called instead of Run when every output already exists for the task (a redelivered
  // task): loads into `item` the small results later stages rely on (the detection, the
  // chosen person), never the images, which later stages load when they need them. OK by
  // default, for stages whose outputs say it all.
  virtual Status Restore(StageContext& ctx, WorkItem& item) const;
};

// Names the request provides rather than a stage.
inline constexpr std::string_view kUploadInput = "upload";

// The store key of `layout` (one of objects/keys.h's task layouts) for `item`: the task id,
// the chosen person's index and the format's size filled in.
std::string ObjectKey(const WorkItem& item, std::string_view layout);

}  // namespace vmsg::pipeline
