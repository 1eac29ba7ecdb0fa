// The motion plan on its own: nods follow accents, brows a phrase's first accent, the head
// settles at phrase ends, drift and gaze never stop, blinks keep a natural rate.
#include "video/face_motion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace vmsg::video {
namespace {

// Phrases of "ka" moras (0.15 s each) separated by pauses; the moras listed in `accented`
// (indices over the whole message) carry an accent nucleus.
speech::Speech Phrases(const std::vector<int>& moras_per_phrase, double pause,
                       const std::vector<int>& accented) {
  speech::Speech s;
  s.audio.sample_rate = 16000;
  double t = 0;
  int mora = 0;
  auto add = [&](const std::string& symbol, double seconds, bool nucleus = false) {
    speech::Phoneme p{symbol, t, t + seconds, speech::Viseme::kA};
    p.nucleus = nucleus;
    s.phonemes.push_back(p);
    t += seconds;
  };
  add("pau", 0.1);
  for (size_t phrase = 0; phrase < moras_per_phrase.size(); ++phrase) {
    for (int i = 0; i < moras_per_phrase[phrase]; ++i, ++mora) {
      add("k", 0.05);
      add("a", 0.10, std::find(accented.begin(), accented.end(), mora) != accented.end());
    }
    add("pau", phrase + 1 < moras_per_phrase.size() ? pause : 0.1);
  }
  s.audio.samples.assign(size_t(t * s.audio.sample_rate), 0.0f);
  return s;
}

double AccentTime(const speech::Speech& s, double offset, int nth) {
  for (const speech::Phoneme& p : s.phonemes) {
    if (p.nucleus && nth-- == 0) return offset + p.start;
  }
  return -1;
}

TEST(FaceMotionTest, NodsPeakJustAfterTheAccentsTheyFollow) {
  // Two phrases of 20 moras (3 s each): accents at moras 2, 3 (too close), 10, 25 and 33.
  const speech::Speech speech = Phrases({20, 20}, 0.6, {2, 3, 10, 25, 33});
  auto plan = FaceMotion::Plan(
      {.speech = &speech, .speech_offset_seconds = 1, .duration_seconds = 9, .seed = 3});
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->accents().size(), 5u);
  // Mora 3 comes 0.15 s after mora 2: no second nod so soon.
  ASSERT_EQ(plan->nods().size(), 4u);
  for (size_t i = 0, accent = 0; i < plan->nods().size(); ++i, ++accent) {
    if (accent == 1) ++accent;
    const double lag = plan->nods()[i] - plan->accents()[accent];
    EXPECT_GE(lag, 0) << i;
    EXPECT_LE(lag, 0.3) << i;
    // The head is down at the peak (positive pitch) and up again a second later.
    const double peak = plan->nods()[i];
    EXPECT_GT(plan->At(peak).pitch, 1.0) << i;
    EXPECT_LT(std::abs(plan->At(peak + 1.0).pitch), 0.5) << i;
  }
}

TEST(FaceMotionTest, BrowsRiseOnEachPhrasesFirstAccentOnly) {
  const speech::Speech speech = Phrases({20, 20}, 0.6, {4, 12, 26});
  auto plan = FaceMotion::Plan(
      {.speech = &speech, .speech_offset_seconds = 1, .duration_seconds = 9, .seed = 1});
  ASSERT_TRUE(plan.ok());
  const double first = AccentTime(speech, 1, 0), second = AccentTime(speech, 1, 1),
               third = AccentTime(speech, 1, 2);
  const double fraction = FaceMotionParams{}.max_brow;
  EXPECT_NEAR(plan->At(first + 0.2).brow, fraction, 1e-9);
  EXPECT_EQ(plan->At(second + 0.2).brow, 0);                // the same phrase
  EXPECT_NEAR(plan->At(third + 0.2).brow, fraction, 1e-9);  // after the pause: a new phrase
  EXPECT_EQ(plan->At(first - 0.5).brow, 0);
}

