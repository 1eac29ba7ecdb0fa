// See generate_service.h.
#include "generate/generate_service.h"

#include <chrono>

#include "image/backgrounds.h"
#include "image/image_io.h"
#include "objects/keys.h"
#include "pipeline/progress.h"
#include "pipeline/stages/image_pipeline.h"
#include "pipeline/stages/mix_stage.h"
#include "pipeline/stages/person_detection_stage.h"
#include "pipeline/stages/speech_stage.h"
#include "speech/text.h"

namespace vmsg::generate {
namespace {

constexpr char kComponent[] = "generate";
// The first progress of a submitted task, until a worker takes it.
constexpr char kQueuedMessage[] = "順番を待っています...";
constexpr std::string_view kQueuedStep = "queued";
// The longer side a picture is decoded to when it is only checked before queueing.
constexpr int kCheckDecodeSide = 256;

// Reports each step to the task's progress record (through the worker's TaskContext), in the
// request's language.
class TaskProgressSink final : public pipeline::ProgressSink {
 public:
  TaskProgressSink(worker::TaskContext& task, bool english) : task_(task), english_(english) {}

  Status Report(const pipeline::StepInfo& step) override {
    return task_.ReportProgress(step.percentage, std::string(step.name),
                                std::string(english_ ? step.message_en : step.message_ja));
  }

 private:
  worker::TaskContext& task_;
  bool english_;
};

Status Refuse(std::string reason, std::string message) {
  return Status::InvalidArgument(std::move(message), std::move(reason));
}

bool SpeaksLanguage(const speech::VoiceParams& params, std::string_view language) {
  if (language == "ja") return !params.japanese_voice.empty();
  if (language == "en") return !params.english_voice.empty();
  return true;
}

std::string BackgroundIdList() {
  std::string ids;
  for (const image::BackgroundPreset& p : image::BackgroundPresets()) {
    ids += std::string(p.id) + ", ";
  }
  return ids + std::string(kOriginalBackground) + ", " + std::string(kBlurredBackground) + ", " +
         std::string(kUploadedBackground);
}

bool IsPreset(std::string_view id) {
  for (const image::BackgroundPreset& p : image::BackgroundPresets()) {
    if (p.id == id) return true;
  }
  return false;
}

Status RequireObject(objects::ObjectStore& store, const std::string& key, std::string reason,
                     std::string_view what) {
  if (Status valid = objects::ValidateKey(key); !valid.ok()) {
    return Refuse(std::move(reason),
                  std::string(what) + " key is not a valid object key: " + valid.message());
  }
  VMSG_ASSIGN_OR_RETURN(bool exists, store.Exists(key));
  if (!exists) return Refuse(std::move(reason), std::string(what) + " " + key + " is not stored");
  return Status::Ok();
}

}  // namespace

Result<std::string> StoreUploadedImage(objects::ObjectStore& store, std::string_view task_id,
                                       std::string_view name, const std::string& bytes) {
  VMSG_ASSIGN_OR_RETURN(image::ImageHeader header, image::CheckUpload(bytes));
  std::string_view extension = "jpg", content_type = "image/jpeg";
  if (header.type == image::ImageType::kPng) {
    extension = "png";
    content_type = "image/png";
  } else if (header.type == image::ImageType::kWebp) {
    extension = "webp";
    content_type = "image/webp";
  }
  const std::string key = keys::ImageUpload(task_id, name, extension);
  VMSG_RETURN_IF_ERROR(store.Put(key, bytes, {.content_type = std::string(content_type)}));
  return key;
}

Json GenerateResult::ToJson() const {
  return {{"video_key", video_key},
          {"thumbnail_key", thumbnail_key},
          {"duration_seconds", duration_seconds},
          {"processing_time_seconds", processing_time_seconds},
          {"face_animated", face_animated},
          {"format", format},
          {"width", width},
          {"height", height},
          {"reused_steps", reused_steps}};
}

Result<GenerateResult> GenerateResult::FromJson(std::string task_id, const Json& json) {
  GenerateResult r;
  r.task_id = std::move(task_id);
  try {
    r.video_key = json.at("video_key").get<std::string>();
    r.thumbnail_key = json.at("thumbnail_key").get<std::string>();
    r.duration_seconds = json.at("duration_seconds").get<double>();
    r.processing_time_seconds = json.at("processing_time_seconds").get<double>();
    r.face_animated = json.at("face_animated").get<bool>();
    r.reused_steps = json.value("reused_steps", std::vector<std::string>{});
    // Results recorded before formats existed are the default format's.
    const image::FormatSpec& portrait = image::SpecOf(image::OutputFormat::kPortrait);
    r.format = json.value("format", std::string(portrait.name));
    r.width = json.value("width", portrait.width);
    r.height = json.value("height", portrait.height);
  } catch (const Json::exception& e) {
    return Status::DataLoss(std::string("a generation result is malformed: ") + e.what());
  }
  return r;
}

Result<std::unique_ptr<GenerateService>> GenerateService::Make(const GenerateDeps& deps,
                                                               const GenerateOptions& options) {
  if (deps.store == nullptr || deps.voices == nullptr || deps.bgm == nullptr ||
      deps.detector == nullptr || deps.segmenter == nullptr || deps.clock == nullptr ||
      deps.logger == nullptr) {
    return Status::InvalidArgument("the generate service needs every dependency");
  }
  VMSG_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<pipeline::Stage>> stages,
                        pipeline::NewImageStages({deps.detector, deps.segmenter}));
  const speech::Speaker& speaker = deps.voices->speaker();
  stages.push_back(std::make_unique<pipeline::SpeechStage>(speaker));
  stages.push_back(std::make_unique<pipeline::ProsodyStage>(speaker));
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<pipeline::MixStage> mix,
                        pipeline::MixStage::Make({.mix = options.mix}));
  stages.push_back(std::move(mix));
  pipeline::RenderStage::Params render = options.render;
  render.lead_seconds = options.mix.lead_seconds;
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<pipeline::RenderStage> render_stage,
                        pipeline::RenderStage::Make(render, pipeline::TalkingPhotoFactory()));
  stages.push_back(std::move(render_stage));
  VMSG_ASSIGN_OR_RETURN(pipeline::Pipeline chain, pipeline::Pipeline::Build(std::move(stages)));
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<pipeline::FramePreviewer> previewer,
                        pipeline::FramePreviewer::Make(deps.segmenter));
  return std::unique_ptr<GenerateService>(
      new GenerateService(deps, options, std::move(chain), std::move(previewer)));
}

