// Steps 5-6 with the real engines over the in-memory store: both WAVs and their timings
// stored under voices/generated/{task_id}/, the delivery applied in step 6 only, refusals
// that store nothing, and a redelivered task that reuses both steps and gets its timings
// back.
#include <gtest/gtest.h>

#include <cmath>

#include "audio/codec.h"
#include "audio/loudness.h"
#include "base/json.h"
#include "pipeline/pipeline.h"
#include "pipeline/stages/mix_stage.h"
#include "pipeline/stages/speech_stage.h"
#include "speech/speech_json.h"
#include "speech/system_voices.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"

namespace vmsg::pipeline {
namespace {

constexpr char kMessage[] = "お誕生日おめでとう。素敵な一年になりますように！";

class SpeechStagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto jtalk = speech::NewOpenJTalkSynthesizer();
    ASSERT_TRUE(jtalk.ok()) << jtalk.status();
    jtalk_ = std::move(jtalk).value().release();
    flite_ = speech::NewFliteSynthesizer().release();
    speaker_ = new speech::Speaker(jtalk_, flite_);
  }
  static void TearDownTestSuite() {
    delete speaker_;
    delete jtalk_;
    delete flite_;
  }

  Status Run(WorkItem& item, bool with_mix = false) {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<SpeechStage>(*speaker_));
    stages.push_back(std::make_unique<ProsodyStage>(*speaker_));
    if (with_mix) stages.push_back(std::move(MixStage::Make({})).value());
    auto pipeline = Pipeline::Build(std::move(stages));
    EXPECT_TRUE(pipeline.ok()) << pipeline.status();
    StageContext ctx{*store_, progress_, cancel_, clock_, logger_};
    return pipeline->Run(ctx, item);
  }

  WorkItem Item(std::string task_id) {
    WorkItem item{.task_id = std::move(task_id)};
    item.request.text = kMessage;
    item.request.voice = speech::DefaultFemaleVoice();
    return item;
  }

  std::vector<std::string> KeysAndEtags() {
    Result<objects::ListPage> page = store_->List("", "", 100);
    EXPECT_TRUE(page.ok());
    std::vector<std::string> keys;
    if (page.ok()) {
      for (const objects::ObjectInfo& o : page->objects) {
        keys.push_back(o.key + " " + o.etag + " " + FormatIso8601(o.last_modified));
      }
    }
    return keys;
  }

  audio::Sound StoredAudio(const std::string& key) {
    auto bytes = store_->GetBytes(key);
    EXPECT_TRUE(bytes.ok()) << key;
    auto audio = audio::DecodeWav(bytes.value_or(""));
    EXPECT_TRUE(audio.ok()) << key;
    return audio.value_or(audio::Sound{});
  }

  static speech::SpeechSynthesizer* jtalk_;
  static speech::SpeechSynthesizer* flite_;
  static speech::Speaker* speaker_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'700'000'000))};
  std::unique_ptr<objects::ObjectStore> store_ = test::NewMemoryObjectStore(clock_);
  test::RecordingProgressSink progress_;
  CancellationToken cancel_;
  Logger logger_{LogFormat::kText, LogLevel::kError, clock_, [](std::string_view) {}};
};
speech::SpeechSynthesizer* SpeechStagesTest::jtalk_ = nullptr;
speech::SpeechSynthesizer* SpeechStagesTest::flite_ = nullptr;
speech::Speaker* SpeechStagesTest::speaker_ = nullptr;

TEST_F(SpeechStagesTest, StoresTheBaseAndTheAdjustedVoiceWithTheirTimings) {
  WorkItem item = Item("task-5");
  item.request.prosody.speed = 1.5;
  ASSERT_TRUE(Run(item).ok());
  EXPECT_EQ(progress_.percentages, (std::vector<int>{60, 70}));
  EXPECT_EQ(progress_.steps, (std::vector<std::string>{"voice_synthesis", "prosody_adjustment"}));

  const audio::Sound base = StoredAudio("voices/generated/task-5/base_voice.wav");
  const audio::Sound adjusted = StoredAudio("voices/generated/task-5/prosody_adjusted.wav");
  // The message asks for a celebration; the user's speed 1.5 shortens step 6 only.
  ASSERT_TRUE(item.applied_preset.has_value());
  EXPECT_EQ(*item.applied_preset, speech::ProsodyPreset::kCelebration);
  EXPECT_LT(adjusted.duration_seconds(), base.duration_seconds() * 0.8);
  ASSERT_TRUE(item.speech.has_value());
  EXPECT_EQ(item.speech->audio.samples.size(), adjusted.samples.size());

  // The stored timings describe the stored audio.
  for (const char* name : {"base_voice", "prosody_adjusted"}) {
    const std::string dir = "voices/generated/task-5/";
    auto timings = ParseJson(*store_->GetBytes(dir + name + "_timings.json"));
    ASSERT_TRUE(timings.ok());
    auto speech = speech::SpeechFromJson(*timings, StoredAudio(dir + name + ".wav"));
    ASSERT_TRUE(speech.ok()) << name << ": " << speech.status();
    EXPECT_FALSE(speech->units.empty());
    EXPECT_EQ((*timings)["language"], "ja");
  }
}

