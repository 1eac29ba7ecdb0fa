// Step 8 in order: inputs (from the work item or the store), frames, subtitles, encode,
// then the three objects, the video last.
#include "pipeline/stages/render_stage.h"

#include <opencv2/imgcodecs.hpp>

#include "audio/codec.h"
#include "base/crypto.h"
#include "base/ids.h"
#include "base/json.h"
#include "disclosure/c2pa.h"
#include "disclosure/xmp.h"
#include "image/image_io.h"
#include "pipeline/stages/image_objects.h"
#include "pipeline/stages/mix_stage.h"
#include "pipeline/stages/speech_stage.h"
#include "speech/speech_json.h"
#include "video/render.h"
#include "video/still_frame_source.h"
#include "video/subtitles.h"
#include "video/talking_photo.h"

namespace vmsg::pipeline {
namespace {

constexpr double kMaxLeadSeconds = 10.0;
// The subtitles keep clear of the eyes and mouth (the landmarks from the brows down, dlib's
// 17-67), with this much of the frame's height around them for the head's motion.
constexpr int kFirstFeatureLandmark = 17;
constexpr double kFeatureMargin = 0.03;
constexpr int kMinJpegQuality = 50;
constexpr int kMaxJpegQuality = 100;

Status Invalid(const std::string& message) {
  return Status::InvalidArgument("render stage: " + message, "invalid_video_options");
}

// The framed picture: step 4's, or read back from its PNG on a resumed task; DataLoss when
// it is not of the request's format's size.
Result<cv::Mat> LoadFramed(StageContext& ctx, WorkItem& item) {
  if (item.framed.empty()) {
    VMSG_ASSIGN_OR_RETURN(std::string png, ctx.store.GetBytes(ObjectKey(item, keys::kFramed)));
    VMSG_ASSIGN_OR_RETURN(item.framed, image::DecodeStored(png, cv::IMREAD_COLOR));
  }
  const image::FormatSpec& format = image::SpecOf(item.request.format);
  if (item.framed.cols != format.width || item.framed.rows != format.height) {
    return Status::DataLoss("the framed picture is " + std::to_string(item.framed.cols) + "x" +
                            std::to_string(item.framed.rows) + ", the format " +
                            std::string(format.name) + " is " +
                            image::SizeName(item.request.format));
  }
  return item.framed;
}

// The delivered speech: step 6's, or its WAV and timings read back (as ProsodyStage::Restore).
Status LoadSpeech(StageContext& ctx, WorkItem& item) {
  if (item.speech) return Status::Ok();
  VMSG_ASSIGN_OR_RETURN(std::string wav, ctx.store.GetBytes(ObjectKey(item, keys::kAdjustedVoice)));
  VMSG_ASSIGN_OR_RETURN(std::string timings,
                        ctx.store.GetBytes(ObjectKey(item, keys::kAdjustedTimings)));
  VMSG_ASSIGN_OR_RETURN(audio::Sound audio, audio::DecodeWav(wav));
  auto json = ParseJson(timings);
  if (!json.ok()) {
    return Status::DataLoss("stored timings are not JSON: " + json.status().message());
  }
  VMSG_ASSIGN_OR_RETURN(speech::Speech speech, speech::SpeechFromJson(*json, std::move(audio)));
  item.speech = std::move(speech);
  return Status::Ok();
}

// The eyes-to-mouth region of the framed face, or an empty rectangle without landmarks.
cv::Rect FaceFeatures(const std::vector<cv::Point2f>& landmarks, cv::Size frame) {
  if (landmarks.size() != size_t(image::kLandmarkCount)) return {};
  const std::vector<cv::Point2f> features(landmarks.begin() + kFirstFeatureLandmark,
                                          landmarks.end());
  const cv::Rect box = cv::boundingRect(features);
  const int margin = int(kFeatureMargin * frame.height);
  return cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
         cv::Rect(0, 0, frame.width, frame.height);
}

}  // namespace

FrameSourceFactory StillFrameSourceFactory() {
  return [](const video::FrameSourceInput& input) { return video::NewStillFrameSource(input); };
}

FrameSourceFactory TalkingPhotoFactory() {
  return [](const video::FrameSourceInput& input) -> Result<std::unique_ptr<video::FrameSource>> {
    video::TalkingPhotoParams params;
    params.motion.energy = input.energy;
    video::TalkingPhotoInput photo{
        .framed = input.framed,
        .landmarks = input.landmarks.value_or(std::vector<cv::Point2f>{}),
        .speech = &input.speech,
        .speech_offset_seconds = input.speech_offset_seconds,
        .duration_seconds = static_cast<double>(input.frame_count) / video::kVideoFps,
        .seed = input.seed};
    VMSG_ASSIGN_OR_RETURN(std::unique_ptr<video::TalkingPhoto> frames,
                          video::TalkingPhoto::Make(photo, params));
    return std::unique_ptr<video::FrameSource>(std::move(frames));
  };
}

Status RenderStage::Params::Validate() const {
  VMSG_RETURN_IF_ERROR(
      (video::Mp4Options{.preset = preset, .crf = crf, .threads = threads}.Validate()));
  if (lead_seconds < 0 || lead_seconds > kMaxLeadSeconds) {
    return Invalid("lead_seconds must be 0-10");
  }
  if (thumbnail_jpeg_quality < kMinJpegQuality || thumbnail_jpeg_quality > kMaxJpegQuality) {
    return Invalid("thumbnail_jpeg_quality must be 50-100");
  }
  return Status::Ok();
}

Result<std::unique_ptr<RenderStage>> RenderStage::Make(const Params& params,
                                                       FrameSourceFactory frames) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  if (!frames) return Invalid("no frame source factory");
  return std::unique_ptr<RenderStage>(new RenderStage(params, std::move(frames)));
}