std::string GenerateService::VoiceIdList() const {
  std::string list;
  if (Result<std::vector<std::string>> ids = deps_.voices->VoiceIds(); ids.ok()) {
    for (const std::string& id : *ids) list += (list.empty() ? "" : ", ") + id;
  }
  return list;
}

std::string GenerateService::BgmIdList() const {
  std::string list(kNoMusic);
  if (Result<std::vector<catalog::BgmTrack>> tracks = deps_.bgm->List(); tracks.ok()) {
    for (const catalog::BgmTrack& t : *tracks) list += ", " + t.id;
  }
  return list;
}

Status GenerateService::CheckBackground(const std::string& background_id,
                                        const std::string& background_key) const {
  if (!IsPreset(background_id) && background_id != kOriginalBackground &&
      background_id != kBlurredBackground && background_id != kUploadedBackground) {
    return Refuse("unknown_background", "no background '" + background_id +
                                            "'; valid background_id values: " + BackgroundIdList());
  }
  if (background_id == kUploadedBackground) {
    VMSG_RETURN_IF_ERROR(
        RequireObject(*deps_.store, background_key, "background_not_found", "background"));
  }
  return Status::Ok();
}

template <typename Args>
Status GenerateService::SetPictureChoices(const Args& args, pipeline::Request& request) const {
  request.person_index = args.person_index;
  request.framing = args.framing;
  request.format = args.format;
  if (args.background_id == kOriginalBackground) {
    request.background = pipeline::BackgroundKind::kOriginal;
  } else if (args.background_id == kBlurredBackground) {
    request.background = pipeline::BackgroundKind::kBlurredOriginal;
  } else if (args.background_id == kUploadedBackground) {
    request.background = pipeline::BackgroundKind::kUploaded;
    VMSG_ASSIGN_OR_RETURN(request.background_upload, deps_.store->GetBytes(args.background_key));
  } else {
    request.background = pipeline::BackgroundKind::kPreset;
    request.background_id = args.background_id;
  }
  return Status::Ok();
}

