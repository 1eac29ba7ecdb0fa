// The BGM upload endpoint over real loopback HTTP with a real catalog file and real
// decoding and analysis: POST /api/bgm/tracks with a generated WAV and MP3 (record, stored
// objects, list, the vmsg_client cookie and the owner id derived from it), each refusal from
// real bad input, and deleting user tracks (by their owner only) and system tracks through the
// catalog routes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/thread_pool.hpp>
#include <cmath>
#include <numbers>
#include <regex>

#include "api/bgm_handlers.h"
#include "api/catalog_handlers.h"
#include "api/system_handlers.h"
#include "audio/codec.h"
#include "audio/loudness.h"
#include "audio/pcm.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/client_id.h"
#include "http/owner.h"
#include "http/router.h"
#include "test_client.h"
#include "test_server.h"
#include "testing/encode_for_test.h"
#include "testing/memory_object_store.h"

namespace vmsg::http {
namespace {

namespace bhttp = boost::beast::http;
using testing::Client;
using testing::TestServer;

// A little melody: plucked tones on every beat at `bpm` with a bass note each bar, stereo.
audio::Sound Melody(double seconds, int rate, double bpm = 120) {
  audio::Sound s{.sample_rate = rate, .channels = 2};
  const size_t frames = static_cast<size_t>(seconds * rate);
  s.samples.assign(frames * 2, 0.0f);
  const double beat = 60.0 / bpm;
  const double notes[] = {523.25, 659.25, 783.99, 659.25, 587.33, 698.46, 880.0, 698.46};
  for (size_t f = 0; f < frames; ++f) {
    const double t = static_cast<double>(f) / rate;
    const int n = static_cast<int>(t / beat);
    const double since = t - n * beat;
    const double tone =
        0.3 * std::exp(-since * 6) * std::sin(2 * std::numbers::pi * notes[n % 8] * since);
    const double bass = 0.15 * std::sin(2 * std::numbers::pi * 130.81 * t);
    s.samples[f * 2] = static_cast<float>(tone + bass);
    s.samples[f * 2 + 1] = static_cast<float>(0.8 * tone + bass);
  }
  return s;
}

audio::Sound Silence(double seconds, int rate) {
  audio::Sound s{.sample_rate = rate, .channels = 2};
  s.samples.assign(static_cast<size_t>(seconds * rate) * 2, 0.0f);
  return s;
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& filename = "", const std::string& file = "",
                 bool with_file = true) {
  std::string body;
  for (const auto& [n, v] : fields) {
    body += "--vb\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
  }
  if (with_file) {
    body += "--vb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + file + "\r\n";
  }
  return body + "--vb--\r\n";
}

class BgmHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_bgm_http_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    voices_ = std::move(catalog::OpenVoiceCatalog(data_dir_, clock_)).value();
    bgm_ = std::move(catalog::OpenBgmCatalog(data_dir_, clock_)).value();
    music_ = std::make_unique<library::MusicService>(*bgm_, store_, ids_);
    api::AddBgmRoutes(router_, {.music = music_.get(), .cpu = &cpu_, .ids = &ids_});
    api::AddCatalogRoutes(router_,
                          {.voices = voices_.get(), .bgm = bgm_.get(), .objects = &store_});
    api::AddOpenApiRoute(router_, "test");
    server_ = TestServer::Start(router_, logger_, ids_);
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  // POSTs the form, with a Cookie header when `cookie` is given.
  bhttp::response<bhttp::string_body> Upload(const std::string& form,
                                             const std::string& cookie = "") {
    Client c(server_->port());
    EXPECT_TRUE(c.connected());
    std::string head =
        "POST /api/bgm/tracks HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        "boundary=vb\r\nContent-Length: " +
        std::to_string(form.size()) + "\r\n";
    if (!cookie.empty()) head += "Cookie: " + cookie + "\r\n";
    c.Send(head + "\r\n" + form);
    auto r = c.Read();
    EXPECT_FALSE(c.error()) << c.error().message();
    return r;
  }
  // A DELETE with the vmsg_client cookie `client` when it is not empty.
  bhttp::response<bhttp::string_body> Delete(const std::string& path, const std::string& client) {
    return testing::DeleteAs(server_->port(), path, client);
  }
  static std::string Code(const bhttp::response<bhttp::string_body>& r) {
    Result<vmsg::Json> body = ParseJson(r.body());
    return body.ok() ? body->value("code", "") : "";
  }
  void ExpectRefused(const std::string& form, int status, const std::string& code) {
    auto r = Upload(form);
    EXPECT_EQ(r.result_int(), status) << code << ": " << r.body();
    EXPECT_EQ(Code(r), code) << r.body();
  }

