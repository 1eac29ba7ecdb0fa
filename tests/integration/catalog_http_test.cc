// The catalog endpoints and their /health checks over real loopback HTTP, on real catalog
// files: listing with the type and owner filters, one entry, deletes by their owner only (and
// the media they take with them), previews redirecting to presigned URLs, and every error
// code a client can see.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "api/catalog_handlers.h"
#include "api/system_handlers.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/owner.h"
#include "http/router.h"
#include "http/server.h"
#include "test_client.h"
#include "test_server.h"
#include "testing/memory_object_store.h"

namespace vmsg::http {
namespace {

namespace bhttp = boost::beast::http;
using catalog::BgmTrack;
using catalog::VoiceProfile;
using testing::Client;
using testing::Get;
using testing::TestServer;

// Two browsers' vmsg_client cookies; A made "mine" and "wedding".
const std::string kClientA = "0123456789abcdef0123456789abcdef";
const std::string kClientB = "fedcba9876543210fedcba9876543210";

catalog::VoiceProfile Voice(std::string id, VoiceProfile::Type type) {
  VoiceProfile p = VoiceProfile::Make(std::move(id), type);
  p.name = "Voice " + p.id;
  p.language = "ja";
  p.gender = "female";
  p.metadata = {.description = "日本語の声", .sample_rate = 24000, .duration_seconds = 5.2};
  if (type == VoiceProfile::Type::kCustom) p.metadata.uploaded_by = OwnerIdOf(kClientA);
  return p;
}

catalog::BgmTrack Track(std::string id, BgmTrack::Type type, const std::string& client = kClientA) {
  BgmTrack t =
      BgmTrack::Make(std::move(id), type, type == BgmTrack::Type::kUser ? OwnerIdOf(client) : "");
  t.name = "Track " + t.id;
  t.duration_seconds = 180.5;
  t.mood = "cheerful";
  t.metadata.description = "test track";
  if (type == BgmTrack::Type::kSystem) {
    t.metadata.genre = "pop";
    t.metadata.seamless_loop = true;
  } else {
    t.metadata.original_filename = "song.mp3";
  }
  return t;
}

class CatalogHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_catalog_http_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    voices_ = std::move(catalog::OpenVoiceCatalog(data_dir_, clock_)).value();
    bgm_ = std::move(catalog::OpenBgmCatalog(data_dir_, clock_)).value();
    ASSERT_TRUE(voices_->Create(Voice("default_female", VoiceProfile::Type::kSystem)).ok());
    ASSERT_TRUE(voices_->Create(Voice("mine", VoiceProfile::Type::kCustom)).ok());
    ASSERT_TRUE(bgm_->Create(Track("celebration_upbeat", BgmTrack::Type::kSystem)).ok());
    ASSERT_TRUE(bgm_->Create(Track("wedding", BgmTrack::Type::kUser)).ok());
    for (const std::string& key : std::vector<std::string>{
             "voices/system/default_female.wav", "voices/custom/mine.wav",
             "voices/embeddings/mine.npy", "bgm/system/celebration_upbeat.mp3",
             "bgm/user/" + OwnerIdOf(kClientA) + "_wedding.mp3", "bgm/previews/wedding.mp3"}) {
      ASSERT_TRUE(store_.Put(key, "audio", {}).ok());
    }

    api::AddCatalogRoutes(router_,
                          {.voices = voices_.get(), .bgm = bgm_.get(), .objects = &store_});
    api::AddCatalogHealthChecks(health_, *voices_, *bgm_);
    api::AddHealthRoute(router_, health_, {"test", clock_.Now(), &clock_});
    api::AddOpenApiRoute(router_, "test");
    server_ = TestServer::Start(router_, logger_, ids_);
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  // One request, with the vmsg_client cookie `client` when it is not empty.
  bhttp::response<bhttp::string_body> Send(const std::string& method, const std::string& path,
                                           const std::string& client = "") {
    Client c(server_->port());
    EXPECT_TRUE(c.connected());
    std::string head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
    if (!client.empty()) head += "Cookie: lang=ja; vmsg_client=" + client + "\r\n";
    c.Send(head + "\r\n");
    auto r = c.Read();
    EXPECT_FALSE(c.error()) << c.error().message();
    return r;
  }

  // The problem+json code of an error response with `status`.
  std::string ProblemCode(const std::string& method, const std::string& path, int status,
                          const std::string& client = "") {
    auto r = Send(method, path, client);
    EXPECT_EQ(r.result_int(), status) << method << " " << path << ": " << r.body();
    EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
    Result<vmsg::Json> body = ParseJson(r.body());
    return body.ok() ? body->value("code", "") : "";
  }

