// GenerateArgs: what one video generation asks for, as the task carries it from the API to a
// worker (the job's arguments, and the kwargs of a Celery client's send_task). The HTTP
// request, the CLI and a Celery message all become one of these, checked by one parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/result.h"
#include "image/framing_mode.h"
#include "image/output_format.h"
#include "speech/prosody.h"

namespace vmsg::generate {

// The task's name in the queue (and for Celery clients).
inline constexpr std::string_view kGenerateTaskName = "vmsg.generate_video";

// background_id values that are not presets.
inline constexpr std::string_view kOriginalBackground = "original";
inline constexpr std::string_view kBlurredBackground = "blurred";
inline constexpr std::string_view kUploadedBackground = "upload";
inline constexpr std::string_view kDefaultBackground = "bg-pastel-confetti";
inline constexpr std::string_view kDefaultVoice = "default_female";
// bgm_id meaning "no music" (JSON null means the same).
inline constexpr std::string_view kNoMusic = "none";

// InvalidArgument "invalid_object_key" unless `key` names an object under keys::kImageUploads
// (where the detect endpoint's photos, the generate request's own and presigned uploads of
// kind "image" all go): a client may name only its own uploads, never a generated file or
// another prefix.
Status CheckImageObjectKey(std::string_view key);

struct GenerateArgs {
  std::string image_key;  // the photo in the object store (`object_key` in JSON)
  std::string text;
  std::string voice_id{kDefaultVoice};
  std::optional<std::string> bgm_id;  // absent: no music
  std::string background_id{kDefaultBackground};
  std::string background_key;  // the uploaded background, for kUploadedBackground
  std::optional<int> person_index;
  image::Framing framing = image::Framing::kAuto;
  image::OutputFormat format = image::OutputFormat::kPortrait;
  speech::ProsodyParams prosody;  // preset absent: chosen from the message
  std::string language;           // "ja" or "en"; empty: the voice's (messages in Japanese)
  // The caller confirms the person in the photo agreed (the page's tick); kept with the task.
  bool consent = false;
  // Where the outcome is POSTed when the task ends (webhooks/); empty: nowhere.
  std::string callback_url;

  // {object_key, text, voice_id, bgm_id (or null), background_id, background_key?,
  // person_index (or null), framing, format, prosody: {preset (or "auto"), speed, pitch, volume},
  // language?, consent, callback_url?}
  Json ToJson() const;
};

// Parses the request's fields (the API's JSON body, a multipart form turned into JSON, or a
// Celery task's kwargs). `object_key` (checked by CheckImageObjectKey), `text`, `voice_id`,
// `bgm_id` ("none" or null: no music), `background_id`, `background_key` (an image upload, as
// object_key), `person_index` (integer
// >= 0), `framing` (auto, bust, half or full; "invalid_framing" otherwise), `format` (portrait,
// portrait_hd, square or landscape; "invalid_format" otherwise), `prosody` (a preset
// name, "auto", or an object {preset, speed, pitch, volume}), `speed`, `pitch`, `volume` (numbers;
// top-level ones override the object's), `language` ("ja" or "en"), `consent` (true or
// false, or "true"/"on"/"1"/"false"/"off"/"0" from a form) and `callback_url` (a string; its
// destination is checked by Submit). Numbers may be given as
// numeric strings (form fields are text). The image comes separately and is not checked here.
// Errors: InvalidArgument "invalid_request" naming the field and what it must be; "invalid_prosody"
// from the prosody checks; unknown fields are refused
// ("unknown_field") so a misspelt option never goes unnoticed.
Result<GenerateArgs> ParseGenerateArgs(const Json& fields);

// What a framed preview asks for (POST /api/image/frame): the photo, by the detect endpoint's
// image id or a presigned upload's object key, and the picture's choices as a generation
// would make them.
struct PreviewArgs {
  std::string image_id;   // a photo the detect endpoint stored
  std::string image_key;  // or a presigned image upload (`object_key`)
  std::optional<int> person_index;
  std::string background_id{kDefaultBackground};
  std::string background_key;
  image::Framing framing = image::Framing::kAuto;
  image::OutputFormat format = image::OutputFormat::kPortrait;
};

// Parses {image_id | object_key, person_index (or person), background_id, background_key,
// framing, format}: exactly one of image_id (a UUIDv4) and object_key (CheckImageObjectKey);
// the others as ParseGenerateArgs checks them. Errors: InvalidArgument "missing_image",
// "invalid_request", "invalid_object_key", "invalid_framing", "invalid_format",
// "unknown_field".
Result<PreviewArgs> ParsePreviewArgs(const Json& fields);

// As ParseGenerateArgs, and `object_key` must be present (a task's stored arguments, or the
// kwargs a Celery client sent).
Result<GenerateArgs> GenerateArgsFromJson(const Json& json);

}  // namespace vmsg::generate