  std::filesystem::path data_dir_;
  FakeClock clock_{*ParseIso8601("2025-01-02T09:15:00Z")};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  IdGenerator ids_{5};
  test::MemoryObjectStore store_;
  std::unique_ptr<catalog::VoiceCatalog> voices_;
  std::unique_ptr<catalog::BgmCatalog> bgm_;
  std::unique_ptr<library::MusicService> music_;
  boost::asio::thread_pool cpu_{2};  // outlives the server, which stops first
  Router router_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(BgmHttpTest, AWavAndAnMp3BecomeUserTracks) {
  const std::string wav = audio::EncodeWav(Melody(12, 48000, 120));
  auto r =
      Upload(Form({{"name", "My Wedding Song"}, {"mood", "romantic"}}, "wedding_song.wav", wav));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  // The browser had no id: it gets one, and the track is recorded as uploaded by it, by its
  // owner id: the cookie itself appears nowhere a client can read.
  const std::string cookie(r[bhttp::field::set_cookie]);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cookie, m, std::regex("^vmsg_client=([0-9a-f]{32}); Path=/;")))
      << cookie;
  const std::string client = m[1];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  const vmsg::Json track = ParseJson(r.body()).value();
  const std::string id = track["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("bgm_[0-9a-f]{12}"))) << id;
  EXPECT_EQ(r[bhttp::field::location], "/api/bgm/tracks/" + id);
  EXPECT_EQ(track["name"], "My Wedding Song");
  EXPECT_EQ(track["type"], "user");
  const std::string owner = OwnerIdOf(client);
  EXPECT_NE(owner, client);
  EXPECT_EQ(r.body().find(client), std::string::npos);
  EXPECT_EQ(track["file_path"], "bgm/user/" + owner + "_" + id + ".mp3");
  EXPECT_EQ(track["preview_url"], "/api/bgm/tracks/" + id + "/preview");
  EXPECT_NEAR(track["duration_seconds"].get<double>(), 12, 0.01);
  EXPECT_NEAR(track["bpm"].get<int>(), 120, 4);
  EXPECT_EQ(track["mood"], "romantic");
  EXPECT_NEAR(track["volume_db"].get<double>(), -14, 0.5);
  EXPECT_EQ(track["created_at"], "2025-01-02T09:15:00Z");
  EXPECT_EQ(track["metadata"], vmsg::Json({{"description", "User-uploaded custom BGM"},
                                           {"original_filename", "wedding_song.wav"},
                                           {"uploaded_by", owner}}));

  // The stored MP3 is the track, normalised; the preview is there too.
  Result<std::string> mp3 = store_.GetBytes(track["file_path"].get<std::string>());
  ASSERT_TRUE(mp3.ok());
  Result<audio::Sound> stored = audio::DecodeAudio(*mp3, 48000, 2);
  ASSERT_TRUE(stored.ok());
  EXPECT_NEAR(stored->duration_seconds(), 12, 0.01);
  EXPECT_NEAR(audio::MeasureLoudness(*stored)->integrated_lufs, -14, 0.5);
  EXPECT_TRUE(*store_.Exists("bgm/previews/" + id + ".mp3"));

  // An MP3 (44.1 kHz, 100 bpm) from the same browser: no new cookie, the same uploader.
  Result<std::string> mp3_upload = audio::EncodeMp3(Melody(15, 44100, 100));
  ASSERT_TRUE(mp3_upload.ok());
  r = Upload(Form({{"name", "Second"}}, "/home/me/music/second.mp3", *mp3_upload),
             "theme=dark; vmsg_client=" + client);
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_FALSE(r.count(bhttp::field::set_cookie));
  const vmsg::Json second = ParseJson(r.body()).value();
  EXPECT_EQ(second["metadata"]["uploaded_by"], owner);
  EXPECT_EQ(second["metadata"]["original_filename"], "second.mp3");
  EXPECT_EQ(second["mood"], "custom");
  EXPECT_NEAR(second["bpm"].get<int>(), 100, 3);
  EXPECT_NEAR(second["duration_seconds"].get<double>(), 15, 0.05);

  // A cookie not of the form vmsg issues is never trusted (it would name objects): the
  // browser gets a fresh id.
  r = Upload(Form({{"name", "Third"}}, "third.wav", wav), "vmsg_client=../../x");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const std::string fresh(r[bhttp::field::set_cookie]);
  ASSERT_TRUE(std::regex_search(fresh, m, std::regex("^vmsg_client=([0-9a-f]{32});"))) << fresh;
  const std::string fresh_client = m[1];
  EXPECT_NE(fresh_client, client);
  const vmsg::Json third = ParseJson(r.body()).value();
  EXPECT_EQ(third["metadata"]["uploaded_by"], OwnerIdOf(fresh_client));
  ASSERT_EQ(Delete("/api/bgm/tracks/" + third["id"].get<std::string>(), fresh_client).result_int(),
            200);

  // Both are listed, and are in the catalog file.
  Client c(server_->port());
  c.Send(testing::Get("/api/bgm/tracks?type=user"));
  const vmsg::Json list = ParseJson(c.Read().body()).value();
  ASSERT_EQ(list["tracks"].size(), 2u);
  EXPECT_EQ(list["tracks"][0], track);
  EXPECT_EQ(list["tracks"][1]["id"], second["id"]);
  EXPECT_EQ(bgm_->Get(id)->ToJson(), track);
}

TEST_F(BgmHttpTest, FlacOggAndM4aAreAcceptedWebmIsNot) {
  const audio::Sound stereo = Melody(4, 48000);
  audio::Sound mono{.sample_rate = 48000};
  for (size_t f = 0; f < stereo.frames(); ++f) mono.samples.push_back(stereo.samples[f * 2]);
  struct Kind {
    const char* muxer;
    const char* encoder;
    int status;
  };
  for (const Kind& k : {Kind{"flac", "flac", 201}, Kind{"ogg", "libvorbis", 201},
                        Kind{"ipod", "aac", 201}, Kind{"webm", "libopus", 400}}) {
    SCOPED_TRACE(std::string(k.muxer) + "/" + k.encoder);
    Result<std::string> file = test::EncodeAudioFile(mono, k.muxer, k.encoder, 48000, 2);
    ASSERT_TRUE(file.ok()) << file.status();
    auto r = Upload(Form({{"name", k.muxer}}, std::string("song.") + k.muxer, *file));
    EXPECT_EQ(r.result_int(), k.status) << r.body();
    if (k.status == 400) {
      EXPECT_EQ(Code(r), "unsupported_audio_format");
    }
  }
  EXPECT_EQ(bgm_->List()->size(), 3u);
}

TEST_F(BgmHttpTest, EachRefusalHasItsCode) {
  const std::string good = audio::EncodeWav(Melody(3, 48000));
  ExpectRefused(Form({}, "a.wav", good), 400, "name_required");
  ExpectRefused(Form({{"name", std::string(101, 'n')}}, "a.wav", good), 400, "name_too_long");
  ExpectRefused(Form({{"name", "x"}}, "", "", /*with_file=*/false), 400, "file_required");
  ExpectRefused(Form({{"name", "x"}, {"mood", "Not A Label!"}}, "a.wav", good), 400,
                "invalid_field");

  // 301 s (a quiet tone at 8 kHz, small enough to upload).
  audio::Sound long_tone = Melody(301, 8000);
  ExpectRefused(Form({{"name", "long"}}, "long.wav", audio::EncodeWav(long_tone)), 400,
                "bgm_too_long");
  // A JPEG is not audio.
  Result<std::string> jpeg = test::EncodeJpeg(64, 64);
  ASSERT_TRUE(jpeg.ok());
  ExpectRefused(Form({{"name", "photo"}}, "photo.mp3", *jpeg), 400, "unsupported_audio_format");
  // An MP3 cut inside its first frame.
  Result<std::string> mp3 = audio::EncodeMp3(Melody(5, 48000));
  ASSERT_TRUE(mp3.ok());
  ExpectRefused(Form({{"name", "cut"}}, "cut.mp3", mp3->substr(0, 300)), 400, "audio_undecodable");
  // Silence, and a track too short to loop.
  ExpectRefused(Form({{"name", "quiet"}}, "quiet.wav", audio::EncodeWav(Silence(10, 48000))), 400,
                "bgm_silent");
  ExpectRefused(Form({{"name", "short"}}, "short.wav", audio::EncodeWav(Melody(1.5, 48000))), 400,
                "bgm_too_short");

  // An 11 MiB file is refused while it streams, once it passes 10 MiB.
  Client c(server_->port());
  const std::string head =
      "--vb\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbig\r\n"
      "--vb\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n";
  c.Send(
      "POST /api/bgm/tracks HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "multipart/form-data; boundary=vb\r\nContent-Length: " +
      std::to_string(11 << 20) + "\r\n\r\n" + head + std::string((10 << 20) + 1024, 'w'));
  auto big = c.Read();
  ASSERT_FALSE(c.error()) << c.error().message();
  EXPECT_EQ(big.result_int(), 413);
  EXPECT_EQ(Code(big), "bgm_too_large");

  EXPECT_TRUE(bgm_->List()->empty());
}

TEST_F(BgmHttpTest, OnlyTheUploaderDeletesAUserTrackSystemTracksNoOne) {
  auto r = Upload(Form({{"name", "Mine"}}, "mine.wav", audio::EncodeWav(Melody(4, 48000))));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const vmsg::Json track = ParseJson(r.body()).value();
  const std::string id = track["id"];
  std::smatch m;
  const std::string cookie(r[bhttp::field::set_cookie]);
  ASSERT_TRUE(std::regex_search(cookie, m, std::regex("^vmsg_client=([0-9a-f]{32});"))) << cookie;
  const std::string uploader = m[1];
  // Another browser uploads too, and so has a cookie of its own.
  r = Upload(Form({{"name", "Theirs"}}, "theirs.wav", audio::EncodeWav(Melody(3, 48000))));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const std::string other_cookie(r[bhttp::field::set_cookie]);
  ASSERT_TRUE(std::regex_search(other_cookie, m, std::regex("^vmsg_client=([0-9a-f]{32});")));
  const std::string other = m[1];
  ASSERT_NE(other, uploader);
  catalog::BgmTrack system =
      catalog::BgmTrack::Make("celebration_upbeat", catalog::BgmTrack::Type::kSystem);
  system.name = "Celebration Upbeat";
  system.mood = "cheerful";
  system.duration_seconds = 80;
  system.metadata.genre = "pop";
  system.metadata.seamless_loop = true;
  ASSERT_TRUE(bgm_->Create(system).ok());

  // The other browser, a request without the cookie, and one sending the track's public
  // uploaded_by as its cookie are refused; the record and its media stay.
  for (const std::string& client : {other, std::string(), OwnerIdOf(uploader)}) {
    SCOPED_TRACE("client '" + client + "'");
    r = Delete("/api/bgm/tracks/" + id, client);
    EXPECT_EQ(r.result_int(), 403) << r.body();
    EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
    EXPECT_EQ(Code(r), "not_owner");
  }
  EXPECT_EQ(bgm_->Get(id)->ToJson(), track);
  EXPECT_TRUE(*store_.Exists(track["file_path"].get<std::string>()));
  EXPECT_TRUE(*store_.Exists("bgm/previews/" + id + ".mp3"));

  r = Delete("/api/bgm/tracks/" + id, uploader);
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_FALSE(*store_.Exists(track["file_path"].get<std::string>()));
  EXPECT_FALSE(*store_.Exists("bgm/previews/" + id + ".mp3"));
  EXPECT_EQ(bgm_->Get(id).status().code(), StatusCode::kNotFound);

  for (const std::string& client : {uploader, std::string()}) {
    r = Delete("/api/bgm/tracks/celebration_upbeat", client);
    EXPECT_EQ(r.result_int(), 403);
    EXPECT_EQ(Code(r), "system_entry");
  }
  EXPECT_TRUE(bgm_->Get("celebration_upbeat").ok());
  EXPECT_EQ(bgm_->List(catalog::BgmTrack::Type::kUser)->size(), 1u);  // the other's stays
}

TEST(ClientIdTest, ReadsOnlyIdsVmsgIssues) {
  const std::string id = "0123456789abcdef0123456789abcdef";
  auto with = [](const std::string& cookie) {
    Request r;
    r.headers.Set("Cookie", cookie);
    return r;
  };
  EXPECT_EQ(ClientIdFromCookie(with("vmsg_client=" + id)), id);
  EXPECT_EQ(ClientIdFromCookie(with("a=1;  vmsg_client=\"" + id + "\" ; b=2")), id);
  EXPECT_EQ(ClientIdFromCookie(with("xvmsg_client=" + id)), std::nullopt);
  EXPECT_EQ(ClientIdFromCookie(with("vmsg_client=" + id.substr(1))), std::nullopt);
  EXPECT_EQ(ClientIdFromCookie(with("vmsg_client=0123456789ABCDEF0123456789ABCDEF")), std::nullopt);
  EXPECT_EQ(ClientIdFromCookie(Request{}), std::nullopt);

  IdGenerator ids(1);
  const ClientId kept = ClientIdFor(with("vmsg_client=" + id), ids);
  EXPECT_EQ(kept.id, id);
  EXPECT_FALSE(kept.issued);
  const ClientId fresh = ClientIdFor(Request{}, ids);
  EXPECT_TRUE(fresh.issued);
  EXPECT_EQ(ClientIdFromCookie(with("vmsg_client=" + fresh.id)), fresh.id);
  Response response = Response::Empty(201);
  SetClientCookie(response, fresh.id);
  EXPECT_EQ(response.headers.Get("Set-Cookie"),
            "vmsg_client=" + fresh.id + "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
}

TEST_F(BgmHttpTest, OpenApiDescribesTheUpload) {
  Client c(server_->port());
  c.Send(testing::Get("/api/openapi.json"));
  const vmsg::Json doc = ParseJson(c.Read().body()).value();
  ASSERT_TRUE(doc["paths"]["/api/bgm/tracks"].contains("post"));
  EXPECT_TRUE(doc["paths"]["/api/bgm/tracks"].contains("get"));
  const std::string post = doc["paths"]["/api/bgm/tracks"]["post"].dump();
  for (const char* code : {"bgm_too_large", "bgm_too_long", "bgm_silent", "bgm_too_short",
                           "unsupported_audio_format", "audio_undecodable", "name_required"}) {
    EXPECT_NE(post.find(code), std::string::npos) << code;
  }
}

}  // namespace
}  // namespace vmsg::http