template <typename Body>
auto GenerateService::WithQuietContext(Body&& body) const {
  std::unique_ptr<pipeline::ProgressSink> progress = pipeline::NewDiscardingProgressSink();
  const CancellationToken never_cancelled;
  pipeline::StageContext ctx{.store = *deps_.store,
                             .progress = *progress,
                             .cancel = never_cancelled,
                             .clock = *deps_.clock,
                             .logger = *deps_.logger};
  return body(ctx);
}

Result<image::Detection> GenerateService::DetectPersons(const std::string& image_id,
                                                        std::string photo) const {
  return WithQuietContext([&](pipeline::StageContext& ctx) {
    return pipeline::DetectPersonsInUpload(ctx, *deps_.detector, image_id, std::move(photo));
  });
}

Result<FramePreview> GenerateService::Preview(const PreviewArgs& args,
                                              const std::string& new_image_id) const {
  VMSG_RETURN_IF_ERROR(CheckBackground(args.background_id, args.background_key));
  return WithQuietContext(
      [&](pipeline::StageContext& ctx) { return PreviewIn(ctx, args, new_image_id); });
}

Result<FramePreview> GenerateService::PreviewIn(pipeline::StageContext& ctx,
                                                const PreviewArgs& args,
                                                const std::string& new_image_id) const {
  pipeline::WorkItem item;
  item.task_id = args.image_id;
  if (!args.image_key.empty()) {
    // A presigned upload: checked and searched as the detect endpoint does, under a new id.
    Result<std::string> photo = deps_.store->GetBytes(args.image_key);
    if (!photo.ok() && photo.status().IsNotFound()) {
      return Status::NotFound("no uploaded photo " + args.image_key + " (it may have expired)",
                              "image_not_found");
    }
    if (!photo.ok()) return photo.status();
    VMSG_ASSIGN_OR_RETURN(
        image::Detection detection,
        pipeline::DetectPersonsInUpload(ctx, *deps_.detector, new_image_id, std::move(*photo)));
    item.task_id = new_image_id;
    // A person the photo does not have is refused with nothing left stored.
    const int count = int(detection.persons.size());
    if (count == 0 || (args.person_index && *args.person_index >= count)) {
      for (const std::string& key : pipeline::DetectedObjectKeys(new_image_id, detection)) {
        (void)deps_.store->Delete(key);  // best effort: the lifecycle sweeps what stays
      }
      if (count == 0) {
        return Refuse("no_person_detected", "nobody was found in the photo");
      }
      return Refuse("person_index_out_of_range",
                    "person_index " + std::to_string(*args.person_index) + " does not exist (" +
                        std::to_string(count) + " persons found)");
    }
  }
  VMSG_RETURN_IF_ERROR(SetPictureChoices(args, item.request));
  VMSG_ASSIGN_OR_RETURN(image::Framed framed, previewer_->Frame(ctx, item));
  return FramePreview{.image_id = item.task_id, .still = std::move(framed.image)};
}

