// Catalog backups in a real (local) object store: today's copies, the 7-day pruning, and
// restores that check both files before replacing either, and that repair a corrupt file.
#include "catalog/backup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "objects/local/local_store.h"

namespace vmsg::catalog {
namespace {

using namespace std::chrono_literals;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_backup_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    voices_ = std::move(OpenVoiceCatalog(dir_ / "data", clock_)).value();
    bgm_ = std::move(OpenBgmCatalog(dir_ / "data", clock_)).value();
    store_ = std::move(objects::NewLocalObjectStore({.root = dir_ / "objects",
                                                     .cold_dir = dir_ / "cold",
                                                     .secret_path = dir_ / "secret"},
                                                    clock_))
                 .value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void AddVoice(const std::string& id) {
    VoiceProfile p = VoiceProfile::Make(id, VoiceProfile::Type::kCustom);
    p.name = "Voice " + id;
    p.language = "ja";
    p.gender = "male";
    p.metadata = {.description = "test", .sample_rate = 24000, .duration_seconds = 8.7};
    ASSERT_TRUE(voices_->Create(p).ok());
  }
  void AddTrack(const std::string& id) {
    BgmTrack t = BgmTrack::Make(id, BgmTrack::Type::kUser, "user123");
    t.name = "Track " + id;
    t.duration_seconds = 240;
    t.bpm = 110;
    t.mood = "romantic";
    t.volume_db = -14;
    t.metadata.description = "test";
    t.metadata.original_filename = "song.mp3";
    ASSERT_TRUE(bgm_->Create(t).ok());
  }
  std::string Object(const std::string& key) { return store_->GetBytes(key).value_or(""); }

