// The key layout against the spec's own spelling of it (DATABASE_SCHEMA.md, "S3 key layout").
#include "objects/keys.h"

#include <gtest/gtest.h>

#include "objects/object_store.h"

namespace vmsg::keys {
namespace {

TEST(KeysTest, TaskObjectsFollowTheSpecLayout) {
  EXPECT_EQ(Fill(kOriginal, "t1"), "images/uploads/t1/original.jpg");
  EXPECT_EQ(Fill(kPersons, "t1"), "images/uploads/t1/persons.json");
  EXPECT_EQ(Fill(kCutout, "t1", 2), "images/uploads/t1/person_2_bg_removed.png");
  EXPECT_EQ(Fill(kFramed, "t1", 0, "512x910"), "images/uploads/t1/optimized_512x910.png");
  EXPECT_EQ(Fill(kFramedFace, "t1"), "images/uploads/t1/framed_face.json");
  EXPECT_EQ(Fill(kBaseVoice, "t1"), "voices/generated/t1/base_voice.wav");
  EXPECT_EQ(Fill(kAdjustedVoice, "t1"), "voices/generated/t1/prosody_adjusted.wav");
  EXPECT_EQ(Fill(kMixed, "t1"), "voices/generated/t1/final_mixed.mp3");
  EXPECT_EQ(Fill(kVideo, "t1"), "videos/t1/final_video.mp4");
  EXPECT_EQ(Fill(kThumbnail, "t1"), "videos/t1/thumbnail.jpg");
  EXPECT_EQ(Fill(kVideoInfo, "t1"), "videos/t1/video.json");
  EXPECT_EQ(PersonCrop("t1", 3), "images/uploads/t1/person_3_crop.jpg");
  EXPECT_EQ(PersonPreview("t1", 0), "images/previews/t1/person_0_preview.jpg");
}

TEST(KeysTest, LibraryObjectsFollowTheSpecLayout) {
  EXPECT_EQ(VoiceReference("system", "default_female"), "voices/system/default_female.wav");
  EXPECT_EQ(VoiceReference("custom", "v1"), "voices/custom/v1.wav");
  EXPECT_EQ(VoiceEmbedding("v1"), "voices/embeddings/v1.npy");
  EXPECT_EQ(SystemBgm("celebration_upbeat"), "bgm/system/celebration_upbeat.mp3");
  EXPECT_EQ(UserBgm("user123", "b1"), "bgm/user/user123_b1.mp3");
  EXPECT_EQ(BgmPreview("b1"), "bgm/previews/b1.mp3");
  EXPECT_EQ(Upload(kVoiceUploads, "u1", "reference", "wav"),
            "voices/custom/uploads/u1/reference.wav");
  EXPECT_EQ(ImageUpload("u1", "original", "png"), "images/uploads/u1/original.png");
}

TEST(KeysTest, MetadataFilesAndBackupsFollowTheSpecLayout) {
  EXPECT_EQ(kVoiceCatalogFile, "backend/storage/voices/voices_metadata.json");
  EXPECT_EQ(kBgmCatalogFile, "backend/storage/bgm/bgm_metadata.json");
  EXPECT_EQ(std::string(kMetadataBackups) + "20250102/" + std::string(kVoicesBackupName),
            "backups/metadata/20250102/voices_metadata.json");
  EXPECT_EQ(kBgmBackupName, "bgm_metadata.json");
}

TEST(KeysTest, EveryKeyIsValidAndEachLifecycleRuleCoversItsFolder) {
  for (const std::string& key :
       {Fill(kCutout, "t", 1), Fill(kFramed, "t", 0, "1080x1920"), Fill(kVideo, "t"),
        PersonPreview("t", 0), VoiceEmbedding("v"), UserBgm("o", "b"), Fill(kMixed, "t")}) {
    EXPECT_TRUE(objects::ValidateKey(key).ok()) << key;
  }
  auto covered_by = [](const std::string& key) {
    std::string id;
    for (const objects::LifecycleRule& rule : objects::SpecLifecycleRules()) {
      if (key.starts_with(rule.prefix)) id = rule.id;
    }
    return id;
  };
  EXPECT_EQ(covered_by(Fill(kOriginal, "t")), "DeleteTempFilesAfter7Days");
  EXPECT_EQ(covered_by(Fill(kBaseVoice, "t")), "DeleteGeneratedVoicesAfter7Days");
  EXPECT_EQ(covered_by(Fill(kVideo, "t")), "DeleteVideosAfter30Days");
  EXPECT_EQ(covered_by(VoiceReference("custom", "v")), "TransitionToColdStorageAfter90Days");
  EXPECT_EQ(covered_by(VoiceReference("system", "v")), "");
  EXPECT_EQ(covered_by(PersonPreview("t", 0)), "");
}

}  // namespace
}  // namespace vmsg::keys
