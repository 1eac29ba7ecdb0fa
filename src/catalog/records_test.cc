// Voice profile and BGM track records: the spec's examples parse, round-trip and validate;
// each rule rejects what it should.
#include "catalog/records.h"

#include <gtest/gtest.h>

namespace vmsg::catalog {
namespace {

// The spec's first voice profile, with its paths as object keys.
vmsg::Json SpecVoice() {
  return vmsg::Json::parse(R"({
    "id": "openvoice_9f913e90", "name": "Default Female", "type": "system",
    "language": "ja", "gender": "female",
    "embedding_path": "voices/embeddings/openvoice_9f913e90.npy",
    "reference_audio_path": "voices/system/openvoice_9f913e90.wav",
    "preview_url": "/api/voice-clone/profiles/openvoice_9f913e90/preview",
    "created_at": "2025-01-01T12:00:00Z",
    "metadata": {"description": "Default Japanese female voice", "sample_rate": 24000,
                 "duration_seconds": 5.2}})");
}

vmsg::Json SpecUserTrack() {
  return vmsg::Json::parse(R"({
    "id": "user_custom_abc123", "name": "My Wedding Song", "type": "user",
    "file_path": "bgm/user/user123_user_custom_abc123.mp3",
    "preview_url": "/api/bgm/tracks/user_custom_abc123/preview",
    "duration_seconds": 240.0, "bpm": 110, "mood": "romantic", "volume_db": -14,
    "created_at": "2025-01-02T09:15:00Z",
    "metadata": {"description": "User-uploaded custom BGM",
                 "original_filename": "wedding_song.mp3", "uploaded_by": "user123"}})");
}

vmsg::Json SpecSystemTrack() {
  return vmsg::Json::parse(R"({
    "id": "celebration_upbeat", "name": "Celebration Upbeat", "type": "system",
    "file_path": "bgm/system/celebration_upbeat.mp3",
    "preview_url": "/api/bgm/tracks/celebration_upbeat/preview",
    "duration_seconds": 180.5, "bpm": 120, "mood": "cheerful", "volume_db": -14,
    "created_at": "2025-01-01T12:00:00Z",
    "metadata": {"description": "Fast tempo, joyful celebration music", "genre": "pop",
                 "seamless_loop": true}})");
}

TEST(ValidateIdTest, AcceptsThePatternAndNothingElse) {
  for (const std::string& ok : {std::string("a"), std::string("openvoice_9f913e90"),
                                std::string("user-1"), std::string("0"), std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateId(ok).ok()) << ok;
  }
  for (std::string bad :
       {std::string(), std::string(65, 'x'), std::string("Upper"), std::string("../etc"),
        std::string("a/b"), std::string("a b"), std::string("a.wav"), std::string("caf\xc3\xa9"),
        std::string("a\0b", 3)}) {
    Status s = ValidateId(bad);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_EQ(s.reason(), "invalid_id");
  }
}

TEST(VoiceProfileTest, SpecExampleRoundTrips) {
  Result<VoiceProfile> p = VoiceProfile::FromJson(SpecVoice());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->type, VoiceProfile::Type::kSystem);
  EXPECT_EQ(p->metadata.sample_rate, 24000);
  EXPECT_DOUBLE_EQ(p->metadata.duration_seconds, 5.2);
  EXPECT_EQ(p->ToJson(), SpecVoice());
  EXPECT_EQ(p->ObjectKeys(), (std::vector<std::string>{"voices/embeddings/openvoice_9f913e90.npy",
                                                       "voices/system/openvoice_9f913e90.wav"}));
}

TEST(VoiceProfileTest, MakeDerivesKeysFromIdAndType) {
  VoiceProfile p = VoiceProfile::Make("mine", VoiceProfile::Type::kCustom);
  EXPECT_EQ(p.reference_audio_path, "voices/custom/mine.wav");
  EXPECT_EQ(p.embedding_path, "voices/embeddings/mine.npy");
  EXPECT_EQ(p.preview_url, "/api/voice-clone/profiles/mine/preview");
}