const StepInfo& RenderStage::Step() const {
  static const StepInfo step{"video_generation", 90, "動画を生成中...", "Generating the video..."};
  return step;
}

std::vector<std::string> RenderStage::Inputs() const {
  return {std::string(keys::kFramed), std::string(keys::kFramedFace),
          std::string(keys::kAdjustedVoice), std::string(keys::kAdjustedTimings),
          std::string(keys::kMixed)};
}

std::vector<std::string> RenderStage::Outputs() const {
  return {std::string(keys::kVideo), std::string(keys::kThumbnail), std::string(keys::kVideoInfo)};
}

std::string RenderStage::Xmp(std::string_view format, int64_t made_at) const {
  disclosure::XmpFields fields;
  fields.creator_tool = "vmsg " + params_.software_version;
  fields.create_unix_seconds = made_at;
  fields.format = std::string(format);
  return disclosure::XmpPacket(fields);
}

Result<std::string> RenderStage::Disclose(std::string mp4, const WorkItem& item,
                                          int64_t made_at) const {
  VMSG_ASSIGN_OR_RETURN(mp4, disclosure::AddXmpToMp4(mp4, Xmp("video/mp4", made_at)));
  if (params_.signer == nullptr) return mp4;
  IdGenerator ids;
  const std::string type(image::ImageTypeName(image::SniffImageType(item.request.upload)));
  disclosure::Provenance provenance{
      .manifest_uuid = ids.NewUuid(),
      .title = "final_video.mp4",
      .instance_id = "xmp:iid:" + ids.NewUuid(),
      .photo_title = "photo." + (type == "jpeg" ? std::string("jpg") : type),
      .photo_format = "image/" + type,
      .photo_sha256 = Sha256(item.request.upload),
      .software_version = params_.software_version};
  return disclosure::SignMp4(mp4, provenance, *params_.signer);
}

