// The voice endpoints over real loopback HTTP with the real engines, a real catalog file
// and seeded system voices: POST /api/voice/synthesize (audio and every error code a
// client can see) and POST /api/voice-clone/profiles (a custom voice from a multipart form,
// owned by the browser that made it, then spoken and deleted by that browser only; each
// refusal from a real bad file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/thread_pool.hpp>
#include <regex>

#include "api/catalog_handlers.h"
#include "api/system_handlers.h"
#include "api/voice_handlers.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/owner.h"
#include "http/router.h"
#include "http/server.h"
#include "speech/pitch.h"
#include "speech/system_voices.h"
#include "test_client.h"
#include "test_server.h"
#include "testing/encode_for_test.h"
#include "testing/memory_object_store.h"

namespace vmsg::http {
namespace {

namespace bhttp = boost::beast::http;
using testing::Client;
using testing::TestServer;

constexpr std::string_view kRecordingText =
    "おはようございます。今日は皆さんに、私の声を聞いていただきます。"
    "毎朝コーヒーを飲みながら、新聞を読むのが好きです。週末には家族と一緒に、"
    "近くの山へ散歩に出かけます。";

struct FilePart {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::vector<FilePart>& files) {
  std::string body;
  for (const auto& [n, v] : fields) {
    body += "--vb\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
  }
  for (const FilePart& f : files) {
    body += "--vb\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + f.filename +
            "\"\r\nContent-Type: " + f.content_type + "\r\n\r\n" + f.bytes + "\r\n";
  }
  return body + "--vb--\r\n";
}

class VoiceHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto jtalk = speech::NewOpenJTalkSynthesizer();
    if (jtalk.ok()) jtalk_ = std::move(*jtalk).release();
    flite_ = speech::NewFliteSynthesizer().release();
    speaker_ = new speech::Speaker(jtalk_, flite_);  // makes the recordings
  }
  static void TearDownTestSuite() {
    delete speaker_;
    delete flite_;
    delete jtalk_;
  }

