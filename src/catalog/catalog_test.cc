// The catalogs: CRUD, deletes that take the media with them and threads that lose nothing,
// on both backends (the JSON files and PostgreSQL, CatalogConformanceTest); and for the
// files, the spec's shape, a corrupt catalog that refuses writes while the other keeps
// working, and eight writer processes racing a polling reader without losing an update or
// showing a torn file.
#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "catalog/postgres/pg_catalog.h"
#include "testing/memory_object_store.h"
#include "testing/postgres_server.h"

namespace vmsg::catalog {
namespace {

using test::MemoryObjectStore;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

VoiceProfile Voice(std::string id, VoiceProfile::Type type = VoiceProfile::Type::kCustom) {
  VoiceProfile p = VoiceProfile::Make(std::move(id), type);
  p.name = "Voice " + p.id;
  p.language = "ja";
  p.gender = "female";
  p.metadata = {.description = "test voice", .sample_rate = 24000, .duration_seconds = 5.2};
  return p;
}

BgmTrack Track(std::string id, BgmTrack::Type type = BgmTrack::Type::kUser) {
  BgmTrack t = BgmTrack::Make(std::move(id), type, type == BgmTrack::Type::kUser ? "user123" : "");
  t.name = "Track " + t.id;
  t.duration_seconds = 180.5;
  t.bpm = 120;
  t.mood = "cheerful";
  t.volume_db = -14;
  t.metadata.description = "test track";
  if (type == BgmTrack::Type::kSystem) {
    t.metadata.genre = "pop";
    t.metadata.seamless_loop = true;
  } else {
    t.metadata.original_filename = "song.mp3";
  }
  return t;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_catalog_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    voices_ = std::move(OpenVoiceCatalog(data_dir_, clock_)).value();
    bgm_ = std::move(OpenBgmCatalog(data_dir_, clock_)).value();
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  std::filesystem::path data_dir_;
  FakeClock clock_{*ParseIso8601("2025-01-02T08:30:00Z")};
  std::unique_ptr<VoiceCatalog> voices_;
  std::unique_ptr<BgmCatalog> bgm_;
  MemoryObjectStore store_;
};

// One PostgreSQL server for the whole test binary; each test gets a database of its own.
test::PgTestServer* SharedPgServer(Status& error) {
  static Result<std::unique_ptr<test::PgTestServer>> server = test::PgTestServer::Start();
  if (!server.ok()) {
    error = server.status();
    return nullptr;
  }
  return server->get();
}

// The backend-independent contract, run on the JSON files ("json") and on PostgreSQL
// ("postgres").
class CatalogConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static int databases = 0;
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_catalog_conf_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(data_dir_);
    if (GetParam() == "postgres") {
      Status error;
      test::PgTestServer* server = SharedPgServer(error);
      ASSERT_NE(server, nullptr) << error;
      Result<std::string> url = server->CreateDatabase("conf_" + std::to_string(++databases));
      ASSERT_TRUE(url.ok()) << url.status();
      url_ = *url;
    }
    auto [voices, bgm] = Open();
    ASSERT_NE(voices, nullptr);
    voices_ = std::move(voices);
    bgm_ = std::move(bgm);
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  // Another pair of catalogs over the same storage (as another process would open them).
  std::pair<std::unique_ptr<VoiceCatalog>, std::unique_ptr<BgmCatalog>> Open() {
    if (GetParam() == "postgres") {
      Result<PgCatalogs> pg = OpenPgCatalogs(url_, clock_);
      EXPECT_TRUE(pg.ok()) << pg.status();
      if (!pg.ok()) return {};
      return {std::move(pg->voices), std::move(pg->bgm)};
    }
    return {std::move(OpenVoiceCatalog(data_dir_, clock_)).value(),
            std::move(OpenBgmCatalog(data_dir_, clock_)).value()};
  }