Status RenderStage::Run(StageContext& ctx, WorkItem& item) const {
  const TimePoint started = ctx.clock.Now();
  VMSG_ASSIGN_OR_RETURN(cv::Mat framed, LoadFramed(ctx, item));
  VMSG_RETURN_IF_ERROR(LoadSpeech(ctx, item));
  const speech::Speech& speech = *item.speech;
  VMSG_ASSIGN_OR_RETURN(std::string mp3, ctx.store.GetBytes(ObjectKey(item, keys::kMixed)));
  VMSG_ASSIGN_OR_RETURN(audio::Sound mixed,
                        audio::DecodeAudio(mp3, video::kAudioSampleRate, video::kAudioChannels));
  VMSG_RETURN_IF_ERROR(ctx.cancel.CheckCancelled());

  const int frame_count = video::FrameCountFor(mixed.duration_seconds(), video::kVideoFps);
  VMSG_ASSIGN_OR_RETURN(
      std::unique_ptr<video::FrameSource> frames,
      frames_({.framed = framed,
               .landmarks = item.framed_landmarks.empty() ? std::nullopt
                                                          : std::optional(item.framed_landmarks),
               .speech = speech,
               .speech_offset_seconds = params_.lead_seconds,
               .frame_count = frame_count,
               .seed = std::hash<std::string>{}(item.task_id),
               .energy = video::MotionEnergy(item.applied_preset.value_or(
                   item.request.prosody.preset.value_or(speech::ProsodyPreset::kNeutral)))}));
  std::unique_ptr<video::Subtitles> subtitles;
  if (params_.subtitles) {
    video::SubtitleOptions options = video::SubtitleOptions::ForFrame(framed.size());
    options.avoid = FaceFeatures(item.framed_landmarks, framed.size());
    VMSG_ASSIGN_OR_RETURN(subtitles, video::Subtitles::Make(speech, item.request.text,
                                                            params_.lead_seconds, options));
  }
  const video::RenderOptions options{
      .encode = video::SizedFor(
          {.preset = params_.preset, .crf = params_.crf, .threads = params_.threads}, framed.cols,
          framed.rows),
      .ai_label = params_.ai_label};
  VMSG_ASSIGN_OR_RETURN(video::RenderedVideo video,
                        video::RenderVideo(*frames, subtitles.get(), mixed, options, ctx.cancel));
  VMSG_ASSIGN_OR_RETURN(std::string jpeg,
                        image::EncodeJpeg(video.thumbnail, params_.thumbnail_jpeg_quality));
  const int64_t made_at =
      std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count();
  VMSG_ASSIGN_OR_RETURN(jpeg, disclosure::AddXmpToJpeg(jpeg, Xmp("image/jpeg", made_at)));
  VMSG_ASSIGN_OR_RETURN(video.mp4, Disclose(std::move(video.mp4), item, made_at));
  Json info = {{"duration_seconds", video.duration_seconds},
               {"frames", video.frames},
               {"fps", video::kVideoFps},
               {"format", std::string(image::FormatName(item.request.format))},
               {"width", framed.cols},
               {"height", framed.rows},
               {"face_animated", frames->animates_face()},
               {"subtitles", params_.subtitles}};
  // How the photo was framed: the composition asked for, the photo's enlargement and whether
  // the face wanted more than the limit allows.
  if (item.composition.is_object()) {
    info["framing"] = item.composition.value("framing", "auto");
    info["upscale"] = item.composition.value("scale", 1.0);
    info["upscale_capped"] = item.composition.value("upscale_capped", false);
  }
  // The video last: once it exists, its companions do too.
  VMSG_RETURN_IF_ERROR(
      ctx.store.Put(ObjectKey(item, keys::kThumbnail), jpeg, {.content_type = "image/jpeg"}));
  VMSG_RETURN_IF_ERROR(ctx.store.Put(ObjectKey(item, keys::kVideoInfo), info.dump(),
                                     {.content_type = "application/json"}));
  VMSG_RETURN_IF_ERROR(
      ctx.store.Put(ObjectKey(item, keys::kVideo), video.mp4, {.content_type = "video/mp4"}));
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock.Now() - started);
  ctx.logger.Info("pipeline", "video encoded",
                  {{"task_id", item.task_id},
                   {"frames", int64_t{video.frames}},
                   {"bytes", static_cast<int64_t>(video.mp4.size())},
                   {"face_animated", frames->animates_face()},
                   {"elapsed_ms", static_cast<int64_t>(elapsed.count())}});
  return Status::Ok();
}

}  // namespace vmsg::pipeline