  void SetUp() override {
    // scripts/setup.sh installs Open JTalk: its absence fails these tests, never skips them.
    ASSERT_NE(jtalk_, nullptr) << "open_jtalk is not installed";
    data_dir_ = std::filesystem::temp_directory_path() /
                ("vmsg_voice_http_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(data_dir_);
    voices_ = std::move(catalog::OpenVoiceCatalog(data_dir_, clock_)).value();
    bgm_ = std::move(catalog::OpenBgmCatalog(data_dir_, clock_)).value();
    service_ = std::make_unique<library::VoiceService>(
        *voices_, store_, jtalk_, flite_, speech::SpeakerOptions{.max_chars = 40}, ids_);
    ASSERT_TRUE(service_->EnsureSystemVoices().failed.empty());
    api::AddVoiceRoutes(router_, {.voices = service_.get(), .cpu = &cpu_, .ids = &ids_});
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

  bhttp::response<bhttp::string_body> Post(const std::string& path, const std::string& type,
                                           const std::string& body) {
    return server_->Send("POST", path, body, type);
  }
  bhttp::response<bhttp::string_body> Synthesize(const vmsg::Json& body) {
    return Post("/api/voice/synthesize", "application/json", body.dump());
  }
  bhttp::response<bhttp::string_body> Create(const std::string& form) {
    return Post("/api/voice-clone/profiles", "multipart/form-data; boundary=vb", form);
  }
  // A DELETE with the vmsg_client cookie `client` when it is not empty.
  bhttp::response<bhttp::string_body> Delete(const std::string& path, const std::string& client) {
    return testing::DeleteAs(server_->port(), path, client);
  }
  static std::string Code(const bhttp::response<bhttp::string_body>& r) {
    Result<vmsg::Json> body = ParseJson(r.body());
    return body.ok() ? body->value("code", "") : "";
  }
  static std::string Detail(const bhttp::response<bhttp::string_body>& r) {
    Result<vmsg::Json> body = ParseJson(r.body());
    return body.ok() ? body->value("detail", "") : "";
  }

  inline static speech::SpeechSynthesizer* jtalk_ = nullptr;
  inline static speech::SpeechSynthesizer* flite_ = nullptr;
  inline static speech::Speaker* speaker_ = nullptr;
  std::filesystem::path data_dir_;
  FakeClock clock_{*ParseIso8601("2025-01-02T08:30:00Z")};
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
  IdGenerator ids_{3};
  test::MemoryObjectStore store_;
  std::unique_ptr<catalog::VoiceCatalog> voices_;
  std::unique_ptr<catalog::BgmCatalog> bgm_;
  std::unique_ptr<library::VoiceService> service_;
  boost::asio::thread_pool cpu_{2};  // outlives the server, which stops first
  Router router_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(VoiceHttpTest, SynthesizeAnswersWavInTheVoiceAndPreset) {
  auto r = Synthesize({{"text", "お誕生日おめでとう！"}, {"voice_id", "default_male"}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r[bhttp::field::content_type], "audio/wav");
  EXPECT_EQ(r["X-Prosody-Preset"], "celebration");
  const audio::Sound male = audio::DecodeWav(r.body()).value();
  EXPECT_GT(male.duration_seconds(), 0.8);

  // Default voice (default_female), a named preset, a user pitch change.
  r = Synthesize(
      {{"text", "お誕生日おめでとう！"}, {"prosody", "calm"}, {"pitch", 2}, {"speed", 1.2}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r["X-Prosody-Preset"], "calm");
  const audio::Sound female = audio::DecodeWav(r.body()).value();
  EXPECT_GT(speech::SemitonesBetween(speech::EstimatePitch(male)->median_hz,
                                     speech::EstimatePitch(female)->median_hz),
            4);

  r = Synthesize({{"text", "Good luck tomorrow!"}, {"voice_id", "english_male"}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r["X-Prosody-Preset"], "energetic");
}

TEST_F(VoiceHttpTest, SynthesizeErrorsAreProblemsWithStableCodes) {
  auto expect = [&](const vmsg::Json& body, int status, const std::string& code,
                    const std::string& detail_has = "") {
    auto r = Synthesize(body);
    EXPECT_EQ(r.result_int(), status) << body.dump() << ": " << r.body();
    EXPECT_EQ(r[bhttp::field::content_type], "application/problem+json");
    EXPECT_EQ(Code(r), code) << body.dump();
    EXPECT_NE(Detail(r).find(detail_has), std::string::npos) << Detail(r);
  };
  expect({{"text", std::string(41, 'a')}}, 400, "text_too_long");  // max_chars 40 here
  expect({{"text", "🎉🎉"}}, 400, "text_empty");
  expect({{"text", " \n "}}, 400, "text_empty");
  expect({{"text", "hi"}, {"speed", 3}}, 400, "invalid_prosody", "speed");
  expect({{"text", "hi"}, {"pitch", -7}}, 400, "invalid_prosody", "pitch");
  expect({{"text", "hi"}, {"volume", 13}}, 400, "invalid_prosody", "volume");
  expect({{"text", "hi"}, {"prosody", "loud"}}, 400, "invalid_prosody", "preset");
  expect({{"text", "hi"}, {"voice_id", "nobody"}}, 400, "unknown_voice",
         "default_female, default_male, english_female, english_male");
  expect({{"text", "hi"}, {"voice_id", "../etc"}}, 400, "unknown_voice");
  expect({{"text", 5}}, 400, "invalid_request", "text");
  expect({{"text", "hi"}, {"speed", "fast"}}, 400, "invalid_request", "speed");
  expect(vmsg::Json::array(), 400, "invalid_json");
  auto r = Post("/api/voice/synthesize", "application/json", "{\"text\": \"\xff\xfe\"}");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(Code(r), "invalid_json");  // invalid UTF-8 never gets past the JSON parser
}

TEST_F(VoiceHttpTest, CreateMakesACustomVoiceThatSpeaksAtTheRecordingsPitch) {
  const audio::Sound recording =
      speaker_
          ->Synthesize(kRecordingText, speech::DefaultMaleVoice(),
                       {.preset = speech::ProsodyPreset::kNeutral, .pitch_semitones = 4})
          ->speech.audio;
  const double recording_median = speech::EstimatePitch(recording)->median_hz;
  auto r = Create(
      Form({{"name", "My voice"}, {"language", "ja"}, {"gender", "male"}, {"description", "+4"}},
           {{"me.wav", "audio/wav", audio::EncodeWav(recording)}}));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const vmsg::Json profile = ParseJson(r.body()).value();
  const std::string id = profile["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("custom_[0-9a-f]{12}"))) << id;
  EXPECT_EQ(profile["type"], "custom");
  EXPECT_EQ(profile["reference_audio_path"], "voices/custom/" + id + ".wav");
  EXPECT_EQ(profile["embedding_path"], "voices/embeddings/" + id + ".npy");
  EXPECT_EQ(profile["metadata"]["sample_rate"], 24000);
  EXPECT_EQ(r[bhttp::field::location], "/api/voice-clone/profiles/" + id);
  EXPECT_TRUE(store_.Has("voices/custom/" + id + ".wav"));
  // The browser had no id: it gets one and owns the voice, recorded by its owner id.
  const std::string cookie(r[bhttp::field::set_cookie]);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cookie, m, std::regex("^vmsg_client=([0-9a-f]{32}); Path=/;")))
      << cookie;
  const std::string client = m[1];
  EXPECT_EQ(profile["metadata"]["uploaded_by"], OwnerIdOf(client));
  EXPECT_EQ(r.body().find(client), std::string::npos);

  auto spoken = Synthesize(
      {{"text", "今日はとても良い天気ですね。"}, {"voice_id", id}, {"prosody", "neutral"}});
  ASSERT_EQ(spoken.result_int(), 200) << spoken.body();
  const double truth =
      speech::EstimatePitch(
          speaker_
              ->Synthesize("今日はとても良い天気ですね。", speech::DefaultMaleVoice(),
                           {.preset = speech::ProsodyPreset::kNeutral, .pitch_semitones = 4})
              ->speech.audio)
          ->median_hz;
  const double got = speech::EstimatePitch(audio::DecodeWav(spoken.body()).value())->median_hz;
  std::printf(
      "recording %.1f Hz; the speaker on the test sentence %.1f Hz; the custom voice %.1f Hz\n",
      recording_median, truth, got);
  EXPECT_LT(std::abs(speech::SemitonesBetween(truth, got)), 1.0);

  // It is in the catalog like any profile; only the browser that made it deletes it.
  for (const std::string& other :
       {std::string("fedcba9876543210fedcba9876543210"), std::string()}) {
    auto refused = Delete("/api/voice-clone/profiles/" + id, other);
    EXPECT_EQ(refused.result_int(), 403) << refused.body();
    EXPECT_EQ(Code(refused), "not_owner");
  }
  EXPECT_EQ(voices_->Get(id)->ToJson(), profile);
  EXPECT_TRUE(store_.Has("voices/custom/" + id + ".wav"));
  EXPECT_TRUE(store_.Has("voices/embeddings/" + id + ".npy"));
  EXPECT_EQ(Delete("/api/voice-clone/profiles/" + id, client).result_int(), 200);
  EXPECT_FALSE(store_.Has("voices/custom/" + id + ".wav"));
  EXPECT_FALSE(store_.Has("voices/embeddings/" + id + ".npy"));
  EXPECT_TRUE(voices_->Get(id).status().IsNotFound());
}

TEST_F(VoiceHttpTest, CreateRefusesBadRecordingsWithTheirCodes) {
  const audio::Sound speech =
      speaker_->Synthesize(kRecordingText, speech::DefaultMaleVoice(), {})->speech.audio;
  const std::string wav = audio::EncodeWav(speech);
  const std::vector<std::pair<std::string, std::string>> fields = {{"name", "x"},
                                                                   {"language", "ja"}};
  auto code_of = [&](const std::vector<FilePart>& files, int status) {
    auto r = Create(Form(fields, files));
    EXPECT_EQ(r.result_int(), status) << r.body();
    return Code(r);
  };
  audio::Sound silence{.sample_rate = 24000, .samples = std::vector<float>(24000 * 10, 0.0f)};
  audio::Sound square{.sample_rate = 24000, .samples = {}};
  for (int i = 0; i < 24000 * 8; ++i) square.samples.push_back((i / 60) % 2 ? 1.0f : -1.0f);
  audio::Sound long_speech = speech;
  while (long_speech.duration_seconds() < 90) {
    long_speech.samples.insert(long_speech.samples.end(), speech.samples.begin(),
                               speech.samples.end());
  }
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", ""}}, 400), "audio_too_short");
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", audio::EncodeWav(silence)}}, 400), "audio_silent");
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", audio::EncodeWav(long_speech)}}, 400),
            "audio_too_long");
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", wav.substr(0, 30)}}, 400), "audio_corrupt");
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", test::EncodeJpeg(32, 32).value()}}, 400),
            "unsupported_audio");
  EXPECT_EQ(code_of({{"a.wav", "audio/wav", audio::EncodeWav(square)}}, 400), "audio_clipped");
  const FilePart one{"a.wav", "audio/wav", wav};
  EXPECT_EQ(code_of({one, one, one, one}, 400), "too_many_files");
  EXPECT_EQ(code_of({}, 400), "audio_too_short");
  auto r = Create(Form({{"language", "ja"}}, {one}));
  EXPECT_EQ(Code(r), "invalid_field");
  EXPECT_NE(Detail(r).find("name"), std::string::npos);
  r = Create(Form({{"name", "x"}, {"language", "de"}}, {one}));
  EXPECT_EQ(Code(r), "invalid_field");
  EXPECT_NE(Detail(r).find("language"), std::string::npos);

  // An 11 MiB file is refused while it streams, once it passes 10 MiB.
  Client c(server_->port());
  const std::string head =
      "--vb\r\nContent-Disposition: form-data; name=\"files\"; "
      "filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n";
  c.Send(
      "POST /api/voice-clone/profiles HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "multipart/form-data; boundary=vb\r\nContent-Length: " +
      std::to_string(11 << 20) + "\r\n\r\n" + head + std::string((10 << 20) + 1024, 'w'));
  auto big = c.Read();
  ASSERT_FALSE(c.error()) << c.error().message();
  EXPECT_EQ(big.result_int(), 413);
  EXPECT_EQ(Code(big), "file_too_large");
  EXPECT_EQ(voices_->List(catalog::VoiceProfile::Type::kCustom)->size(), 0u);
}

TEST_F(VoiceHttpTest, OpenApiDescribesTheRoutes) {
  Client c(server_->port());
  c.Send(testing::Get("/api/openapi.json"));
  const vmsg::Json doc = ParseJson(c.Read().body()).value();
  EXPECT_TRUE(doc["paths"]["/api/voice/synthesize"].contains("post"));
  EXPECT_TRUE(doc["paths"]["/api/voice-clone/profiles"].contains("post"));
  EXPECT_TRUE(doc["paths"]["/api/voice-clone/profiles"].contains("get"));
  EXPECT_NE(doc["paths"]["/api/voice-clone/profiles"]["post"].dump().find("audio_clipped"),
            std::string::npos);
}

}  // namespace
}  // namespace vmsg::http