  vmsg::Json JsonOf(const std::string& path, const std::string& client = "") {
    auto r = Send("GET", path, client);
    EXPECT_EQ(r.result_int(), 200) << path << ": " << r.body();
    return ParseJson(r.body()).value_or(vmsg::Json());
  }

  std::filesystem::path data_dir_;
  FakeClock clock_{*ParseIso8601("2025-01-02T08:30:00Z")};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  IdGenerator ids_{1};
  std::unique_ptr<catalog::VoiceCatalog> voices_;
  std::unique_ptr<catalog::BgmCatalog> bgm_;
  test::MemoryObjectStore store_;
  Router router_;
  api::HealthChecks health_;
  std::unique_ptr<TestServer> server_;
};

std::vector<std::string> Ids(const vmsg::Json& list) {
  std::vector<std::string> ids;
  for (const auto& e : list) ids.push_back(e["id"]);
  return ids;
}

TEST_F(CatalogHttpTest, ListsWithTheTypeFilter) {
  vmsg::Json all = JsonOf("/api/voice-clone/profiles");
  EXPECT_EQ(Ids(all["profiles"]), (std::vector<std::string>{"default_female", "mine"}));
  EXPECT_EQ(all["profiles"][1], voices_->Get("mine")->ToJson());
  EXPECT_EQ(all["profiles"][0]["metadata"]["description"], "日本語の声");
  EXPECT_EQ(Ids(JsonOf("/api/voice-clone/profiles?type=system")["profiles"]),
            std::vector<std::string>{"default_female"});
  EXPECT_EQ(Ids(JsonOf("/api/voice-clone/profiles?type=custom")["profiles"]),
            std::vector<std::string>{"mine"});
  EXPECT_EQ(Ids(JsonOf("/api/bgm/tracks?type=user")["tracks"]),
            std::vector<std::string>{"wedding"});
  EXPECT_EQ(JsonOf("/api/bgm/tracks")["tracks"].size(), 2u);
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles?type=user", 400), "invalid_type");
  EXPECT_EQ(ProblemCode("GET", "/api/bgm/tracks?type=custom", 400), "invalid_type");
}

TEST_F(CatalogHttpTest, OwnerMeListsOnlyTheCallersOwnEntries) {
  ASSERT_TRUE(bgm_->Create(Track("other", BgmTrack::Type::kUser, kClientB)).ok());
  ASSERT_TRUE(bgm_->Create(Track("second", BgmTrack::Type::kUser)).ok());
  VoiceProfile legacy = Voice("legacy", VoiceProfile::Type::kCustom);
  legacy.metadata.uploaded_by.reset();
  ASSERT_TRUE(voices_->Create(legacy).ok());

  EXPECT_EQ(Ids(JsonOf("/api/voice-clone/profiles?owner=me", kClientA)["profiles"]),
            std::vector<std::string>{"mine"});
  EXPECT_EQ(JsonOf("/api/voice-clone/profiles?owner=me", kClientA)["profiles"][0],
            voices_->Get("mine")->ToJson());
  EXPECT_EQ(Ids(JsonOf("/api/bgm/tracks?owner=me", kClientA)["tracks"]),
            (std::vector<std::string>{"wedding", "second"}));
  EXPECT_EQ(Ids(JsonOf("/api/bgm/tracks?owner=me&type=user", kClientB)["tracks"]),
            std::vector<std::string>{"other"});
  EXPECT_TRUE(JsonOf("/api/bgm/tracks?owner=me&type=system", kClientA)["tracks"].empty());
  EXPECT_TRUE(JsonOf("/api/voice-clone/profiles?owner=me", kClientB)["profiles"].empty());
  // No cookie owns nothing; without owner=me everyone's entries are listed, as before.
  EXPECT_TRUE(JsonOf("/api/voice-clone/profiles?owner=me")["profiles"].empty());
  EXPECT_TRUE(JsonOf("/api/bgm/tracks?owner=me")["tracks"].empty());
  EXPECT_EQ(JsonOf("/api/bgm/tracks", kClientB)["tracks"].size(), 4u);
  // Owner ids are never taken from the query: a client cannot ask for someone else's.
  EXPECT_EQ(ProblemCode("GET", "/api/bgm/tracks?owner=" + OwnerIdOf(kClientA), 400),
            "invalid_owner");
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles?owner=", 400), "invalid_owner");
}

TEST_F(CatalogHttpTest, OnlyTheOwnerDeletesAndOthersLeaveEverythingUntouched) {
  VoiceProfile legacy = Voice("legacy", VoiceProfile::Type::kCustom);
  legacy.metadata.uploaded_by.reset();  // made before owners were recorded
  ASSERT_TRUE(voices_->Create(legacy).ok());
  const std::string track_key = "bgm/user/" + OwnerIdOf(kClientA) + "_wedding.mp3";
  const vmsg::Json voice_before = voices_->Get("mine")->ToJson();
  const vmsg::Json track_before = bgm_->Get("wedding")->ToJson();

  // Another browser, a browser without the cookie, one with a malformed cookie, and one that
  // sends the public owner id as its cookie: each is refused with not_owner.
  for (const std::string& client :
       {kClientB, std::string(), std::string("not-a-client-id"), OwnerIdOf(kClientA)}) {
    SCOPED_TRACE("client '" + client + "'");
    EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/mine", 403, client), "not_owner");
    EXPECT_EQ(ProblemCode("DELETE", "/api/bgm/tracks/wedding", 403, client), "not_owner");
  }
  EXPECT_EQ(voices_->Get("mine")->ToJson(), voice_before);
  EXPECT_EQ(bgm_->Get("wedding")->ToJson(), track_before);
  for (const std::string& key :
       {std::string("voices/custom/mine.wav"), std::string("voices/embeddings/mine.npy"), track_key,
        std::string("bgm/previews/wedding.mp3")}) {
    EXPECT_TRUE(store_.Has(key)) << key;
  }
  // A voice that records no owner is no one's; a system entry answers as it always has.
  EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/legacy", 403, kClientA), "not_owner");
  EXPECT_EQ(ProblemCode("DELETE", "/api/bgm/tracks/celebration_upbeat", 403, kClientA),
            "system_entry");
  EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/default_female", 403, kClientA),
            "system_entry");
  // Unknown ids are still 404, whoever asks.
  EXPECT_EQ(ProblemCode("DELETE", "/api/bgm/tracks/nothing", 404, kClientB), "track_not_found");

