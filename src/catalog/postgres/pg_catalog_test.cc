// The PostgreSQL catalogs beyond the shared contract (catalog_test.cc): the versioned
// migrations (a fresh database, a re-run that changes nothing, racing processes, a database
// newer than the code), writers racing across threads and instances, a corrupt row, an
// unreachable server; and moving the catalogs between the JSON files and PostgreSQL both
// ways with every field intact (catalog_copy.h).
#include "catalog/postgres/pg_catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "catalog/catalog_copy.h"
#include "testing/memory_object_store.h"
#include "testing/postgres_server.h"

namespace vmsg::catalog {
namespace {

test::PgTestServer& Server() {
  static std::unique_ptr<test::PgTestServer> server = [] {
    auto started = test::PgTestServer::Start();
    if (!started.ok()) {
      std::cerr << "cannot start PostgreSQL: " << started.status() << "\n";
      std::abort();
    }
    return std::move(started).value();
  }();
  return *server;
}

std::string FreshDatabase() {
  static std::atomic<int> n{0};
  Result<std::string> url = Server().CreateDatabase("pg_" + std::to_string(++n));
  EXPECT_TRUE(url.ok()) << url.status();
  return url.value_or("");
}

// A plain SQL statement's first value, as text.
std::string Query(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::work tx(c);
  const pqxx::result r = tx.exec(sql);
  tx.commit();
  return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
}

VoiceProfile Voice(std::string id, VoiceProfile::Type type = VoiceProfile::Type::kCustom) {
  VoiceProfile p = VoiceProfile::Make(std::move(id), type);
  p.name = "Voice " + p.id;
  p.language = "en";
  p.gender = "neutral";
  p.metadata = {.description = "test voice", .sample_rate = 22050, .duration_seconds = 3.25};
  return p;
}

BgmTrack Track(std::string id, BgmTrack::Type type = BgmTrack::Type::kUser) {
  BgmTrack t = BgmTrack::Make(std::move(id), type, type == BgmTrack::Type::kUser ? "user42" : "");
  t.name = "Track " + t.id;
  t.duration_seconds = 61.75;
  t.bpm = 20;
  t.mood = "calm";
  t.volume_db = -20.5;
  t.metadata.description = "test track";
  if (type == BgmTrack::Type::kSystem) {
    t.metadata.genre = "ambient";
    t.metadata.seamless_loop = false;
  } else {
    t.metadata.original_filename = "My Song (final).mp3";
    t.metadata.uploaded_by = "user42";
  }
  return t;
}

class PgCatalogTest : public ::testing::Test {
 protected:
  FakeClock clock_{*ParseIso8601("2025-03-04T05:06:07Z")};
};

TEST_F(PgCatalogTest, MigrationsCreateTheSchemaOnceAndRefuseANewerDatabase) {
  const std::string url = FreshDatabase();
  EXPECT_EQ(*PgSchemaVersion(url), 0);
  Result<PgMigrationReport> first = MigratePgSchema(url);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->from_version, 0);
  EXPECT_EQ(first->to_version, kPgSchemaVersion);
  EXPECT_EQ(first->applied.size(), static_cast<size_t>(kPgSchemaVersion));
  EXPECT_EQ(*PgSchemaVersion(url), kPgSchemaVersion);
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations WHERE applied_at IS NOT NULL"),
            std::to_string(kPgSchemaVersion));
  // The spec's columns of voice_profiles, all there.
  EXPECT_EQ(Query(url,
                  "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM "
                  "information_schema.columns WHERE table_name = 'voice_profiles' AND "
                  "column_name <> 'seq'"),
            "created_at,embedding_path,gender,id,language,metadata,name,preview_url,"
            "reference_audio_path,type,updated_at");
  EXPECT_EQ(Query(url,
                  "SELECT count(*) FROM pg_indexes WHERE indexname IN "
                  "('idx_voice_profiles_type', 'idx_voice_profiles_language')"),
            "2");