  std::filesystem::path data_dir_;
  std::string url_;
  FakeClock clock_{*ParseIso8601("2025-01-02T08:30:00Z")};
  std::unique_ptr<VoiceCatalog> voices_;
  std::unique_ptr<BgmCatalog> bgm_;
  MemoryObjectStore store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CatalogConformanceTest, ::testing::Values("json", "postgres"),
                         [](const auto& param) { return param.param; });

TEST_P(CatalogConformanceTest, StartsEmptyAtTheOpeningTime) {
  Result<CatalogSnapshot<VoiceProfile>> voices = voices_->Snapshot();
  ASSERT_TRUE(voices.ok()) << voices.status();
  EXPECT_TRUE(voices->records.empty());
  EXPECT_EQ(FormatIso8601(voices->last_updated), "2025-01-02T08:30:00Z");
  EXPECT_EQ(*bgm_->Document(),
            vmsg::Json::parse(
                R"({"tracks": [], "last_updated": "2025-01-02T08:30:00Z", "version": "1.0"})"));
  // Opening again later leaves the catalog as it was.
  clock_.Advance(std::chrono::hours(1));
  auto [voices2, bgm2] = Open();
  ASSERT_NE(voices2, nullptr);
  EXPECT_EQ(FormatIso8601(voices2->Snapshot()->last_updated), "2025-01-02T08:30:00Z");
}

TEST_F(CatalogTest, FilesAreCreatedEmptyAtTheSpecsPaths) {
  const auto voices = data_dir_ / "backend/storage/voices/voices_metadata.json";
  const auto bgm = data_dir_ / "backend/storage/bgm/bgm_metadata.json";
  EXPECT_EQ(*ParseJson(ReadFile(voices)),
            vmsg::Json::parse(
                R"({"profiles": [], "last_updated": "2025-01-02T08:30:00Z", "version": "1.0"})"));
  EXPECT_EQ(*ParseJson(ReadFile(bgm)),
            vmsg::Json::parse(
                R"({"tracks": [], "last_updated": "2025-01-02T08:30:00Z", "version": "1.0"})"));
  EXPECT_EQ(voices_->List()->size(), 0u);
}

TEST_P(CatalogConformanceTest, CreateGetListUpdate) {
  clock_.Advance(std::chrono::seconds(15));
  Result<VoiceProfile> created = voices_->Create(Voice("mine"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(FormatIso8601(created->created_at), "2025-01-02T08:30:15Z");
  ASSERT_TRUE(voices_->Create(Voice("default_female", VoiceProfile::Type::kSystem)).ok());

  Result<VoiceProfile> got = voices_->Get("mine");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->ToJson(), created->ToJson());
  EXPECT_EQ(voices_->Get("other").status().reason(), "profile_not_found");
  EXPECT_EQ(voices_->Get("../x").status().reason(), "invalid_id");

  EXPECT_EQ(voices_->List()->size(), 2u);
  auto system = voices_->List(VoiceProfile::Type::kSystem);
  ASSERT_EQ(system->size(), 1u);
  EXPECT_EQ((*system)[0].id, "default_female");
  EXPECT_EQ(voices_->List(VoiceProfile::Type::kCustom)->at(0).id, "mine");

  Result<VoiceProfile> dup = voices_->Create(Voice("mine"));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  Result<VoiceProfile> invalid = voices_->Create(Voice("Bad Id"));
  EXPECT_TRUE(invalid.status().IsInvalidArgument());

  clock_.Advance(std::chrono::seconds(30));
  Result<VoiceProfile> renamed = voices_->Update("mine", [](VoiceProfile& p) {
    p.name = "Renamed";
    return Status::Ok();
  });
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(voices_->Get("mine")->name, "Renamed");
  EXPECT_EQ(FormatIso8601(voices_->Snapshot()->last_updated), "2025-01-02T08:30:45Z");
  EXPECT_EQ(voices_
                ->Update("mine",
                         [](VoiceProfile& p) {
                           p.type = VoiceProfile::Type::kSystem;
                           return Status::Ok();
                         })
                .status()
                .reason(),
            "immutable_field");
  EXPECT_TRUE(voices_
                  ->Update("mine",
                           [](VoiceProfile& p) {
                             p.language = "xx";
                             return Status::Ok();
                           })
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(
      voices_->Update("none", [](VoiceProfile&) { return Status::Ok(); }).status().IsNotFound());
  EXPECT_EQ(voices_->Get("mine")->name, "Renamed");
  EXPECT_EQ(voices_->Update("mine", [](VoiceProfile&) { return Status::Cancelled("no"); })
                .status()
                .code(),
            StatusCode::kCancelled);
  EXPECT_EQ(FormatIso8601(voices_->Snapshot()->last_updated), "2025-01-02T08:30:45Z");

  // The document holds exactly the spec's shape, in creation order.
  vmsg::Json doc = *voices_->Document();
  EXPECT_EQ(doc["version"], "1.0");
  EXPECT_EQ(doc["last_updated"], "2025-01-02T08:30:45Z");
  ASSERT_EQ(doc["profiles"].size(), 2u);
  EXPECT_EQ(doc["profiles"][0], voices_->Get("mine")->ToJson());
  EXPECT_EQ(doc["profiles"][1]["id"], "default_female");
}

TEST_P(CatalogConformanceTest, EveryFieldSurvivesAndRestoreReplacesTheWhole) {
  VoiceProfile v = Voice("quotes");
  v.name = "O'Brien \"日本語\" \\ voice";
  v.metadata = {.description = "a; DROP TABLE voice_profiles; --",
                .sample_rate = 44100,
                .duration_seconds = 0.1 + 0.2};
  ASSERT_TRUE(voices_->Create(v).ok());
  BgmTrack system = Track("loop", BgmTrack::Type::kSystem);
  system.duration_seconds = 1.0 / 3;
  system.volume_db = -0.5;
  ASSERT_TRUE(bgm_->Create(system).ok());
  ASSERT_TRUE(bgm_->Create(Track("upload")).ok());
  EXPECT_EQ(voices_->Get("quotes")->ToJson()["name"], v.name);
  EXPECT_EQ(voices_->Get("quotes")->metadata.duration_seconds, 0.1 + 0.2);
  EXPECT_EQ(bgm_->Get("loop")->duration_seconds, 1.0 / 3);
  EXPECT_EQ(bgm_->Get("loop")->metadata.seamless_loop, true);
  EXPECT_EQ(bgm_->Get("upload")->metadata.original_filename, "song.mp3");
  EXPECT_FALSE(bgm_->Get("upload")->metadata.genre.has_value());

  const vmsg::Json voices_then = *voices_->Document(), bgm_then = *bgm_->Document();
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_TRUE(voices_->Create(Voice("later")).ok());
  ASSERT_TRUE(bgm_->Delete("upload", store_).ok());
  ASSERT_TRUE(voices_->Restore(voices_then).ok());
  ASSERT_TRUE(bgm_->Restore(bgm_then).ok());
  EXPECT_EQ(*voices_->Document(), voices_then);
  EXPECT_EQ(*bgm_->Document(), bgm_then);

  vmsg::Json bad = voices_then;
  bad["profiles"].push_back(bad["profiles"][0]);
  EXPECT_EQ(voices_->Restore(bad).reason(), "invalid_backup");
  EXPECT_EQ(*voices_->Document(), voices_then);
}

TEST_P(CatalogConformanceTest, DeleteRemovesTheEntryAndItsObjects) {
  VoiceProfile v = *voices_->Create(Voice("mine"));
  ASSERT_TRUE(store_.Put(v.embedding_path, "npy", {}).ok());
  ASSERT_TRUE(store_.Put(v.reference_audio_path, "wav", {}).ok());
  ASSERT_TRUE(store_.Put("voices/custom/other.wav", "wav", {}).ok());
  Result<DeleteOutcome> out = voices_->Delete("mine", store_);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->objects_not_deleted.empty());
  EXPECT_FALSE(store_.Has(v.embedding_path));
  EXPECT_FALSE(store_.Has(v.reference_audio_path));
  EXPECT_TRUE(store_.Has("voices/custom/other.wav"));
  EXPECT_TRUE(voices_->Get("mine").status().IsNotFound());
  EXPECT_TRUE(voices_->Delete("mine", store_).status().IsNotFound());

  BgmTrack t = *bgm_->Create(Track("song"));
  ASSERT_TRUE(store_.Put(t.file_path, "mp3", {}).ok());
  ASSERT_TRUE(store_.Put(BgmTrack::PreviewKey("song"), "clip", {}).ok());
  ASSERT_TRUE(bgm_->Delete("song", store_).ok());
  EXPECT_FALSE(store_.Has("bgm/user/user123_song.mp3"));
  EXPECT_FALSE(store_.Has("bgm/previews/song.mp3"));
  EXPECT_TRUE(bgm_->List()->empty());
}

TEST_P(CatalogConformanceTest, SystemEntriesCannotBeDeleted) {
  ASSERT_TRUE(voices_->Create(Voice("default_female", VoiceProfile::Type::kSystem)).ok());
  ASSERT_TRUE(store_.Put("voices/system/default_female.wav", "wav", {}).ok());
  Result<DeleteOutcome> out = voices_->Delete("default_female", store_);
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(out.status().reason(), "system_entry");
  EXPECT_TRUE(voices_->Get("default_female").ok());
  EXPECT_TRUE(store_.Has("voices/system/default_female.wav"));

  ASSERT_TRUE(bgm_->Create(Track("celebration_upbeat", BgmTrack::Type::kSystem)).ok());
  EXPECT_EQ(bgm_->Delete("celebration_upbeat", store_).status().reason(), "system_entry");
}

TEST_P(CatalogConformanceTest, OnlyTheOwnerMayDeleteAUserEntry) {
  VoiceProfile owned = Voice("owned");
  owned.metadata.uploaded_by = "owner_a";
  ASSERT_TRUE(voices_->Create(owned).ok());
  ASSERT_TRUE(voices_->Create(Voice("legacy")).ok());  // made before owners were recorded
  for (const std::string& key : {owned.embedding_path, owned.reference_audio_path}) {
    ASSERT_TRUE(store_.Put(key, "bytes", {}).ok());
  }
  EXPECT_EQ(voices_->Get("owned")->owner(), "owner_a");  // the owner survives the backend
  auto as = [](std::string owner) {
    return [owner](const VoiceProfile& r) { return CheckOwner(r, owner); };
  };
  for (const std::string& other : {std::string("owner_b"), std::string()}) {
    Result<DeleteOutcome> out = voices_->Delete("owned", store_, as(other));
    EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied) << other;
    EXPECT_EQ(out.status().reason(), "not_owner") << other;
  }
  EXPECT_EQ(voices_->Delete("legacy", store_, as("owner_a")).status().reason(), "not_owner");
  EXPECT_TRUE(voices_->Get("owned").ok());
  EXPECT_TRUE(store_.Has(owned.reference_audio_path));
  EXPECT_TRUE(store_.Has(owned.embedding_path));
  ASSERT_TRUE(voices_->Delete("owned", store_, as("owner_a")).ok());
  EXPECT_FALSE(store_.Has(owned.reference_audio_path));
  EXPECT_TRUE(voices_->Get("owned").status().IsNotFound());
  // An operator (no check) still removes an entry without an owner.
  EXPECT_TRUE(voices_->Delete("legacy", store_).ok());

  // A system entry answers as before, whoever asks.
  ASSERT_TRUE(voices_->Create(Voice("default_female", VoiceProfile::Type::kSystem)).ok());
  EXPECT_EQ(voices_->Delete("default_female", store_, as("owner_a")).status().reason(),
            "system_entry");

  ASSERT_TRUE(bgm_->Create(Track("song")).ok());  // uploaded_by user123
  ASSERT_TRUE(store_.Put("bgm/user/user123_song.mp3", "mp3", {}).ok());
  auto track_as = [](std::string owner) {
    return [owner](const BgmTrack& r) { return CheckOwner(r, owner); };
  };
  EXPECT_EQ(bgm_->Delete("song", store_, track_as("owner_a")).status().reason(), "not_owner");
  EXPECT_TRUE(bgm_->Get("song").ok());
  EXPECT_TRUE(store_.Has("bgm/user/user123_song.mp3"));
  ASSERT_TRUE(bgm_->Delete("song", store_, track_as("user123")).ok());
  EXPECT_FALSE(store_.Has("bgm/user/user123_song.mp3"));
}

TEST_P(CatalogConformanceTest, ObjectsThatCannotBeDeletedAreReportedAfterTheEntryIsGone) {
  VoiceProfile v = *voices_->Create(Voice("mine"));
  ASSERT_TRUE(store_.Put(v.embedding_path, "npy", {}).ok());
  ASSERT_TRUE(store_.Put(v.reference_audio_path, "wav", {}).ok());
  store_.FailDeletesOf(v.reference_audio_path);
  Result<DeleteOutcome> out = voices_->Delete("mine", store_);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->objects_not_deleted, std::vector<std::string>{v.reference_audio_path});
  EXPECT_FALSE(store_.Has(v.embedding_path));
  EXPECT_TRUE(voices_->Get("mine").status().IsNotFound());
}

