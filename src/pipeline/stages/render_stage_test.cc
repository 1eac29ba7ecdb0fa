// Step 8 from stored inputs over the in-memory store: a real Open JTalk speech and its mix
// (as steps 6 and 7 store them) and a framed picture, rendered to an MP4 that probes as the
// spec asks and lasts as long as the mix, with its thumbnail and video.json; a cancel
// mid-encode that stores nothing.
#include "pipeline/stages/render_stage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "audio/codec.h"
#include "audio/mix.h"
#include "base/crypto.h"
#include "base/json.h"
#include "disclosure/c2pa.h"
#include "disclosure/xmp.h"
#include "image/image_io.h"
#include "speech/speaker.h"
#include "speech/speech_json.h"
#include "speech/system_voices.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"
#include "testing/synthetic_images.h"
#include "testing/test_mp4.h"
#include "video/ai_label.h"
#include "video/mp4_probe.h"
#include "video/still_frame_source.h"
#include "video/subtitles.h"

namespace vmsg::pipeline {
namespace {

constexpr char kMessage[] = "お誕生日おめでとう。素敵な一年になりますように！";

// The still source, cancelling `token` when frame `at` is read: a user's cancel arriving
// mid-encode.
class CancelAtFrame final : public video::FrameSource {
 public:
  CancelAtFrame(std::unique_ptr<video::FrameSource> inner, int at, CancellationToken& token)
      : inner_(std::move(inner)), at_(at), token_(token) {}
  int frame_count() const override { return inner_->frame_count(); }
  Result<cv::Mat> Frame(int index) const override {
    if (index == at_) token_.Cancel(Status::Cancelled("cancelled by the user"));
    return inner_->Frame(index);
  }

 private:
  std::unique_ptr<video::FrameSource> inner_;
  const int at_;
  CancellationToken& token_;
};

class RenderStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto jtalk = speech::NewOpenJTalkSynthesizer();
    ASSERT_TRUE(jtalk.ok()) << jtalk.status();
    jtalk_ = std::move(jtalk).value().release();
    speaker_ = new speech::Speaker(jtalk_, nullptr);
    auto spoken = speaker_->Synthesize(kMessage, speech::DefaultFemaleVoice(), {});
    ASSERT_TRUE(spoken.ok()) << spoken.status();
    speech_ = new speech::Speech(std::move(spoken->speech));
  }
  static void TearDownTestSuite() {
    delete speech_;
    delete speaker_;
    delete jtalk_;
  }

  // Stores what steps 4, 6 and 7 leave for `task`; returns the mixed sound's duration.
  double StoreInputs(const std::string& task) {
    framed_ = test::MakeSyntheticPortrait(cv::Size(512, 910), 7).image;
    EXPECT_TRUE(store_
                    ->Put("images/uploads/" + task + "/optimized_512x910.png",
                          *image::EncodePng(framed_), {"image/png"})
                    .ok());
    const std::string dir = "voices/generated/" + task + "/";
    EXPECT_TRUE(
        store_->Put(dir + "prosody_adjusted.wav", audio::EncodeWav(speech_->audio), {"audio/wav"})
            .ok());
    EXPECT_TRUE(store_
                    ->Put(dir + "prosody_adjusted_timings.json",
                          speech::SpeechTimingsToJson(*speech_).dump(), {"application/json"})
                    .ok());
    auto mixed = audio::Mix(*speech_, nullptr, {});
    EXPECT_TRUE(mixed.ok()) << mixed.status();
    auto mp3 = audio::EncodeMp3(mixed->mix);
    EXPECT_TRUE(mp3.ok());
    EXPECT_TRUE(store_->Put(dir + "final_mixed.mp3", *mp3, {"audio/mpeg"}).ok());
    auto decoded = audio::DecodeAudio(*mp3, 48000, 2);
    EXPECT_TRUE(decoded.ok());
    return decoded->duration_seconds();
  }

  WorkItem Item(const std::string& task) {
    WorkItem item{.task_id = task};
    item.request.text = kMessage;
    return item;
  }

  Status Run(const RenderStage& stage, WorkItem& item) {
    StageContext ctx{*store_, progress_, cancel_, clock_, logger_};
    return stage.Run(ctx, item);
  }