TEST_F(SpeechStagesTest, ARedeliveredTaskReusesBothStepsAndGetsItsTimingsBack) {
  WorkItem first = Item("task-6");
  ASSERT_TRUE(Run(first).ok());
  const std::vector<std::string> keys_before = KeysAndEtags();

  clock_.Advance(std::chrono::seconds(5));  // a rewrite would show a new write time
  WorkItem again = Item("task-6");
  ASSERT_TRUE(Run(again).ok());
  EXPECT_EQ(again.reused, (std::vector<std::string>{"voice_synthesis", "prosody_adjustment"}));
  ASSERT_TRUE(again.speech.has_value());
  EXPECT_EQ(speech::SpeechTimingsToJson(*again.speech), speech::SpeechTimingsToJson(*first.speech));
  EXPECT_EQ(KeysAndEtags(), keys_before);  // nothing was written again
}

TEST_F(SpeechStagesTest, RefusalsStoreNothing) {
  WorkItem empty = Item("task-7");
  empty.request.text = "   \n ";
  EXPECT_EQ(Run(empty).reason(), "text_empty");
  WorkItem too_fast = Item("task-8");
  too_fast.request.prosody.speed = 3;
  Status refused = Run(too_fast);
  EXPECT_EQ(refused.reason(), "invalid_prosody");
  EXPECT_NE(refused.message().find("speed"), std::string::npos) << refused;
  Result<objects::ListPage> page = store_->List("voices/generated/task-7/", "", 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  // Step 5 of task-8 ran (its delivery is neutral); step 6 stored nothing.
  EXPECT_FALSE(*store_->Exists("voices/generated/task-8/prosody_adjusted.wav"));
  EXPECT_FALSE(*store_->Exists("voices/generated/task-8/prosody_adjusted_timings.json"));
}

// A few seconds of a chord with a slow beat: music enough to loop, duck and fade.
audio::Sound Chord(double seconds) {
  constexpr int kRate = 44100;
  audio::Sound music{kRate, 2, {}};
  const auto frames = static_cast<size_t>(seconds * kRate);
  for (size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double beat = 0.6 + 0.4 * std::sin(2 * M_PI * 2 * t);
    const double v = 0.2 * beat *
                     (std::sin(2 * M_PI * 261.6 * t) + std::sin(2 * M_PI * 329.6 * t) +
                      std::sin(2 * M_PI * 392.0 * t));
    music.samples.push_back(static_cast<float>(v));
    music.samples.push_back(static_cast<float>(v));
  }
  return music;
}

TEST_F(SpeechStagesTest, Step7MixesTheSpeechOverTheMusicToTheSpecsLoudness) {
  const std::string music = audio::EncodeWav(Chord(3.0));
  ASSERT_TRUE(store_->Put("bgm/user/anon_track.wav", music, {"audio/wav"}).ok());
  WorkItem item = Item("task-9");
  item.request.music_key = "bgm/user/anon_track.wav";
  ASSERT_TRUE(Run(item, /*with_mix=*/true).ok());
  EXPECT_EQ(progress_.percentages, (std::vector<int>{60, 70, 80}));

  auto mp3 = store_->GetBytes("voices/generated/task-9/final_mixed.mp3");
  ASSERT_TRUE(mp3.ok());
  auto mixed = audio::DecodeAudio(*mp3, 48000, 2);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const double seconds = static_cast<double>(mixed->frames()) / mixed->sample_rate;
  EXPECT_NEAR(seconds, item.speech->duration_seconds() + 2.5, 0.05);
  auto loudness = audio::MeasureLoudness(*mixed);
  ASSERT_TRUE(loudness.ok());
  EXPECT_NEAR(loudness->integrated_lufs, -14.0, 1.0);
}

TEST_F(SpeechStagesTest, Step7WithoutMusicAndWithAMissingTrack) {
  WorkItem quiet = Item("task-10");
  ASSERT_TRUE(Run(quiet, /*with_mix=*/true).ok());
  EXPECT_TRUE(*store_->Exists("voices/generated/task-10/final_mixed.mp3"));
  WorkItem missing = Item("task-11");
  missing.request.music_key = "bgm/user/nobody_nothing.mp3";
  EXPECT_TRUE(Run(missing, /*with_mix=*/true).IsNotFound());
  EXPECT_FALSE(*store_->Exists("voices/generated/task-11/final_mixed.mp3"));
}

}  // namespace
}  // namespace vmsg::pipeline