Status GenerateService::Check(const GenerateArgs& args) const {
  if (require_consent_ && !args.consent) {
    return Refuse("consent_required",
                  "this server makes videos only with `consent: true`: confirm that the person "
                  "in the photo agreed");
  }
  Result<speech::CleanText> text =
      speech::CleanMessageText(args.text, deps_.voices->speaker().options().max_chars);
  if (!text.ok()) return text.status();
  Result<speech::VoiceParams> params = deps_.voices->ParamsFor(args.voice_id);
  if (!params.ok()) {
    const std::string reason = params.status().reason();
    if (reason == "invalid_id" || reason == catalog::VoiceProfile::kNotFoundReason) {
      return Refuse("unknown_voice",
                    "no voice '" + args.voice_id + "'; valid voice_id values: " + VoiceIdList());
    }
    return params.status();
  }
  if (!SpeaksLanguage(*params, args.language)) {
    return Refuse("language_mismatch", "voice '" + args.voice_id + "' does not speak '" +
                                           args.language + "'; choose a voice of that language");
  }
  VMSG_RETURN_IF_ERROR(deps_.voices->speaker().Check(args.text, *params));
  if (args.bgm_id) {
    Result<catalog::BgmTrack> track = deps_.bgm->Get(*args.bgm_id);
    if (!track.ok()) {
      const std::string reason = track.status().reason();
      if (reason == "invalid_id" || reason == catalog::BgmTrack::kNotFoundReason) {
        return Refuse("unknown_bgm",
                      "no music '" + *args.bgm_id + "'; valid bgm_id values: " + BgmIdList());
      }
      return track.status();
    }
  }
  VMSG_RETURN_IF_ERROR(CheckBackground(args.background_id, args.background_key));
  return RequireObject(*deps_.store, args.image_key, "image_not_found", "image");
}

Status GenerateService::CheckBeforeQueueing(const GenerateArgs& args,
                                            std::string_view image_bytes) const {
  VMSG_RETURN_IF_ERROR(Check(args));
  const auto decodes = [](std::string_view bytes) -> Status {
    return image::DecodeUpload(bytes, {.max_side = kCheckDecodeSide}).status();
  };
  if (image_bytes.empty()) {
    VMSG_ASSIGN_OR_RETURN(std::string stored, deps_.store->GetBytes(args.image_key));
    VMSG_RETURN_IF_ERROR(decodes(stored));
  } else {
    VMSG_RETURN_IF_ERROR(decodes(image_bytes));
  }
  if (args.background_id == kUploadedBackground) {
    VMSG_ASSIGN_OR_RETURN(std::string background, deps_.store->GetBytes(args.background_key));
    VMSG_RETURN_IF_ERROR(decodes(background).WithContext("background"));
  }
  return Status::Ok();
}

Status GenerateService::Submit(const std::string& task_id, const GenerateArgs& args,
                               std::string_view image_bytes) const {
  if (deps_.results == nullptr || deps_.progress == nullptr || deps_.queue == nullptr) {
    return Status::FailedPrecondition("this generation service cannot queue tasks");
  }
  if (!args.callback_url.empty()) {
    if (deps_.webhooks == nullptr) {
      return Status::InvalidArgument("this server sends no webhooks", "webhooks_disabled");
    }
    VMSG_RETURN_IF_ERROR(deps_.webhooks->CheckCallbackUrl(args.callback_url));
  }
  VMSG_RETURN_IF_ERROR(CheckBeforeQueueing(args, image_bytes));
  if (!args.callback_url.empty()) {
    VMSG_RETURN_IF_ERROR(deps_.webhooks->Register(task_id, args.callback_url));
  }
  state::TaskResult pending;
  pending.task_id = task_id;
  pending.status = state::TaskStatus::kPending;
  VMSG_RETURN_IF_ERROR(deps_.results->Put(pending));
  state::Progress queued;
  queued.task_id = task_id;
  queued.percentage = 0;
  queued.message = kQueuedMessage;
  queued.current_step = std::string(kQueuedStep);
  queued.timestamp = deps_.clock->Now();
  VMSG_RETURN_IF_ERROR(deps_.progress->Publish(queued));
  // Most urgent: on Redis, Celery's default priority 0 on the plain "celery" list.
  return deps_.queue->Enqueue({.task_id = task_id,
                               .task_name = std::string(kGenerateTaskName),
                               .args = args.ToJson(),
                               .priority = state::kMaxPriority,
                               .max_retries = max_retries_});
}

