// The whole generation flow in one process, as `vmsg serve` runs it: the real service
// context (SQLite state, local object store, catalogs, system voices, models), its HTTP
// server on loopback and one worker. A real photo from Debian's dlib examples goes in; an
// MP4 comes out through a signed URL. Also: every refusal of POST /api/video/generate,
// cancelling during step 8, and a redelivered task resuming at step 7.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "app/service_context.h"
#include "audio/codec.h"
#include "audio/loudness.h"
#include "audio/pcm.h"
#include "base/json.h"
#include "config/config.h"
#include "image/composition.h"
#include "image/image_io.h"
#include "image/output_format.h"
#include "pipeline/stages/image_objects.h"
#include "pipeline/stages/render_stage.h"
#include "running_service.h"
#include "speech/speech_json.h"
#include "test_client.h"
#include "testing/test_mp4.h"
#include "video/mp4_probe.h"
#include "video/mp4_writer.h"
#include "ws_client.h"

namespace vmsg {
namespace {

namespace bhttp = boost::beast::http;
using testing::Client;
using ::testing::HasSubstr;
using testing::WsClient;

const std::filesystem::path kFaces = "/usr/share/doc/libdlib19.1/examples/faces";
// One woman, facing the camera.
constexpr char kPortrait[] = "2008_001009.jpg";
constexpr char kMessage[] = "お誕生日おめでとう。素敵な一年になりますように。";
constexpr auto kGenerationTimeout = std::chrono::seconds(120);

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

struct Part {
  std::string name;
  std::string value;
  std::string filename;  // non-empty: a file
};

std::string Form(const std::vector<Part>& parts) {
  std::string body;
  for (const Part& p : parts) {
    body += "--gb\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) {
      body += "; filename=\"" + p.filename + "\"\r\nContent-Type: image/jpeg";
    }
    body += "\r\n\r\n" + p.value + "\r\n";
  }
  return body + "--gb--\r\n";
}

class GenerateTest : public testing::SharedServiceTest<GenerateTest> {
 public:
  static constexpr const char* kServiceName = "vmsg_generate_test";
  static std::vector<std::string> ServiceFlags() {
    return {"--rate-limit-generate=1000", "--rate-limit-uploads=1000"};
  }