TEST(VoiceProfileTest, RejectsEachBadField) {
  struct Case {
    const char* pointer;
    vmsg::Json value;
  };
  const Case cases[] = {
      {"/id", "Bad Id"},
      {"/name", ""},
      {"/name", "tab\there"},
      {"/name", std::string(kMaxNameBytes + 1, 'n')},
      {"/type", "builtin"},
      {"/language", "fr"},
      {"/gender", "robot"},
      {"/embedding_path", "/app/storage/openvoice/openvoice_9f913e90.pkl"},
      {"/reference_audio_path", "voices/custom/openvoice_9f913e90.wav"},  // type is system
      {"/reference_audio_path", "videos/someone/final_video.mp4"},
      {"/preview_url", "/elsewhere"},
      {"/created_at", "2025-01-01T12:00:00"},  // no zone: not UTC
      {"/created_at", "2025-01-01T21:00:00+09:00"},
      {"/created_at", "yesterday"},
      {"/metadata/sample_rate", 100},
      {"/metadata/sample_rate", 24000.5},
      {"/metadata/duration_seconds", 0},
      {"/metadata/duration_seconds", kMaxVoiceSeconds + 1},
      {"/metadata/duration_seconds", "5"},
      {"/metadata/description", std::string(kMaxDescriptionBytes + 1, 'd')},
  };
  for (const Case& c : cases) {
    vmsg::Json j = SpecVoice();
    j[vmsg::Json::json_pointer(c.pointer)] = c.value;
    Result<VoiceProfile> p = VoiceProfile::FromJson(j);
    EXPECT_TRUE(!p.ok() && p.status().IsInvalidArgument()) << c.pointer << " = " << c.value;
  }
}

TEST(VoiceProfileTest, RequiresExactlyTheSpecsFields) {
  vmsg::Json extra = SpecVoice();
  extra["owner"] = "someone";
  EXPECT_FALSE(VoiceProfile::FromJson(extra).ok());
  vmsg::Json extra_meta = SpecVoice();
  extra_meta["metadata"]["pitch"] = 1.0;
  EXPECT_FALSE(VoiceProfile::FromJson(extra_meta).ok());
  for (const char* field : {"id", "name", "type", "language", "gender", "embedding_path",
                            "reference_audio_path", "preview_url", "created_at", "metadata"}) {
    vmsg::Json missing = SpecVoice();
    missing.erase(field);
    EXPECT_FALSE(VoiceProfile::FromJson(missing).ok()) << field;
  }
  EXPECT_FALSE(VoiceProfile::FromJson(vmsg::Json::array()).ok());
}

// The spec's second voice profile (a custom one), made before owners were recorded.
vmsg::Json SpecCustomVoice() {
  return vmsg::Json::parse(R"({
    "id": "openvoice_custom_user123", "name": "My Custom Voice", "type": "custom",
    "language": "ja", "gender": "male",
    "embedding_path": "voices/embeddings/openvoice_custom_user123.npy",
    "reference_audio_path": "voices/custom/openvoice_custom_user123.wav",
    "preview_url": "/api/voice-clone/profiles/openvoice_custom_user123/preview",
    "created_at": "2025-01-02T08:30:00Z",
    "metadata": {"description": "User-uploaded reference audio", "sample_rate": 24000,
                 "duration_seconds": 8.7}})");
}