TEST_F(CatalogTest, ACorruptCatalogRefusesWritesWhileTheOtherWorks) {
  ASSERT_TRUE(voices_->Create(Voice("mine")).ok());
  ASSERT_TRUE(bgm_->Create(Track("song")).ok());
  std::ofstream(VoiceCatalogPath(data_dir_), std::ios::trunc) << "{\"profiles\": [";
  const std::string torn = ReadFile(VoiceCatalogPath(data_dir_));

  for (Status s : {voices_->List().status(), voices_->Get("mine").status(),
                   voices_->Create(Voice("two")).status(), voices_->Delete("mine", store_).status(),
                   voices_->Update("mine", [](VoiceProfile&) { return Status::Ok(); }).status()}) {
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s;
    EXPECT_EQ(s.reason(), "catalog_corrupt");
    EXPECT_NE(s.message().find("voices_metadata.json"), std::string::npos);
  }
  EXPECT_EQ(ReadFile(VoiceCatalogPath(data_dir_)), torn);

  EXPECT_EQ(bgm_->List()->size(), 1u);
  EXPECT_TRUE(bgm_->Create(Track("song2")).ok());
  EXPECT_EQ(bgm_->List()->size(), 2u);
}

TEST_F(CatalogTest, AnInvalidOrDuplicateEntryMakesTheFileCorrupt) {
  ASSERT_TRUE(voices_->Create(Voice("mine")).ok());
  vmsg::Json doc = *ParseJson(ReadFile(VoiceCatalogPath(data_dir_)));
  doc["profiles"].push_back(doc["profiles"][0]);
  std::ofstream(VoiceCatalogPath(data_dir_), std::ios::trunc) << doc.dump();
  EXPECT_NE(voices_->List().status().message().find("two entries with id \"mine\""),
            std::string::npos);

  doc["profiles"].erase(1);
  doc["profiles"][0]["reference_audio_path"] = "videos/x/final_video.mp4";
  std::ofstream(VoiceCatalogPath(data_dir_), std::ios::trunc) << doc.dump();
  Status s = voices_->Delete("mine", store_).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("profiles[0]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("reference_audio_path"), std::string::npos) << s;

  std::ofstream(VoiceCatalogPath(data_dir_), std::ios::trunc)
      << R"({"profiles": [], "last_updated": "2025-01-02T08:30:00Z", "version": "1.1"})";
  EXPECT_EQ(voices_->List().status().code(), StatusCode::kDataLoss);
}

// flock locks belong to open file descriptions: each operation opens its own, so threads of
// one process exclude each other as processes do.
TEST_P(CatalogConformanceTest, ThreadsSharingOneCatalogLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::unique_ptr<BgmCatalog> other = Open().second;
  ASSERT_NE(other, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads use a second instance over the same file.
      BgmCatalog& catalog = t % 2 == 0 ? *bgm_ : *other;
      for (int i = 0; i < kEach; ++i) {
        if (!catalog.Create(Track("t" + std::to_string(t) + "_" + std::to_string(i))).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(bgm_->List()->size(), static_cast<size_t>(kThreads * kEach));
}

constexpr int kWriterProcesses = 8;
constexpr int kRecordsPerWriter = 200;

// Eight processes create 200 profiles each through their own catalog instance while a
// ninth polls the file: all 1600 land, and the reader only ever sees complete documents
// whose count never goes down.
TEST_F(CatalogTest, EightWriterProcessesLoseNothingAndReadersNeverSeeATornFile) {
  const std::filesystem::path path = VoiceCatalogPath(data_dir_);
  int reader_pipe[2];
  int stop_pipe[2];
  ASSERT_EQ(::pipe(reader_pipe), 0);
  ASSERT_EQ(::pipe(stop_pipe), 0);
  const pid_t reader = ::fork();
  ASSERT_GE(reader, 0);
  if (reader == 0) {
    ::close(reader_pipe[0]);
    ::close(stop_pipe[1]);
    int64_t reads = 0, bad = 0, last_count = 0, went_down = 0;
    while (true) {
      // Checked before reading, so the last read sees the writers' final document.
      pollfd stop{stop_pipe[0], POLLIN, 0};
      const bool stopping = ::poll(&stop, 1, 0) > 0;
      Result<vmsg::Json> doc = ParseJson(ReadFile(path));
      ++reads;
      if (!doc.ok() || !doc->contains("profiles") || (*doc)["version"] != "1.0") {
        ++bad;
      } else {
        const int64_t count = static_cast<int64_t>((*doc)["profiles"].size());
        if (count < last_count) ++went_down;
        last_count = count;
      }
      if (stopping) break;
    }
    const std::string summary = std::to_string(reads) + " " + std::to_string(bad) + " " +
                                std::to_string(went_down) + " " + std::to_string(last_count);
    (void)!::write(reader_pipe[1], summary.data(), summary.size());
    ::_exit(0);
  }
  ::close(reader_pipe[1]);
  ::close(stop_pipe[0]);

  std::vector<pid_t> writers;
  for (int w = 0; w < kWriterProcesses; ++w) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto catalog = OpenVoiceCatalog(data_dir_, clock_);
      if (!catalog.ok()) ::_exit(2);
      for (int i = 0; i < kRecordsPerWriter; ++i) {
        const std::string id = "w" + std::to_string(w) + "_" + std::to_string(i);
        if (!(*catalog)->Create(Voice(id)).ok()) ::_exit(3);
      }
      ::_exit(0);
    }
    writers.push_back(pid);
  }
  for (pid_t pid : writers) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed: " << status;
  }
  (void)!::write(stop_pipe[1], "s", 1);
  std::string summary(256, '\0');
  const ssize_t n = ::read(reader_pipe[0], summary.data(), summary.size());
  ASSERT_GT(n, 0);
  summary.resize(static_cast<size_t>(n));
  int status = 0;
  ASSERT_EQ(::waitpid(reader, &status, 0), reader);

  std::istringstream fields(summary);
  int64_t reads = 0, bad = 0, went_down = 0, last_count = 0;
  fields >> reads >> bad >> went_down >> last_count;
  EXPECT_EQ(bad, 0) << summary;
  EXPECT_EQ(went_down, 0) << summary;
  EXPECT_GT(reads, kWriterProcesses) << "the reader did not poll during the writes";
  EXPECT_EQ(last_count, kWriterProcesses * kRecordsPerWriter);

  Result<std::vector<VoiceProfile>> all = voices_->List();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriterProcesses * kRecordsPerWriter));
  std::cout << "[          ] reader polled the file " << reads << " times\n";
}

}  // namespace
}  // namespace vmsg::catalog