  static speech::SpeechSynthesizer* jtalk_;
  static speech::Speaker* speaker_;
  static speech::Speech* speech_;
  cv::Mat framed_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<objects::ObjectStore> store_ = test::NewMemoryObjectStore(clock_);
  test::RecordingProgressSink progress_;
  CancellationToken cancel_;
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
};
speech::SpeechSynthesizer* RenderStageTest::jtalk_ = nullptr;
speech::Speaker* RenderStageTest::speaker_ = nullptr;
speech::Speech* RenderStageTest::speech_ = nullptr;

TEST_F(RenderStageTest, RendersTheStoredInputsIntoTheSpecsVideo) {
  const double mixed_seconds = StoreInputs("task-20");
  auto stage = RenderStage::Make({}, StillFrameSourceFactory());
  ASSERT_TRUE(stage.ok()) << stage.status();
  EXPECT_EQ((*stage)->Step().percentage, 90);
  EXPECT_EQ((*stage)->Step().message_ja, "動画を生成中...");
  WorkItem item = Item("task-20");  // nothing in memory: everything is read from the store
  ASSERT_TRUE(Run(**stage, item).ok());

  auto mp4 = store_->GetBytes("videos/task-20/final_video.mp4");
  ASSERT_TRUE(mp4.ok());
  auto info = video::ProbeMp4(*mp4);
  ASSERT_TRUE(info.ok()) << info.status();
  test::ExpectPhoneMp4(*info);
  EXPECT_EQ(info->channels, 2);
  EXPECT_NEAR(info->duration_seconds, mixed_seconds, 0.05);
  EXPECT_EQ(info->video_frames, video::FrameCountFor(mixed_seconds, 25));

  auto json = ParseJson(*store_->GetBytes("videos/task-20/video.json"));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["frames"], info->video_frames);
  EXPECT_NEAR((*json)["duration_seconds"].get<double>(), mixed_seconds, 0.05);
  EXPECT_EQ((*json)["face_animated"], false);

  // The thumbnail: a 512x910 JPEG of the first frame, the framed picture without subtitles.
  auto jpeg = store_->GetBytes("videos/task-20/thumbnail.jpg");
  ASSERT_TRUE(jpeg.ok());
  ASSERT_GE(jpeg->size(), 3u);
  EXPECT_EQ(jpeg->substr(0, 3), "\xFF\xD8\xFF");
  cv::Mat thumbnail = cv::imdecode(
      cv::Mat(1, static_cast<int>(jpeg->size()), CV_8U, const_cast<char*>(jpeg->data())),
      cv::IMREAD_COLOR);
  ASSERT_EQ(thumbnail.size(), cv::Size(512, 910));
  EXPECT_GT(cv::PSNR(thumbnail, framed_), 30.0);

  // Mid-speech the band carries the subtitles; the first frame (music only) does not.
  const int mid = video::FrameCountFor(1.0 + speech_->duration_seconds() / 2, 25);
  auto frames = video::DecodeMp4Frames(*mp4, mid + 1);
  ASSERT_TRUE(frames.ok());
  const cv::Rect band(0, 700, 512, 180);
  EXPECT_GT(cv::PSNR(frames->front()(band), framed_(band)), 30.0);
  cv::Mat lit;
  cv::inRange(frames->back()(band), cv::Scalar(0, 150, 200), cv::Scalar(90, 255, 255), lit);
  EXPECT_GT(cv::countNonZero(lit), 300);  // highlighted (amber) text
}