TEST(VoiceProfileTest, ACustomVoiceMayNameItsOwnerASystemVoiceNever) {
  // Without an owner (the spec's shape, and every voice made before owners were recorded).
  Result<VoiceProfile> legacy = VoiceProfile::FromJson(SpecCustomVoice());
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_FALSE(legacy->owner().has_value());
  EXPECT_EQ(legacy->ToJson(), SpecCustomVoice());

  vmsg::Json owned = SpecCustomVoice();
  owned["metadata"]["uploaded_by"] = "0123456789abcdef0123456789abcdef";
  Result<VoiceProfile> p = VoiceProfile::FromJson(owned);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->owner(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(p->ToJson(), owned);

  for (const vmsg::Json& bad : {vmsg::Json("../x"), vmsg::Json(""), vmsg::Json(5)}) {
    vmsg::Json j = SpecCustomVoice();
    j["metadata"]["uploaded_by"] = bad;
    EXPECT_TRUE(VoiceProfile::FromJson(j).status().IsInvalidArgument()) << bad;
  }
  vmsg::Json system = SpecVoice();
  system["metadata"]["uploaded_by"] = "user123";
  EXPECT_TRUE(VoiceProfile::FromJson(system).status().IsInvalidArgument());
}

TEST(BgmTrackTest, SpecExamplesRoundTrip) {
  for (const vmsg::Json& j : {SpecSystemTrack(), SpecUserTrack()}) {
    Result<BgmTrack> t = BgmTrack::FromJson(j);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->ToJson(), j);
  }
  Result<BgmTrack> user = BgmTrack::FromJson(SpecUserTrack());
  EXPECT_EQ(user->ObjectKeys(), (std::vector<std::string>{"bgm/user/user123_user_custom_abc123.mp3",
                                                          "bgm/previews/user_custom_abc123.mp3"}));
}

TEST(BgmTrackTest, MetadataShapeFollowsTheType) {
  vmsg::Json system_with_user_fields = SpecSystemTrack();
  system_with_user_fields["metadata"]["uploaded_by"] = "user123";
  EXPECT_FALSE(BgmTrack::FromJson(system_with_user_fields).ok());
  vmsg::Json user_without_uploader = SpecUserTrack();
  user_without_uploader["metadata"].erase("uploaded_by");
  EXPECT_FALSE(BgmTrack::FromJson(user_without_uploader).ok());
  vmsg::Json user_as_system = SpecUserTrack();
  user_as_system["type"] = "system";
  EXPECT_FALSE(BgmTrack::FromJson(user_as_system).ok());
}

TEST(BgmTrackTest, RejectsEachBadField) {
  struct Case {
    const char* pointer;
    vmsg::Json value;
  };
  const Case cases[] = {
      {"/type", "custom"},
      {"/file_path", "bgm/user/someone_else_user_custom_abc123.mp3"},
      {"/file_path", "videos/x/final_video.mp4"},
      {"/preview_url", "http://example.com/x.mp3"},
      {"/duration_seconds", -1},
      {"/duration_seconds", kMaxTrackSeconds + 1},
      {"/bpm", 10},
      {"/bpm", 1000},
      {"/bpm", 110.5},
      {"/mood", "Happy!"},
      {"/mood", ""},
      {"/volume_db", 3},
      {"/volume_db", -100},
      {"/created_at", "2025-13-01T00:00:00Z"},
      {"/metadata/original_filename", "../../etc/passwd"},
      {"/metadata/original_filename", ""},
      {"/metadata/uploaded_by", "User 123"},
  };
  for (const Case& c : cases) {
    vmsg::Json j = SpecUserTrack();
    j[vmsg::Json::json_pointer(c.pointer)] = c.value;
    Result<BgmTrack> t = BgmTrack::FromJson(j);
    EXPECT_TRUE(!t.ok() && t.status().IsInvalidArgument()) << c.pointer << " = " << c.value;
  }
  vmsg::Json bad_genre = SpecSystemTrack();
  bad_genre["metadata"]["genre"] = "Pop Music";
  EXPECT_FALSE(BgmTrack::FromJson(bad_genre).ok());
}

TEST(TypeNamesTest, ParseWhatTheyPrint) {
  for (auto t : {VoiceProfile::Type::kSystem, VoiceProfile::Type::kCustom}) {
    EXPECT_EQ(VoiceProfile::ParseType(VoiceProfile::TypeName(t)), t);
  }
  for (auto t : {BgmTrack::Type::kSystem, BgmTrack::Type::kUser}) {
    EXPECT_EQ(BgmTrack::ParseType(BgmTrack::TypeName(t)), t);
  }
  EXPECT_FALSE(VoiceProfile::ParseType("user"));
  EXPECT_FALSE(BgmTrack::ParseType("custom"));
  EXPECT_FALSE(BgmTrack::ParseType("System"));
}

}  // namespace
}  // namespace vmsg::catalog
