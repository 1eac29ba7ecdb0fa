// Every object key vmsg reads or writes, in one place: the spec's layout (DATABASE_SCHEMA.md,
// "S3 key layout"). Nothing else spells a key; it asks this file.
//
//   images/uploads/{task}/original.jpg           the photo (orientation applied)
//   images/uploads/{task}/persons.json           the detection (step 2)
//   images/uploads/{task}/person_{i}_crop.jpg    each person's padded box (step 2)
//   images/uploads/{task}/person_{i}_bg_removed.png   the chosen person cut out (step 3)
//   images/uploads/{task}/optimized_{WxH}.png    the framed still at the format's size (step 4)
//   images/uploads/{task}/framed_face.json       its landmarks and composition (step 4)
//   images/uploads/{id}/original.{ext}           an uploaded photo or background
//   images/previews/{task}/person_{i}_preview.jpg    the page's person picker
//   voices/generated/{task}/base_voice.wav (+ _timings.json)        step 5
//   voices/generated/{task}/prosody_adjusted.wav (+ _timings.json)  step 6
//   voices/generated/{task}/final_mixed.mp3      step 7
//   videos/{task}/final_video.mp4, thumbnail.jpg, video.json          step 8
//   voices/{system|custom}/{id}.wav, voices/embeddings/{id}.npy        the voice library
//   voices/custom/uploads/{id}/reference.{ext}   an uploaded voice sample
//   bgm/system/{id}.mp3, bgm/user/{owner}_{id}.mp3, bgm/previews/{id}.mp3   the music library
//   bgm/user/uploads/{id}/original.{ext}         an uploaded track
//   backups/metadata/{YYYYMMDD}/voices_metadata.json, .../bgm_metadata.json   catalog backups
// and the JSON metadata files under the data directory:
//   backend/storage/voices/voices_metadata.json, backend/storage/bgm/bgm_metadata.json
#pragma once

#include <string>
#include <string_view>

namespace vmsg::keys {

// The folders the lifecycle rules and the upload routes work on.
inline constexpr std::string_view kImageUploads = "images/uploads/";
inline constexpr std::string_view kImagePreviews = "images/previews/";
inline constexpr std::string_view kGeneratedVoices = "voices/generated/";
inline constexpr std::string_view kCustomVoices = "voices/custom/";
inline constexpr std::string_view kVoiceUploads = "voices/custom/uploads/";
inline constexpr std::string_view kBgmUploads = "bgm/user/uploads/";
inline constexpr std::string_view kVideos = "videos/";

// The catalogs' JSON files, relative to the data directory, and the names their backups
// take (backups/metadata/{YYYYMMDD}/{name}).
inline constexpr std::string_view kVoiceCatalogFile = "backend/storage/voices/voices_metadata.json";
inline constexpr std::string_view kBgmCatalogFile = "backend/storage/bgm/bgm_metadata.json";
inline constexpr std::string_view kMetadataBackups = "backups/metadata/";
inline constexpr std::string_view kVoicesBackupName = "voices_metadata.json";
inline constexpr std::string_view kBgmBackupName = "bgm_metadata.json";

// A task's objects as layouts: "{task}" stands for the task id, "{person}" for the chosen
// person's index and "{size}" for the format's WxH (Fill). The pipeline's stages name what
// they read and write with these.
inline constexpr std::string_view kOriginal = "images/uploads/{task}/original.jpg";
inline constexpr std::string_view kPersons = "images/uploads/{task}/persons.json";
inline constexpr std::string_view kCutout = "images/uploads/{task}/person_{person}_bg_removed.png";
// optimized_512x910.png for the default format (the spec's name), optimized_1080x1920.png
// for portrait_hd, and so on.
inline constexpr std::string_view kFramed = "images/uploads/{task}/optimized_{size}.png";
// {"landmarks": [[x, y], ...]} (68 points in the framed picture; absent when the chosen
// person has no frontal face) and {"composition": {...}} for step 8 and video.json.
inline constexpr std::string_view kFramedFace = "images/uploads/{task}/framed_face.json";
inline constexpr std::string_view kBaseVoice = "voices/generated/{task}/base_voice.wav";
inline constexpr std::string_view kBaseTimings = "voices/generated/{task}/base_voice_timings.json";
inline constexpr std::string_view kAdjustedVoice = "voices/generated/{task}/prosody_adjusted.wav";
inline constexpr std::string_view kAdjustedTimings =
    "voices/generated/{task}/prosody_adjusted_timings.json";
inline constexpr std::string_view kMixed = "voices/generated/{task}/final_mixed.mp3";
inline constexpr std::string_view kVideo = "videos/{task}/final_video.mp4";
inline constexpr std::string_view kThumbnail = "videos/{task}/thumbnail.jpg";
inline constexpr std::string_view kVideoInfo = "videos/{task}/video.json";

// `layout` with each placeholder it holds replaced: "{task}" by `task`, "{person}" by
// `person`, "{size}" by `size`.
std::string Fill(std::string_view layout, std::string_view task, int person = 0,
                 std::string_view size = {});

// images/uploads/{task}/person_{i}_crop.jpg
std::string PersonCrop(std::string_view task, int person);
// images/previews/{task}/person_{i}_preview.jpg
std::string PersonPreview(std::string_view task, int person);
// images/uploads/{id}/{name}.{extension}: an uploaded photo ("original") or one stored with
// a generation request.
std::string ImageUpload(std::string_view id, std::string_view name, std::string_view extension);
// {folder}{id}/{name}.{extension}, for the upload routes' three folders.
std::string Upload(std::string_view folder, std::string_view id, std::string_view name,
                   std::string_view extension);

// voices/system/{id}.wav or voices/custom/{id}.wav (`type` is "system" or "custom").
std::string VoiceReference(std::string_view type, std::string_view id);
// voices/embeddings/{id}.npy
std::string VoiceEmbedding(std::string_view id);
// bgm/system/{id}.mp3
std::string SystemBgm(std::string_view id);
// bgm/user/{owner}_{id}.mp3
std::string UserBgm(std::string_view owner, std::string_view id);
// bgm/previews/{id}.mp3
std::string BgmPreview(std::string_view id);

}  // namespace vmsg::keys