Result<pipeline::Request> GenerateService::BuildRequest(const GenerateArgs& args) const {
  VMSG_RETURN_IF_ERROR(Check(args));
  pipeline::Request request;
  VMSG_ASSIGN_OR_RETURN(request.upload, deps_.store->GetBytes(args.image_key));
  VMSG_RETURN_IF_ERROR(SetPictureChoices(args, request));
  request.text = args.text;
  VMSG_ASSIGN_OR_RETURN(request.voice, deps_.voices->ParamsFor(args.voice_id));
  request.prosody = args.prosody;
  if (args.bgm_id) {
    VMSG_ASSIGN_OR_RETURN(catalog::BgmTrack track, deps_.bgm->Get(*args.bgm_id));
    request.music_key = track.file_path;
  }
  return request;
}

Result<GenerateResult> GenerateService::Run(const std::string& task_id, const GenerateArgs& args,
                                            pipeline::ProgressSink& progress,
                                            const CancellationToken& cancel) const {
  const auto started = std::chrono::steady_clock::now();
  pipeline::WorkItem item;
  item.task_id = task_id;
  VMSG_ASSIGN_OR_RETURN(item.request, BuildRequest(args));
  pipeline::StageContext ctx{.store = *deps_.store,
                             .progress = progress,
                             .cancel = cancel,
                             .clock = *deps_.clock,
                             .logger = *deps_.logger,
                             .observer = deps_.stage_observer};
  VMSG_RETURN_IF_ERROR(pipeline_.Run(ctx, item));
  // Step 8 wrote what the result reports about the video beside it.
  VMSG_ASSIGN_OR_RETURN(std::string info_bytes,
                        deps_.store->GetBytes(pipeline::ObjectKey(item, keys::kVideoInfo)));
  VMSG_ASSIGN_OR_RETURN(Json info, ParseJson(info_bytes));
  GenerateResult result;
  result.task_id = task_id;
  result.video_key = pipeline::ObjectKey(item, keys::kVideo);
  result.thumbnail_key = pipeline::ObjectKey(item, keys::kThumbnail);
  if (!info.is_object() || !info.value("duration_seconds", Json()).is_number() ||
      !info.value("face_animated", Json()).is_boolean()) {
    return Status::DataLoss("the stored video.json of task " + task_id + " is malformed");
  }
  result.duration_seconds = info["duration_seconds"].get<double>();
  result.face_animated = info["face_animated"].get<bool>();
  result.format = info.value("format", std::string(image::FormatName(args.format)));
  result.width = info.value("width", 0);
  result.height = info.value("height", 0);
  result.reused_steps = item.reused;
  result.processing_time_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  deps_.logger->Info(kComponent, "video generated",
                     {{"task_id", task_id},
                      {"duration_seconds", result.duration_seconds},
                      {"processing_time_seconds", result.processing_time_seconds},
                      {"face_animated", result.face_animated}});
  return result;
}

worker::TaskHandler GenerateService::Handler() const {
  return [this](worker::TaskContext& task) -> Result<Json> {
    VMSG_ASSIGN_OR_RETURN(GenerateArgs args, GenerateArgsFromJson(task.job().args));
    bool english = args.language == "en";
    if (args.language.empty()) {
      // Messages in the voice's language; Japanese when it speaks both.
      Result<speech::VoiceParams> params = deps_.voices->ParamsFor(args.voice_id);
      english = params.ok() && params->japanese_voice.empty();
    }
    task.SetFinalTexts(english ? worker::kEnglishFinalTexts : worker::kJapaneseFinalTexts);
    TaskProgressSink progress(task, english);
    VMSG_ASSIGN_OR_RETURN(GenerateResult result,
                          Run(task.job().task_id, args, progress, task.token()));
    Json json = result.ToJson();
    json["consent"] = args.consent;  // kept with the task's outcome
    return json;
  };
}

}  // namespace vmsg::generate