TEST(FaceMotionTest, BrowsRiseAtAQuestionsEnd) {
  speech::Speech speech = Phrases({10, 10}, 0.6, {});
  // The first phrase's last vowel ends a question.
  speech::Phoneme* last = nullptr;
  for (speech::Phoneme& p : speech.phonemes) {
    if (p.symbol == "a" && p.end <= 0.1 + 10 * 0.15 + 1e-9) last = &p;
  }
  ASSERT_NE(last, nullptr);
  last->question = true;
  auto plan = FaceMotion::Plan({.speech = &speech, .duration_seconds = 5, .seed = 1});
  ASSERT_TRUE(plan.ok());
  const double max = FaceMotionParams{}.max_brow;
  EXPECT_NEAR(plan->At(last->start + 0.1).brow, max, 1e-9);
  EXPECT_EQ(plan->At(last->start - 0.5).brow, 0);
  EXPECT_EQ(plan->At(last->start + 1.5).brow, 0);
}

TEST(FaceMotionTest, ThePhrasesEndSettlesTheHeadAndItLiftsBeforeTheNext) {
  const speech::Speech speech = Phrases({10, 10}, 1.2, {});
  auto plan = FaceMotion::Plan(
      {.speech = &speech, .speech_offset_seconds = 0, .duration_seconds = 5, .seed = 2},
      {.drift = 0, .drift_roll = 0});
  ASSERT_TRUE(plan.ok());
  const double pause_start = 0.1 + 10 * 0.15;
  // Without drift, only the settle tilts the head: a clear tilt and dip in the pause, none
  // while speaking.
  EXPECT_GT(std::abs(plan->At(pause_start + 0.5).roll), 0.5);
  EXPECT_GT(plan->At(pause_start + 0.5).pitch, 0.2);
  EXPECT_EQ(plan->At(0.8).roll, 0);
  // Just before the second phrase the head is lifted (pitch up, negative).
  EXPECT_LT(plan->At(pause_start + 1.2 - 0.15).pitch, plan->At(pause_start + 0.5).pitch - 0.3);
}

TEST(FaceMotionTest, EnergyScalesTheMotion) {
  const speech::Speech speech = Phrases({20}, 0.5, {5});
  const double peak_time = AccentTime(speech, 1, 0) + 0.13;
  auto pitch = [&](double energy) {
    auto plan = FaceMotion::Plan(
        {.speech = &speech, .speech_offset_seconds = 1, .duration_seconds = 6, .seed = 4},
        {.energy = energy, .drift = 0, .drift_roll = 0});
    return plan.ok() ? plan->At(peak_time).pitch : 0.0;
  };
  EXPECT_NEAR(pitch(1.5) / pitch(0.6), 2.5, 0.05);
  EXPECT_NEAR(pitch(1.0), FaceMotionParams{}.max_nod_degrees, 0.05);
  // The presets: calm below neutral below joyful below celebration, each a valid energy.
  using speech::ProsodyPreset;
  EXPECT_LT(MotionEnergy(ProsodyPreset::kCalm), MotionEnergy(ProsodyPreset::kNeutral));
  EXPECT_LT(MotionEnergy(ProsodyPreset::kNeutral), MotionEnergy(ProsodyPreset::kJoyful));
  EXPECT_LT(MotionEnergy(ProsodyPreset::kJoyful), MotionEnergy(ProsodyPreset::kCelebration));
  for (auto preset :
       {ProsodyPreset::kCalm, ProsodyPreset::kEnergetic, ProsodyPreset::kCelebration}) {
    EXPECT_TRUE(FaceMotionParams{.energy = MotionEnergy(preset)}.Validate().ok());
  }
}