  auto r = Send("DELETE", "/api/bgm/tracks/wedding", kClientA);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_FALSE(store_.Has(track_key));
  EXPECT_FALSE(store_.Has("bgm/previews/wedding.mp3"));
  EXPECT_EQ(ProblemCode("GET", "/api/bgm/tracks/wedding", 404), "track_not_found");
}

TEST_F(CatalogHttpTest, GetsOneEntryAfterCheckingItsId) {
  EXPECT_EQ(JsonOf("/api/bgm/tracks/wedding"), bgm_->Get("wedding")->ToJson());
  EXPECT_EQ(JsonOf("/api/voice-clone/profiles/mine")["reference_audio_path"],
            "voices/custom/mine.wav");
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/nobody", 404), "profile_not_found");
  EXPECT_EQ(ProblemCode("GET", "/api/bgm/tracks/nothing", 404), "track_not_found");
  for (const char* bad : {"Mine", "%2e%2e", "a%2Fb", "x.wav", "a%00b"}) {
    EXPECT_EQ(ProblemCode("GET", std::string("/api/voice-clone/profiles/") + bad, 400),
              "invalid_id")
        << bad;
    EXPECT_EQ(ProblemCode("GET", std::string("/api/bgm/tracks/") + bad + "/preview", 400),
              "invalid_id")
        << bad;
  }
  EXPECT_EQ(ProblemCode("GET", "/api/bgm/tracks/" + std::string(65, 'a'), 400), "invalid_id");
}

TEST_F(CatalogHttpTest, PreviewsRedirectToPresignedUrls) {
  auto voice = Send("GET", "/api/voice-clone/profiles/default_female/preview");
  EXPECT_EQ(voice.result_int(), 302);
  EXPECT_EQ(voice[bhttp::field::location],
            "http://objects.test/voices/system/default_female.wav?expires_in=900");
  EXPECT_EQ(voice[bhttp::field::cache_control], "no-store");
  // A track's preview clip when it has one, else the track itself.
  EXPECT_EQ(Send("GET", "/api/bgm/tracks/wedding/preview")[bhttp::field::location],
            "http://objects.test/bgm/previews/wedding.mp3?expires_in=900");
  EXPECT_EQ(Send("GET", "/api/bgm/tracks/celebration_upbeat/preview")[bhttp::field::location],
            "http://objects.test/bgm/system/celebration_upbeat.mp3?expires_in=900");
  ASSERT_TRUE(store_.Delete("voices/custom/mine.wav").ok());
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/mine/preview", 404), "preview_not_found");
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/nobody/preview", 404),
            "profile_not_found");
}