 protected:
  static bhttp::response<bhttp::string_body> Send(const std::string& method,
                                                  const std::string& target,
                                                  const std::string& body = "",
                                                  const std::string& content_type = "") {
    Client c(port());
    EXPECT_TRUE(c.connected());
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
    if (!body.empty() || method == "POST") {
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    c.Send(head + "\r\n" + body);
    return c.Read();
  }

  static bhttp::response<bhttp::string_body> PostForm(const std::vector<Part>& parts) {
    return Send("POST", "/api/video/generate", Form(parts), "multipart/form-data; boundary=gb");
  }

  static bhttp::response<bhttp::string_body> PostJson(const Json& body) {
    return Send("POST", "/api/video/generate", DumpJson(body), "application/json");
  }

  static Json Body(const bhttp::response<bhttp::string_body>& r) {
    Result<Json> j = ParseJson(r.body());
    return j.ok() ? *j : Json(nullptr);
  }

  // Polls the result until it is no longer pending.
  static bhttp::response<bhttp::string_body> WaitForResult(const std::string& task_id) {
    const auto give_up = std::chrono::steady_clock::now() + kGenerationTimeout;
    while (true) {
      auto r = Send("GET", "/api/video/result/" + task_id);
      if (r.result_int() != 202 || std::chrono::steady_clock::now() > give_up) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static std::vector<Part> PortraitForm(std::vector<Part> fields) {
    fields.push_back({"image", ReadFile(kFaces / kPortrait), kPortrait});
    return fields;
  }
};

TEST_F(GenerateTest, PhotoToVideoOverHttpFollowedOverWebSocket) {
  auto accepted = PostForm(PortraitForm({{"text", kMessage},
                                         {"voice_id", "default_female"},
                                         {"background_id", "bg-pastel-confetti"},
                                         {"bgm_id", "celebration_gentle"},
                                         {"prosody", "celebration"},
                                         {"framing", "bust"}}));
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const Json task = Body(accepted);
  const std::string task_id = task["task_id"];
  EXPECT_EQ(task["status_url"], "/api/video/status/" + task_id);
  EXPECT_EQ(task["result_url"], "/api/video/result/" + task_id);
  ASSERT_EQ(task["websocket_url"], "/api/ws/progress/" + task_id);

  // Follow the WebSocket until it closes after the final record.
  WsClient ws;
  ASSERT_TRUE(ws.Connect(port(), task["websocket_url"].get<std::string>()));
  std::vector<int> percentages;
  std::vector<std::string> steps;
  const auto give_up = std::chrono::steady_clock::now() + kGenerationTimeout;
  while (std::chrono::steady_clock::now() < give_up) {
    std::optional<std::string> message = ws.Read();
    if (!message) {
      if (!percentages.empty() && percentages.back() == 100) break;
      continue;  // a 10 s wait with no update: keep reading until the deadline
    }
    Result<Json> record = ParseJson(*message);
    ASSERT_TRUE(record.ok()) << *message;
    percentages.push_back((*record)["percentage"].get<int>());
    steps.push_back((*record)["current_step"].get<std::string>());
    ASSERT_NE(percentages.back(), -1) << *message;
    if (percentages.back() == 100) break;
  }
  ASSERT_FALSE(percentages.empty());
  EXPECT_EQ(percentages.back(), 100);
  EXPECT_TRUE(std::is_sorted(percentages.begin(), percentages.end()));
  // The eight steps, in order, each seen once the stream caught up (a fast step may be
  // overtaken by the next before the socket reads it, so only the order is required).
  const std::vector<std::string> order = {
      "upload",          "person_detection",   "background_removal", "image_optimization",
      "voice_synthesis", "prosody_adjustment", "audio_mixing",       "video_generation"};
  size_t next = 0;
  for (const std::string& step : steps) {
    auto it = std::find(order.begin() + static_cast<long>(next), order.end(), step);
    if (it != order.end()) next = static_cast<size_t>(it - order.begin()) + 1;
  }
  EXPECT_GE(next, order.size() - 1) << "the last step seen was " << steps.back();

  auto result = Send("GET", "/api/video/result/" + task_id);
  ASSERT_EQ(result.result_int(), 200) << result.body();
  const Json done = Body(result);
  EXPECT_EQ(done["status"], "SUCCESS");
  EXPECT_TRUE(done["face_animated"].get<bool>());
  EXPECT_GT(done["duration_seconds"].get<double>(), 4.0);
  EXPECT_GT(done["processing_time_seconds"].get<double>(), 0.0);
  // How the photo was framed, in video.json.
  Result<std::string> info = services().objects().GetBytes("videos/" + task_id + "/video.json");
  ASSERT_TRUE(info.ok()) << info.status();
  const Json framing = *ParseJson(*info);
  EXPECT_EQ(framing["framing"], "bust");
  EXPECT_GT(framing["upscale"].get<double>(), 0.0);
  EXPECT_LE(framing["upscale"].get<double>(), 3.0);
  EXPECT_TRUE(framing["upscale_capped"].is_boolean());

  // The signed URLs download; a tampered signature does not.
  const std::string video_url = done["video_url"];
  auto video = Send("GET", video_url);
  ASSERT_EQ(video.result_int(), 200);
  Result<video::Mp4Info> probe = video::ProbeMp4(video.body());
  ASSERT_TRUE(probe.ok()) << probe.status();
  test::ExpectPhoneMp4(*probe);
  // The video lasts the speech plus 1 s of lead and 1.5 s of tail.
  Result<std::string> speech_wav =
      services().objects().GetBytes("voices/generated/" + task_id + "/prosody_adjusted.wav");
  ASSERT_TRUE(speech_wav.ok());
  Result<audio::Sound> speech = audio::DecodeAudio(*speech_wav, 48000, 1);
  ASSERT_TRUE(speech.ok());
  EXPECT_NEAR(probe->duration_seconds, speech->duration_seconds() + 2.5, 0.1);
  EXPECT_NEAR(done["duration_seconds"].get<double>(), probe->duration_seconds, 0.1);
  // The soundtrack as delivered (AAC, decoded): broadcast loudness with headroom.
  Result<audio::Sound> sound = audio::DecodeAudio(video.body(), 48000, 2);
  ASSERT_TRUE(sound.ok()) << sound.status();
  Result<audio::Loudness> loudness = audio::MeasureLoudness(*sound);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14, 1);
  EXPECT_LE(loudness->true_peak_dbtp, -1 + 0.3);  // AAC's own overshoot allowed, a little
  // The lips follow the speech: in the mouth's box (from the stored landmarks) the picture
  // changes at least twice as much from frame to frame while a phoneme is spoken as while
  // nothing is, and it rests in the first and the last second.
  Result<std::vector<cv::Mat>> frames = video::DecodeMp4Frames(video.body(), 100000);
  ASSERT_TRUE(frames.ok()) << frames.status();
  Result<std::string> face =
      services().objects().GetBytes("images/uploads/" + task_id + "/framed_face.json");
  ASSERT_TRUE(face.ok());
  const Json landmarks = ParseJson(*face).value()["landmarks"];
  ASSERT_EQ(landmarks.size(), 68u);
  std::vector<cv::Point> mouth_points;
  for (size_t i = 48; i < 68; ++i) {
    mouth_points.emplace_back(landmarks[i][0].get<int>(), landmarks[i][1].get<int>());
  }
  const cv::Rect box = cv::boundingRect(mouth_points);
  const cv::Rect mouth(box.x - box.width / 4, box.y - box.height / 4, box.width * 3 / 2,
                       box.height * 2);
  Result<std::string> timings = services().objects().GetBytes("voices/generated/" + task_id +
                                                              "/prosody_adjusted_timings.json");
  ASSERT_TRUE(timings.ok());
  Result<audio::Sound> spoken_audio = audio::DecodeWav(*speech_wav);
  ASSERT_TRUE(spoken_audio.ok());
  Result<speech::Speech> spoken =
      speech::SpeechFromJson(ParseJson(*timings).value(), std::move(*spoken_audio));
  ASSERT_TRUE(spoken.ok()) << spoken.status();
  constexpr double kLead = 1.0;  // where the speech starts in the video
  auto speaking = [&](double t) {
    for (const speech::Phoneme& p : spoken->phonemes) {
      if (p.symbol != speech::kPauseSymbol && p.symbol != "sil" && t >= kLead + p.start &&
          t < kLead + p.end) {
        return true;
      }
    }
    return false;
  };
  double speech_change = 0, pause_change = 0, edge_change = 0;
  int speech_frames = 0, pause_frames = 0, edge_frames = 0;
  const int count = static_cast<int>(frames->size());
  for (int i = 1; i < count; ++i) {
    cv::Mat a, b, diff;
    cv::cvtColor((*frames)[i - 1](mouth), a, cv::COLOR_BGR2GRAY);
    cv::cvtColor((*frames)[i](mouth), b, cv::COLOR_BGR2GRAY);
    cv::absdiff(a, b, diff);
    const double change = cv::mean(diff)[0];
    const double t = i / 25.0;
    if (speaking(t)) {
      speech_change += change;
      ++speech_frames;
    } else {
      pause_change += change;
      ++pause_frames;
    }
    if (i < 25 || i >= count - 25) {
      edge_change += change;
      ++edge_frames;
    }
  }
  ASSERT_GT(speech_frames, 25);
  ASSERT_GT(pause_frames, 25);
  speech_change /= speech_frames;
  pause_change /= pause_frames;
  EXPECT_GE(speech_change, 2 * pause_change)
      << "speech " << speech_change << ", pauses " << pause_change;
  EXPECT_LT(edge_change / edge_frames, speech_change / 2);

  auto thumbnail = Send("GET", done["thumbnail_url"].get<std::string>());
  ASSERT_EQ(thumbnail.result_int(), 200);
  const std::vector<uchar> jpeg(thumbnail.body().begin(), thumbnail.body().end());
  const cv::Mat picture = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  EXPECT_EQ(picture.cols, 512);
  EXPECT_EQ(picture.rows, 910);
  std::string tampered = video_url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(Send("GET", tampered).result_int(), 403);

  // The run shows in /metrics: a success and the time of each step that ran.
  auto scraped = Send("GET", "/metrics");
  ASSERT_EQ(scraped.result_int(), 200);
  std::smatch m;
  const std::string text = scraped.body();
  ASSERT_TRUE(
      std::regex_search(text, m, std::regex(R"(\nvmsg_tasks_total\{state="success"\} (\d+))")));
  EXPECT_GE(std::stoi(m[1]), 1);
  for (const std::string& step : order) {
    EXPECT_THAT(text, HasSubstr("vmsg_stage_duration_seconds_count{stage=\"" + step + "\"} "))
        << step;
  }
}

// Every format, asked for over HTTP (a JSON body for one, forms for the others): the MP4 at
// its size (H.264 at the size's level, 25 fps, AAC), the thumbnail and the stored still at
// its size, the result and video.json saying which, and the face framed by the composition
// rules in that shape (a landscape's on a third line).
TEST_F(GenerateTest, EachFormatComesOutAtItsSizeFramedByTheSameRules) {
  std::vector<std::pair<image::OutputFormat, std::string>> tasks;
  for (size_t i = 0; i < image::kOutputFormats.size(); ++i) {
    const auto format = image::OutputFormat(i);
    auto accepted = PostForm(PortraitForm(
        {{"text", "ありがとう。"}, {"format", std::string(image::FormatName(format))}}));
    ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
    tasks.emplace_back(format, Body(accepted)["task_id"].get<std::string>());
  }
  for (const auto& [format, task_id] : tasks) {
    const image::FormatSpec& spec = image::SpecOf(format);
    SCOPED_TRACE(std::string(spec.name));
    auto result = WaitForResult(task_id);
    ASSERT_EQ(result.result_int(), 200) << result.body();
    const Json done = Body(result);
    EXPECT_EQ(done["format"], spec.name);
    EXPECT_EQ(done["width"], spec.width);
    EXPECT_EQ(done["height"], spec.height);
    auto video = Send("GET", done["video_url"].get<std::string>());
    ASSERT_EQ(video.result_int(), 200);
    Result<video::Mp4Info> probe = video::ProbeMp4(video.body());
    ASSERT_TRUE(probe.ok()) << probe.status();
    test::ExpectPhoneMp4(*probe, spec.width, spec.height);
    EXPECT_EQ(probe->audio_codec, "aac");
    EXPECT_LE(probe->video_bit_rate, video::VideoBitRateCapFor(spec.width, spec.height, 25));
    auto thumbnail = Send("GET", done["thumbnail_url"].get<std::string>());
    ASSERT_EQ(thumbnail.result_int(), 200);
    const cv::Mat picture = cv::imdecode(
        std::vector<uchar>(thumbnail.body().begin(), thumbnail.body().end()), cv::IMREAD_COLOR);
    EXPECT_EQ(picture.size(), cv::Size(spec.width, spec.height));
    const std::string folder = "images/uploads/" + task_id + "/";
    Result<std::string> still =
        services().objects().GetBytes(folder + "optimized_" + image::SizeName(format) + ".png");
    ASSERT_TRUE(still.ok()) << still.status();
    EXPECT_EQ(
        cv::imdecode(std::vector<uchar>(still->begin(), still->end()), cv::IMREAD_COLOR).size(),
        cv::Size(spec.width, spec.height));
    Result<std::string> info = services().objects().GetBytes("videos/" + task_id + "/video.json");
    ASSERT_TRUE(info.ok());
    const Json video_json = *ParseJson(*info);
    EXPECT_EQ(video_json["format"], spec.name);
    EXPECT_EQ(video_json["width"], spec.width);
    EXPECT_EQ(video_json["height"], spec.height);
    // The composition's figures (2008_001009: a half-length portrait, not cut at its sides).
    Result<std::string> face = services().objects().GetBytes(folder + "framed_face.json");
    ASSERT_TRUE(face.ok());
    const Json composition = (*ParseJson(*face))["composition"];
    EXPECT_EQ(composition["format"], spec.name);
    EXPECT_FALSE(composition["upscale_capped"].get<bool>());
    EXPECT_GE(composition["face_share"].get<double>(), image::kMinFaceShare);
    EXPECT_LE(composition["face_share"].get<double>(), image::kMaxFaceShare);
    EXPECT_GE(composition["eye_line"].get<double>(), image::kMinEyeLine);
    EXPECT_LE(composition["eye_line"].get<double>(), image::kMaxEyeLine);
    EXPECT_LE(std::abs(composition["centre_offset"].get<double>()), image::kCentreTolerance);
    const double anchor = composition["anchor_x"].get<double>();
    if (format == image::OutputFormat::kLandscape) {
      EXPECT_TRUE(std::abs(anchor - 1.0 / 3) < 1e-9 || std::abs(anchor - 2.0 / 3) < 1e-9) << anchor;
    } else {
      EXPECT_DOUBLE_EQ(anchor, 0.5);
    }
  }
}

TEST_F(GenerateTest, RequestsAreCheckedBeforeAnythingIsQueuedOrKept) {
  const std::set<std::string> before = UploadFolders();
  struct Case {
    std::vector<Part> fields;
    std::string code;
    std::string mentions;
  };
  std::vector<Case> cases = {
      {{{"text", kMessage}, {"voice_id", "nobody"}}, "unknown_voice", "default_male"},
      {{{"text", kMessage}, {"bgm_id", "no_such_track"}}, "unknown_bgm", "none"},
      {{{"text", kMessage}, {"background_id", "bg-nope"}}, "unknown_background", "blurred"},
      {{{"text", std::string(2000, 'a')}}, "text_too_long", "200"},
      {{{"text", "   "}}, "text_empty", ""},
      {{{"text", kMessage}, {"speed", "9"}}, "invalid_prosody", "speed"},
      {{{"text", kMessage}, {"voice_id", "english_female"}, {"language", "ja"}},
       "language_mismatch",
       "english_female"},
      {{{"text", kMessage}, {"colour", "red"}}, "unknown_field", "colour"},
      {{{"text", kMessage}, {"framing", "portrait"}}, "invalid_framing", "auto, bust, half, full"},
      {{{"text", kMessage}, {"format", "4k"}},
       "invalid_format",
       "portrait, portrait_hd, square, landscape"},
      {{{"text", kMessage}, {"format", "Portrait"}}, "invalid_format", "not 'Portrait'"},
      {{{"text", kMessage},
        {"background_id", "upload"},
        {"background_key", "bgm/system/celebration_gentle.mp3"}},
       "invalid_object_key",
       "images/uploads/"},
  };
  // Text the chosen voice cannot read: once queued, and failed in the worker.
  cases.push_back({{{"text", "생일 축하해요"}, {"voice_id", "english_female"}, {"language", "en"}},
                   "text_empty",
                   "spoken in en"});
  for (const Case& c : cases) {
    auto r = PostForm(PortraitForm(c.fields));
    EXPECT_EQ(r.result_int(), 400) << c.code << ": " << r.body();
    const Json problem = Body(r);
    EXPECT_EQ(problem["code"], c.code) << r.body();
    EXPECT_THAT(problem.value("detail", ""), HasSubstr(c.mentions)) << c.code;
  }
  // Not a photo, and no photo at all.
  auto text_file = PostForm({{"text", kMessage}, {"image", "just some text", "note.jpg"}});
  EXPECT_EQ(text_file.result_int(), 400);
  EXPECT_EQ(Body(text_file)["code"], "unsupported_image_type") << text_file.body();
  auto no_photo = PostForm({{"text", kMessage}});
  EXPECT_EQ(Body(no_photo)["code"], "missing_image");
  auto empty_photo = PostForm({{"text", kMessage}, {"image", "", "empty.jpg"}});
  EXPECT_EQ(empty_photo.result_int(), 400);
  EXPECT_EQ(Body(empty_photo)["code"], "missing_image") << empty_photo.body();
  // A photo over the limit is refused with 413, as detect and every other body over a limit.
  auto big_photo = PostForm(
      {{"text", kMessage}, {"image", std::string(image::kMaxUploadBytes + 1, 'x'), "big.jpg"}});
  EXPECT_EQ(big_photo.result_int(), 413) << big_photo.body();
  EXPECT_EQ(Body(big_photo)["code"], "image_too_large") << big_photo.body();
  // A photo or background cut short: once queued, and failed in the worker.
  const std::string portrait = ReadFile(kFaces / kPortrait);
  const std::string truncated = portrait.substr(0, portrait.size() / 2);
  auto cut_photo = PostForm({{"text", kMessage}, {"image", truncated, "cut.jpg"}});
  EXPECT_EQ(cut_photo.result_int(), 400) << cut_photo.body();
  EXPECT_EQ(Body(cut_photo)["code"], "image_corrupt") << cut_photo.body();
  auto cut_background =
      PostForm(PortraitForm({{"text", kMessage}, {"background", truncated, "wall.jpg"}}));
  EXPECT_EQ(Body(cut_background)["code"], "image_corrupt") << cut_background.body();
  EXPECT_THAT(Body(cut_background).value("detail", ""), HasSubstr("background"));
  // JSON naming photos that are not there.
  auto unknown_image =
      PostJson({{"image_id", "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c"}, {"text", kMessage}});
  EXPECT_EQ(unknown_image.result_int(), 400);
  EXPECT_EQ(Body(unknown_image)["code"], "image_not_found") << unknown_image.body();
  auto foreign_key = PostJson({{"object_key", "voices/system/default_male.wav"}, {"text", "x"}});
  EXPECT_EQ(Body(foreign_key)["code"], "invalid_object_key");
  auto both = PostJson({{"image_id", "0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c"},
                        {"object_key", "images/uploads/a/original.jpg"},
                        {"text", kMessage}});
  EXPECT_EQ(Body(both)["code"], "missing_image");
  auto plain = Send("POST", "/api/video/generate", "text=hi", "text/plain");
  EXPECT_EQ(plain.result_int(), 415);
  // None of these left a photo behind.
  EXPECT_EQ(UploadFolders(), before);
  // A presigned upload cut short, named by its key: refused, and the upload itself kept.
  const std::string key = "images/uploads/5d1c9a3e-2f4b-4c6d-8e7f-9a0b1c2d3e4f/original.jpg";
  ASSERT_TRUE(services().objects().Put(key, truncated, {.content_type = "image/jpeg"}).ok());
  auto cut_key = PostJson({{"object_key", key}, {"text", kMessage}});
  EXPECT_EQ(cut_key.result_int(), 400) << cut_key.body();
  EXPECT_EQ(Body(cut_key)["code"], "image_corrupt") << cut_key.body();
  EXPECT_TRUE(services().objects().Exists(key).value_or(false));
  ASSERT_TRUE(services().objects().Delete(key).ok());

  // Results: not a task id, an unknown one.
  EXPECT_EQ(Send("GET", "/api/video/result/abc").result_int(), 400);
  auto unknown = Send("GET", "/api/video/result/0b7a3c5e-1f2d-4e6a-9b8c-7d6e5f4a3b2c");
  EXPECT_EQ(unknown.result_int(), 404);
  EXPECT_EQ(Body(unknown)["code"], "task_not_found");
}

TEST_F(GenerateTest, AFailedTaskReportsItsCodeNotATrace) {
  // dogs.jpg has no person in it: the task is accepted (detection runs in the worker) and
  // fails with the step's code.
  auto accepted =
      PostForm({{"text", kMessage}, {"image", ReadFile(kFaces / "dogs.jpg"), "dogs.jpg"}});
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  auto result = WaitForResult(Body(accepted)["task_id"]);
  EXPECT_EQ(result.result_int(), 422) << result.body();
  const Json problem = Body(result);
  EXPECT_EQ(problem["code"], "no_person_detected");
  EXPECT_EQ(problem["status"], 422);
  EXPECT_EQ(problem["task_status"], "FAILURE");
  EXPECT_THAT(result.body(), ::testing::Not(HasSubstr(".cc")));
}

TEST_F(GenerateTest, CancellingDuringStepEightEndsRevokedWithNoVideo) {
  // A longer message, so that step 8 runs long enough to be cancelled in the middle.
  std::string text;
  for (int i = 0; i < 4; ++i) text += "今日は本当におめでとうございます。";
  auto accepted = PostForm(PortraitForm({{"text", text}}));
  ASSERT_EQ(accepted.result_int(), 202) << accepted.body();
  const std::string task_id = Body(accepted)["task_id"];
  const auto give_up = std::chrono::steady_clock::now() + kGenerationTimeout;
  std::string step;
  while (step != "video_generation" && std::chrono::steady_clock::now() < give_up) {
    const Json status = Body(Send("GET", "/api/video/status/" + task_id));
    if (status["progress"].is_object()) step = status["progress"]["current_step"];
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(step, "video_generation");
  auto cancel = Send("DELETE", "/api/video/tasks/" + task_id);
  ASSERT_EQ(cancel.result_int(), 202) << cancel.body();
  auto result = WaitForResult(task_id);
  EXPECT_EQ(result.result_int(), 409) << result.body();
  EXPECT_EQ(Body(result)["code"], "task_revoked");
  EXPECT_EQ(Body(result)["status"], 409);
  EXPECT_EQ(Body(result)["task_status"], "REVOKED");
  const Json status = Body(Send("GET", "/api/video/status/" + task_id));
  EXPECT_EQ(status["status"], "REVOKED");
  EXPECT_FALSE(
      std::filesystem::exists(data_dir() / "objects" / "videos" / task_id / "final_video.mp4"));
}

// Cancels the run when a chosen step is reported, as a worker that stops there would.
class StopAtStep final : public pipeline::ProgressSink {
 public:
  StopAtStep(std::string step, CancellationToken& token) : step_(std::move(step)), token_(token) {}
  Status Report(const pipeline::StepInfo& step) override {
    if (step.name == step_) token_.Cancel(Status::Cancelled("worker stopped", "worker_shutdown"));
    return Status::Ok();
  }

 private:
  std::string step_;
  CancellationToken& token_;
};

TEST_F(GenerateTest, ARedeliveredTaskResumesAtStepSeven) {
  const generate::GenerateService& generator = services().generator();
  const std::string task_id = "5d1c1e8a-3f0b-4c55-8f3e-2a9b7c6d5e4f";
  Result<std::string> key = generate::StoreUploadedImage(services().objects(), task_id, "source",
                                                         ReadFile(kFaces / kPortrait));
  ASSERT_TRUE(key.ok()) << key.status();
  generate::GenerateArgs args;
  args.image_key = *key;
  args.text = kMessage;

  // First delivery: the worker stops as step 7 starts (steps 1-6 are stored).
  CancellationToken first_token;
  StopAtStep stop("audio_mixing", first_token);
  Result<generate::GenerateResult> first = generator.Run(task_id, args, stop, first_token);
  ASSERT_FALSE(first.ok());
  EXPECT_TRUE(first.status().IsCancelled()) << first.status();
  EXPECT_FALSE(std::filesystem::exists(data_dir() / "objects" / "voices" / "generated" / task_id /
                                       "final_mixed.mp3"));
  const auto adjusted =
      data_dir() / "objects" / "voices" / "generated" / task_id / "prosody_adjusted.wav";
  ASSERT_TRUE(std::filesystem::exists(adjusted));
  const auto adjusted_written = std::filesystem::last_write_time(adjusted);

  // Redelivery: steps 1-6 are reused, 7 and 8 run.
  CancellationToken second_token;
  StopAtStep never("none", second_token);
  Result<generate::GenerateResult> second = generator.Run(task_id, args, never, second_token);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(
      second->reused_steps,
      (std::vector<std::string>{"upload", "person_detection", "background_removal",
                                "image_optimization", "voice_synthesis", "prosody_adjustment"}));
  EXPECT_EQ(std::filesystem::last_write_time(adjusted), adjusted_written);
  EXPECT_TRUE(std::filesystem::exists(data_dir() / "objects" / "voices" / "generated" / task_id /
                                      "final_mixed.mp3"));
  EXPECT_TRUE(
      std::filesystem::exists(data_dir() / "objects" / "videos" / task_id / "final_video.mp4"));
}

}  // namespace
}  // namespace vmsg