TEST(FaceMotionTest, NeverFrozenEvenWithoutSpeech) {
  auto plan = FaceMotion::Plan({.duration_seconds = 20, .seed = 5});
  ASSERT_TRUE(plan.ok());
  // The drift: a standard deviation near the parameter's, over 20 s at 25 fps, never a jump.
  double sum = 0, sum2 = 0, largest_step = 0, previous = plan->At(0).drift_x;
  int gaze_changes = 0;
  double previous_gaze = plan->At(0).gaze_x;
  for (int i = 0; i < 500; ++i) {
    const FacePose pose = plan->At(i / 25.0);
    sum += pose.drift_x;
    sum2 += pose.drift_x * pose.drift_x;
    largest_step = std::max(largest_step, std::abs(pose.drift_x - previous));
    previous = pose.drift_x;
    if (std::abs(pose.gaze_x - previous_gaze) > 0.005) ++gaze_changes;
    previous_gaze = pose.gaze_x;
    EXPECT_LE(std::abs(pose.gaze_x), 0.07 + 1e-9);
  }
  const double sd = std::sqrt(sum2 / 500 - (sum / 500) * (sum / 500));
  EXPECT_GT(sd, 0.4 * FaceMotionParams{}.drift);
  EXPECT_LT(sd, 2.0 * FaceMotionParams{}.drift);
  EXPECT_LT(largest_step, 0.1 * FaceMotionParams{}.drift * 25);
  // Gaze shifts every 1-3 s: 6 to 20 of them in 20 s (a shift may span two frames).
  EXPECT_GE(gaze_changes, 5);
  EXPECT_LE(gaze_changes, 40);
}

TEST(FaceMotionTest, BlinksKeepANaturalRateAndStayOffTheThumbnail) {
  int total = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto plan = FaceMotion::Plan({.duration_seconds = 60, .thumbnail_seconds = 10, .seed = seed});
    ASSERT_TRUE(plan.ok());
    const auto& blinks = plan->blinks();
    total += int(blinks.size());
    for (size_t i = 0; i < blinks.size(); ++i) {
      const auto [start, end] = blinks[i];
      EXPECT_GE(end - start, 0.15 - 1e-9);
      EXPECT_LE(end - start, 0.3 + 1e-9);
      EXPECT_TRUE(end < 10 - 0.2 || start > 10 + 0.2) << seed << ": " << start;
      if (i > 0) {
        EXPECT_GE(start - blinks[i - 1].first, 1.2 - 1e-9);
      }
      // Shut in the middle, open outside.
      EXPECT_GT(plan->At(start + 0.4 * (end - start)).blink, 0.99);
      EXPECT_EQ(plan->At(end + 0.01).blink, 0);
    }
  }
  const double per_minute = total / 10.0;
  EXPECT_GE(per_minute, 12);
  EXPECT_LE(per_minute, 30);
}

TEST(FaceMotionTest, SameSeedSamePlanAndBadInputRefused) {
  const speech::Speech speech = Phrases({10, 10}, 0.5, {3, 14});
  const FaceMotionInput input{.speech = &speech, .duration_seconds = 6, .seed = 9};
  auto a = FaceMotion::Plan(input), b = FaceMotion::Plan(input);
  ASSERT_TRUE(a.ok() && b.ok());
  for (double t = 0; t < 6; t += 0.37) {
    const FacePose pa = a->At(t), pb = b->At(t);
    EXPECT_EQ(pa.pitch, pb.pitch);
    EXPECT_EQ(pa.roll, pb.roll);
    EXPECT_EQ(pa.gaze_x, pb.gaze_x);
    EXPECT_EQ(pa.blink, pb.blink);
  }
  EXPECT_TRUE(FaceMotion::Plan({.duration_seconds = 0}).status().IsInvalidArgument());
  EXPECT_TRUE(
      FaceMotion::Plan({.duration_seconds = 5}, {.energy = 5}).status().IsInvalidArgument());
  EXPECT_TRUE(FaceMotion::Plan({.duration_seconds = 5}, {.max_nod_degrees = -1})
                  .status()
                  .IsInvalidArgument());
}

}  // namespace
}  // namespace vmsg::video