TEST_F(CatalogHttpTest, DeletesCustomEntriesWithTheirMediaButNotSystemOnes) {
  EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/default_female", 403), "system_entry");
  EXPECT_EQ(ProblemCode("DELETE", "/api/bgm/tracks/celebration_upbeat", 403), "system_entry");
  EXPECT_TRUE(store_.Has("voices/system/default_female.wav"));

  auto r = Send("DELETE", "/api/voice-clone/profiles/mine", kClientA);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(*ParseJson(r.body()),
            vmsg::Json(
                {{"id", "mine"}, {"deleted", true}, {"objects_not_deleted", vmsg::Json::array()}}));
  EXPECT_FALSE(store_.Has("voices/custom/mine.wav"));
  EXPECT_FALSE(store_.Has("voices/embeddings/mine.npy"));
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/mine", 404), "profile_not_found");
  EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/mine", 404, kClientA),
            "profile_not_found");

  store_.FailDeletesOf("bgm/previews/wedding.mp3");
  r = Send("DELETE", "/api/bgm/tracks/wedding", kClientA);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ((*ParseJson(r.body()))["objects_not_deleted"],
            vmsg::Json::array({"bgm/previews/wedding.mp3"}));
  EXPECT_FALSE(store_.Has("bgm/user/" + OwnerIdOf(kClientA) + "_wedding.mp3"));
  EXPECT_EQ(ProblemCode("DELETE", "/api/bgm/tracks/..", 400), "invalid_id");
}

TEST_F(CatalogHttpTest, HealthReportsTheSpecsMetadataChecks) {
  auto r = Send("GET", "/health");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  vmsg::Json checks = (*ParseJson(r.body()))["checks"];
  EXPECT_EQ(checks["voice_profiles"], vmsg::Json({{"status", "healthy"},
                                                  {"profile_count", 2},
                                                  {"last_updated", "2025-01-02T08:30:00Z"}}));
  EXPECT_EQ(checks["bgm_tracks"], vmsg::Json({{"status", "healthy"},
                                              {"track_count", 2},
                                              {"last_updated", "2025-01-02T08:30:00Z"}}));
}

TEST_F(CatalogHttpTest, ACorruptCatalogAnswers503AndShowsInHealthWhileTheOtherWorks) {
  std::ofstream(catalog::VoiceCatalogPath(data_dir_), std::ios::trunc)
      << R"({"profiles": [], "version": "9.9"})";
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles", 503), "catalog_unavailable");
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/mine", 503), "catalog_unavailable");
  EXPECT_EQ(ProblemCode("DELETE", "/api/voice-clone/profiles/mine", 503, kClientA),
            "catalog_unavailable");
  EXPECT_EQ(ProblemCode("GET", "/api/voice-clone/profiles/mine/preview", 503),
            "catalog_unavailable");
  EXPECT_TRUE(store_.Has("voices/custom/mine.wav"));
  EXPECT_EQ(JsonOf("/api/bgm/tracks")["tracks"].size(), 2u);

  auto r = Send("GET", "/health");
  EXPECT_EQ(r.result_int(), 503);
  vmsg::Json checks = (*ParseJson(r.body()))["checks"];
  EXPECT_EQ(checks["voice_profiles"]["status"], "unhealthy");
  const std::string error = checks["voice_profiles"]["error"];
  EXPECT_NE(error.find("voices_metadata.json"), std::string::npos) << error;
  EXPECT_NE(error.find("9.9"), std::string::npos) << error;
  EXPECT_EQ(checks["bgm_tracks"]["status"], "healthy");
}

TEST_F(CatalogHttpTest, RoutesAreDocumentedInOpenApi) {
  vmsg::Json paths = JsonOf("/api/openapi.json")["paths"];
  for (const char* p : {"/api/voice-clone/profiles", "/api/voice-clone/profiles/{profile_id}",
                        "/api/voice-clone/profiles/{profile_id}/preview", "/api/bgm/tracks",
                        "/api/bgm/tracks/{track_id}", "/api/bgm/tracks/{track_id}/preview"}) {
    EXPECT_TRUE(paths.contains(p)) << p;
  }
  EXPECT_TRUE(paths["/api/bgm/tracks/{track_id}"].contains("delete"));
  EXPECT_TRUE(
      paths["/api/voice-clone/profiles/{profile_id}/preview"]["get"]["responses"].contains("302"));
}

}  // namespace
}  // namespace vmsg::http