  std::filesystem::path dir_;
  FakeClock clock_{*ParseIso8601("2025-01-02T03:00:00Z")};
  std::unique_ptr<VoiceCatalog> voices_;
  std::unique_ptr<BgmCatalog> bgm_;
  std::unique_ptr<objects::LocalObjectStore> store_;
};

TEST_F(BackupTest, CopiesBothCatalogsUnderTodaysDate) {
  AddVoice("my_voice");
  AddTrack("wedding");
  Result<BackupReport> report = BackupCatalogs(*voices_, *bgm_, *store_, clock_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->date, "20250102");
  EXPECT_EQ(report->written,
            (std::vector<std::string>{"backups/metadata/20250102/voices_metadata.json",
                                      "backups/metadata/20250102/bgm_metadata.json"}));
  EXPECT_EQ(*ParseJson(Object("backups/metadata/20250102/voices_metadata.json")),
            *voices_->Document());
  EXPECT_EQ(*ParseJson(Object("backups/metadata/20250102/bgm_metadata.json")), *bgm_->Document());
  EXPECT_EQ(*ListBackupDates(*store_), std::vector<std::string>{"20250102"});
}

TEST_F(BackupTest, PrunesBackupsOlderThanSevenDays) {
  for (int day = 0; day <= 10; ++day) {
    ASSERT_TRUE(BackupCatalogs(*voices_, *bgm_, *store_, clock_).ok());
    if (day < 10) clock_.Advance(24h);
  }
  // Today is 2025-01-12: the seven days before it and today stay.
  EXPECT_EQ(*ListBackupDates(*store_),
            (std::vector<std::string>{"20250105", "20250106", "20250107", "20250108", "20250109",
                                      "20250110", "20250111", "20250112"}));
  // Objects that are not dated backups are left alone.
  ASSERT_TRUE(store_->Put("backups/metadata/notes.txt", "keep me", {}).ok());
  clock_.Advance(24h);
  Result<BackupReport> report = BackupCatalogs(*voices_, *bgm_, *store_, clock_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->pruned,
            (std::vector<std::string>{"backups/metadata/20250105/bgm_metadata.json",
                                      "backups/metadata/20250105/voices_metadata.json"}));
  EXPECT_EQ(Object("backups/metadata/notes.txt"), "keep me");
}

TEST_F(BackupTest, RestoreBringsBackBothCatalogsAndRepairsACorruptFile) {
  AddVoice("kept_voice");
  AddTrack("kept_track");
  const vmsg::Json voices_then = *voices_->Document(), bgm_then = *bgm_->Document();
  ASSERT_TRUE(BackupCatalogs(*voices_, *bgm_, *store_, clock_).ok());
  clock_.Advance(2h);
  AddVoice("later_voice");
  ASSERT_TRUE(bgm_->Delete("kept_track", *store_).ok());
  std::ofstream(VoiceCatalogPath(dir_ / "data"), std::ios::trunc) << "{ not json";
  EXPECT_EQ(voices_->Snapshot().status().code(), StatusCode::kDataLoss);

  ASSERT_TRUE(RestoreCatalogs(*voices_, *bgm_, *store_, "20250102").ok());
  EXPECT_EQ(*voices_->Document(), voices_then);
  EXPECT_EQ(*bgm_->Document(), bgm_then);
  AddVoice("after_restore");  // writes work again
  EXPECT_EQ(voices_->List()->size(), 2u);
}

TEST_F(BackupTest, AnInvalidBackupReplacesNeitherCatalog) {
  AddVoice("v1");
  AddTrack("t1");
  ASSERT_TRUE(BackupCatalogs(*voices_, *bgm_, *store_, clock_).ok());
  // The BGM backup is fine; the voices backup carries a record with an id that could escape.
  vmsg::Json bad = *voices_->Document();
  bad["profiles"][0]["id"] = "../../etc";
  ASSERT_TRUE(
      store_->Put("backups/metadata/20250102/voices_metadata.json", DumpJson(bad), {}).ok());
  AddTrack("t2");
  const vmsg::Json bgm_now = *bgm_->Document(), voices_now = *voices_->Document();
  Status restored = RestoreCatalogs(*voices_, *bgm_, *store_, "20250102");
  EXPECT_TRUE(restored.IsInvalidArgument()) << restored;
  EXPECT_EQ(restored.reason(), "invalid_backup");
  EXPECT_EQ(*bgm_->Document(), bgm_now);
  EXPECT_EQ(*voices_->Document(), voices_now);

  ASSERT_TRUE(store_->Put("backups/metadata/20250102/voices_metadata.json", "[1, 2", {}).ok());
  EXPECT_EQ(RestoreCatalogs(*voices_, *bgm_, *store_, "20250102").reason(), "invalid_backup");
  vmsg::Json old_version = *voices_->Document();
  old_version["version"] = "0.9";
  ASSERT_TRUE(
      store_->Put("backups/metadata/20250102/voices_metadata.json", DumpJson(old_version), {})
          .ok());
  EXPECT_EQ(RestoreCatalogs(*voices_, *bgm_, *store_, "20250102").reason(), "invalid_backup");
}

TEST_F(BackupTest, MissingAndMalformedDatesAreRefused) {
  EXPECT_TRUE(RestoreCatalogs(*voices_, *bgm_, *store_, "20250101").IsNotFound());
  for (const char* date : {"2025-01-01", "20251301", "20250230", "x", "../../..", ""}) {
    EXPECT_EQ(RestoreCatalogs(*voices_, *bgm_, *store_, date).reason(), "invalid_date") << date;
  }
}

TEST_F(BackupTest, ACorruptCatalogIsNotBackedUpButTheOtherIs) {
  ASSERT_TRUE(BackupCatalogs(*voices_, *bgm_, *store_, clock_).ok());  // a good old copy
  const std::string good_copy = Object("backups/metadata/20250102/voices_metadata.json");
  clock_.Advance(24h * 9);
  std::ofstream(VoiceCatalogPath(dir_ / "data"), std::ios::trunc)
      << "{\"profiles\": 5, \"version\": \"1.0\"}";
  Result<BackupReport> report = BackupCatalogs(*voices_, *bgm_, *store_, clock_);
  EXPECT_EQ(report.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(*store_->Exists("backups/metadata/20250111/bgm_metadata.json"));
  EXPECT_FALSE(*store_->Exists("backups/metadata/20250111/voices_metadata.json"));
  // Nothing was pruned, so the last good copy survives.
  EXPECT_EQ(Object("backups/metadata/20250102/voices_metadata.json"), good_copy);
}

}  // namespace
}  // namespace vmsg::catalog