  // Data in the tables; a re-run applies nothing and keeps it.
  Result<PgCatalogs> catalogs = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(catalogs.ok()) << catalogs.status();
  ASSERT_TRUE(catalogs->voices->Create(Voice("kept")).ok());
  Result<PgMigrationReport> again = MigratePgSchema(url);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->from_version, kPgSchemaVersion);
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations"), std::to_string(kPgSchemaVersion));
  ASSERT_TRUE(OpenPgCatalogs(url, clock_).ok());
  EXPECT_TRUE(catalogs->voices->Get("kept").ok());

  // A newer vmsg migrated this database: refused, and nothing is touched.
  Query(url, "INSERT INTO schema_migrations (version) VALUES (" +
                 std::to_string(kPgSchemaVersion + 1) + ")");
  Result<PgMigrationReport> newer = MigratePgSchema(url);
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(newer.status().reason(), "schema_too_new");
  EXPECT_NE(newer.status().message().find("version " + std::to_string(kPgSchemaVersion + 1)),
            std::string::npos)
      << newer.status();
  EXPECT_EQ(OpenPgCatalogs(url, clock_).status().reason(), "schema_too_new");
  EXPECT_TRUE(catalogs->voices->Get("kept").ok());
}

TEST_F(PgCatalogTest, RacingProcessesApplyEachMigrationOnce) {
  const std::string url = FreshDatabase();
  constexpr int kRacers = 6;
  std::vector<std::thread> threads;
  std::atomic<int> applied{0}, failures{0};
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&] {
      Result<PgMigrationReport> r = MigratePgSchema(url);
      if (!r.ok()) {
        ++failures;
        return;
      }
      applied += static_cast<int>(r->applied.size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(applied, kPgSchemaVersion);
  EXPECT_EQ(Query(url, "SELECT count(*) FROM schema_migrations"), std::to_string(kPgSchemaVersion));
}

// Eight threads, each with catalogs of its own (as separate processes would have), create
// 50 tracks each while two more race to create the same 50 ids: every distinct id lands
// exactly once.
TEST_F(PgCatalogTest, RacingWritersEndWithExactlyTheRightCount) {
  const std::string url = FreshDatabase();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0}, shared_created{0}, shared_exists{0};
  for (int t = 0; t < kThreads + 2; ++t) {
    threads.emplace_back([&, t] {
      Result<PgCatalogs> mine = OpenPgCatalogs(url, clock_);
      if (!mine.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        if (t < kThreads) {
          if (!mine->bgm->Create(Track("t" + std::to_string(t) + "_" + std::to_string(i))).ok()) {
            ++failures;
          }
        } else {
          Result<BgmTrack> r = mine->bgm->Create(Track("shared_" + std::to_string(i)));
          if (r.ok()) {
            ++shared_created;
          } else if (r.status().code() == StatusCode::kAlreadyExists) {
            ++shared_exists;
          } else {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(shared_created, kEach);
  EXPECT_EQ(shared_exists, kEach);
  Result<PgCatalogs> check = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(check.ok());
  Result<std::vector<BgmTrack>> all = check->bgm->List();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), static_cast<size_t>(kThreads * kEach + kEach));
  std::set<std::string> ids;
  for (const BgmTrack& t : *all) ids.insert(t.id);
  EXPECT_EQ(ids.size(), all->size());
  EXPECT_EQ(Query(url, "SELECT count(*) FROM bgm_tracks"), std::to_string(all->size()));
}

// Read-modify-write under the row lock: concurrent increments are never lost.
TEST_F(PgCatalogTest, ConcurrentUpdatesLoseNothing) {
  const std::string url = FreshDatabase();
  Result<PgCatalogs> catalogs = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(catalogs.ok()) << catalogs.status();
  ASSERT_TRUE(catalogs->bgm->Create(Track("counter")).ok());  // bpm 20
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Result<PgCatalogs> other = OpenPgCatalogs(url, clock_);
      if (!other.ok()) {
        ++failures;
        return;
      }
      BgmCatalog* bgm = t % 2 == 1 ? other->bgm.get() : catalogs->bgm.get();
      for (int i = 0; i < kEach; ++i) {
        auto bump = [](BgmTrack& track) {
          ++track.bpm;
          return Status::Ok();
        };
        if (!bgm->Update("counter", bump).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(catalogs->bgm->Get("counter")->bpm, 20 + kThreads * kEach);
}

TEST_F(PgCatalogTest, ACorruptRowMakesThatCatalogDataLossWhileTheOtherWorks) {
  const std::string url = FreshDatabase();
  Result<PgCatalogs> catalogs = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(catalogs.ok()) << catalogs.status();
  ASSERT_TRUE(catalogs->voices->Create(Voice("mine")).ok());
  ASSERT_TRUE(catalogs->bgm->Create(Track("song")).ok());
  Query(url,
        "UPDATE voice_profiles SET reference_audio_path = 'videos/x/final_video.mp4' "
        "WHERE id = 'mine'");
  test::MemoryObjectStore store;
  for (Status s : {catalogs->voices->List().status(), catalogs->voices->Get("mine").status(),
                   catalogs->voices->Delete("mine", store).status()}) {
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
    EXPECT_EQ(s.reason(), "catalog_corrupt");
    EXPECT_NE(s.message().find("voice_profiles"), std::string::npos) << s;
    EXPECT_NE(s.message().find("reference_audio_path"), std::string::npos) << s;
  }
  EXPECT_EQ(Query(url, "SELECT count(*) FROM voice_profiles"), "1");
  EXPECT_EQ(catalogs->bgm->List()->size(), 1u);
}

// The pool's connections are ended under it (as by a server restart): the next operations
// reconnect instead of failing.
TEST_F(PgCatalogTest, ConnectionsEndedByTheServerAreReplaced) {
  const std::string url = FreshDatabase();
  Result<PgCatalogs> catalogs = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(catalogs.ok()) << catalogs.status();
  ASSERT_TRUE(catalogs->voices->Create(Voice("before")).ok());
  ASSERT_TRUE(catalogs->bgm->List().ok());
  EXPECT_EQ(Query(url,
                  "SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity WHERE "
                  "datname = current_database() AND pid <> pg_backend_pid()"),
            "t");
  Result<std::vector<VoiceProfile>> listed = catalogs->voices->List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_TRUE(catalogs->voices->Create(Voice("after")).ok());
  EXPECT_EQ(catalogs->voices->List()->size(), 2u);
}

TEST_F(PgCatalogTest, AnUnreachableDatabaseIsUnavailable) {
  const std::string url = "postgresql://vmsg@/none?host=" + Server().dir().string() + "&port=1";
  Result<PgCatalogs> catalogs = OpenPgCatalogs(url, clock_);
  EXPECT_EQ(catalogs.status().code(), StatusCode::kUnavailable) << catalogs.status();
  EXPECT_EQ(catalogs.status().reason(), "metadata_db_unavailable");
}

class CatalogCopyTest : public PgCatalogTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_catalog_copy_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::pair<std::unique_ptr<VoiceCatalog>, std::unique_ptr<BgmCatalog>> Json(const char* name) {
    return {std::move(OpenVoiceCatalog(dir_ / name, clock_)).value(),
            std::move(OpenBgmCatalog(dir_ / name, clock_)).value()};
  }

  std::filesystem::path dir_;
};

TEST_F(CatalogCopyTest, JsonToPostgresAndBackKeepsEveryField) {
  auto [voices, bgm] = Json("source");
  ASSERT_TRUE(voices->Create(Voice("default_female", VoiceProfile::Type::kSystem)).ok());
  clock_.Advance(std::chrono::seconds(1));
  VoiceProfile odd = Voice("odd");
  odd.name = "Ünïcödé 'quoted' \"name\" \\ 日本語";
  odd.language = "ja";
  odd.gender = "male";
  odd.metadata = {.description = "", .sample_rate = 192000, .duration_seconds = 1.0 / 7};
  ASSERT_TRUE(voices->Create(odd).ok());
  ASSERT_TRUE(bgm->Create(Track("celebration", BgmTrack::Type::kSystem)).ok());
  clock_.Advance(std::chrono::hours(30));
  ASSERT_TRUE(bgm->Create(Track("upload")).ok());
  const vmsg::Json voices_doc = *voices->Document(), bgm_doc = *bgm->Document();

  const std::string url = FreshDatabase();
  Result<PgCatalogs> pg = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(pg.ok()) << pg.status();
  Result<CopyReport> to_pg = CopyCatalogs(*voices, *bgm, *pg->voices, *pg->bgm, false);
  ASSERT_TRUE(to_pg.ok()) << to_pg.status();
  EXPECT_EQ(to_pg->voices, 2u);
  EXPECT_EQ(to_pg->bgm, 2u);
  EXPECT_EQ(*pg->voices->Document(), voices_doc);
  EXPECT_EQ(*pg->bgm->Document(), bgm_doc);
  EXPECT_EQ(Query(url, "SELECT metadata->>'original_filename' FROM bgm_tracks WHERE id = 'upload'"),
            "My Song (final).mp3");

  auto [voices2, bgm2] = Json("back");
  Result<CopyReport> to_json = CopyCatalogs(*pg->voices, *pg->bgm, *voices2, *bgm2, false);
  ASSERT_TRUE(to_json.ok()) << to_json.status();
  EXPECT_EQ(*voices2->Document(), voices_doc);
  EXPECT_EQ(*bgm2->Document(), bgm_doc);
}

TEST_F(CatalogCopyTest, ANonEmptyTargetIsKeptUnlessReplaced) {
  auto [voices, bgm] = Json("source");
  ASSERT_TRUE(voices->Create(Voice("a")).ok());
  const std::string url = FreshDatabase();
  Result<PgCatalogs> pg = OpenPgCatalogs(url, clock_);
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE(pg->bgm->Create(Track("already_there")).ok());
  const vmsg::Json before = *pg->bgm->Document();

  Result<CopyReport> refused = CopyCatalogs(*voices, *bgm, *pg->voices, *pg->bgm, false);
  EXPECT_EQ(refused.status().reason(), "target_not_empty");
  EXPECT_NE(refused.status().message().find("bgm_tracks"), std::string::npos) << refused.status();
  EXPECT_TRUE(pg->voices->List()->empty());
  EXPECT_EQ(*pg->bgm->Document(), before);

  Result<CopyReport> replaced = CopyCatalogs(*voices, *bgm, *pg->voices, *pg->bgm, true);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_TRUE(pg->bgm->List()->empty());
  EXPECT_EQ(pg->voices->List()->size(), 1u);
}

TEST_F(CatalogCopyTest, TheComparisonNamesTheFieldThatDiffers) {
  auto [voices, bgm] = Json("a");
  auto [voices2, bgm2] = Json("b");
  ASSERT_TRUE(bgm->Create(Track("x")).ok());
  ASSERT_TRUE(bgm2->Create(Track("x")).ok());
  EXPECT_TRUE(CompareCatalogs(*bgm, *bgm2).ok());
  ASSERT_TRUE(bgm2->Update("x",
                           [](BgmTrack& t) {
                             t.metadata.description = "changed";
                             return Status::Ok();
                           })
                  .ok());
  Status s = CompareCatalogs(*bgm, *bgm2);
  EXPECT_EQ(s.reason(), "copy_mismatch");
  EXPECT_NE(s.message().find("metadata.description"), std::string::npos) << s;
  ASSERT_TRUE(bgm2->Create(Track("y")).ok());
  EXPECT_NE(CompareCatalogs(*bgm, *bgm2).message().find("2 records instead of 1"),
            std::string::npos);
}

}  // namespace
}  // namespace vmsg::catalog