TEST_F(RenderStageTest, ACancelMidEncodeStoresNothing) {
  StoreInputs("task-21");
  auto stage = RenderStage::Make(
      {},
      [this](const video::FrameSourceInput& input) -> Result<std::unique_ptr<video::FrameSource>> {
        VMSG_ASSIGN_OR_RETURN(std::unique_ptr<video::FrameSource> still,
                              video::NewStillFrameSource(input));
        return std::unique_ptr<video::FrameSource>(
            std::make_unique<CancelAtFrame>(std::move(still), 20, cancel_));
      });
  ASSERT_TRUE(stage.ok());
  WorkItem item = Item("task-21");
  EXPECT_TRUE(Run(**stage, item).IsCancelled());
  Result<objects::ListPage> page = store_->List("videos/", "", 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
}

// The written message over the engines' own timings: Open JTalk's morphemes (with the
// punctuation they leave out) and flite's lower-case words (with a number read out).
TEST_F(RenderStageTest, SubtitlesShowTheMessageAsWrittenOverRealTimings) {
  auto shown = [](const video::Subtitles& subs, const char* joiner) {
    std::string text;
    for (const video::SubtitlePage& p : subs.pages()) {
      for (const std::string& l : p.lines) text += (text.empty() ? "" : joiner) + l;
    }
    return text;
  };
  auto ja = video::Subtitles::Make(*speech_, kMessage, 1.0);
  ASSERT_TRUE(ja.ok()) << ja.status();
  EXPECT_EQ(shown(**ja, ""), kMessage);
  EXPECT_NEAR((*ja)->pages().front().start, 1.0 + speech_->words.front().start, 1e-9);

  auto flite = speech::NewFliteSynthesizer();
  speech::Speaker english(nullptr, flite.get());
  constexpr char kEnglish[] = "Happy birthday, Anna! Here are 3 wishes for a wonderful year.";
  auto spoken = english.Synthesize(kEnglish, speech::EnglishFemaleVoice(), {});
  ASSERT_TRUE(spoken.ok()) << spoken.status();
  auto en = video::Subtitles::Make(spoken->speech, kEnglish, 1.0);
  ASSERT_TRUE(en.ok()) << en.status();
  EXPECT_EQ(shown(**en, " "), kEnglish);
}

TEST_F(RenderStageTest, RefusesBadParams) {
  EXPECT_EQ(RenderStage::Make({.preset = "fastest"}, StillFrameSourceFactory()).status().reason(),
            "invalid_video_options");
  EXPECT_EQ(RenderStage::Make({.lead_seconds = -1}, StillFrameSourceFactory()).status().reason(),
            "invalid_video_options");
  EXPECT_EQ(RenderStage::Make({}, nullptr).status().reason(), "invalid_video_options");
}

}  // namespace
}  // namespace vmsg::pipeline

namespace vmsg::pipeline {
namespace {

// Every video says it is AI-made: XMP in the MP4 and the thumbnail, a C2PA manifest that
// verifies (and breaks with one changed byte), and the visible mark when ai_label is on.
TEST_F(RenderStageTest, EveryVideoAndThumbnailCarriesTheAiDisclosure) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("vmsg_render_c2pa_" + HexEncode(RandomBytes(6)));
  auto signer = disclosure::Signer::LoadOrCreate(dir / "cert.pem", dir / "key.pem");
  ASSERT_TRUE(signer.ok()) << signer.status();
  const auto shared = std::make_shared<const disclosure::Signer>(std::move(*signer));
  for (const bool label : {true, false}) {
    const std::string task = label ? "task-ai-on" : "task-ai-off";
    StoreInputs(task);
    auto stage =
        RenderStage::Make({.ai_label = label, .signer = shared, .software_version = "0.1.0"},
                          StillFrameSourceFactory());
    ASSERT_TRUE(stage.ok()) << stage.status();
    WorkItem item = Item(task);
    item.request.upload = *image::EncodePng(framed_);  // the "photo" the manifest names
    ASSERT_TRUE(Run(**stage, item).ok());

    auto mp4 = store_->GetBytes("videos/" + task + "/final_video.mp4");
    ASSERT_TRUE(mp4.ok());
    auto xmp = disclosure::ReadXmpFromMp4(*mp4);
    ASSERT_TRUE(xmp.ok()) << xmp.status();
    EXPECT_EQ(disclosure::DigitalSourceTypeOf(*xmp).value_or(""),
              disclosure::kDigitalSourceTypeComposite);
    auto jpeg = store_->GetBytes("videos/" + task + "/thumbnail.jpg");
    ASSERT_TRUE(jpeg.ok());
    EXPECT_TRUE(disclosure::ReadXmpFromJpeg(*jpeg).ok());
    auto verified = disclosure::VerifyMp4(*mp4);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->ingredient_title, "photo.png");
    EXPECT_EQ(verified->actions, (std::vector<std::string>{"c2pa.created", "c2pa.placed"}));
    std::string changed = *mp4;
    changed[changed.size() - 100] ^= 0x01;
    EXPECT_EQ(disclosure::VerifyMp4(changed).status().reason(), "c2pa_hash_mismatch");

    // The corner of the first frame: the mark when on, the picture itself when off.
    auto frames = video::DecodeMp4Frames(*mp4, 1);
    ASSERT_TRUE(frames.ok());
    const cv::Rect corner = video::AiLabelBox(framed_.size());
    const double psnr = cv::PSNR(frames->front()(corner), framed_(corner));
    if (label) {
      EXPECT_LT(psnr, 20.0) << "no mark drawn";
    } else {
      EXPECT_GT(psnr, 30.0) << "a mark drawn though off";
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vmsg::pipeline
