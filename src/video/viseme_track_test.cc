// The viseme track on hand-made speech with known timings: rest outside the speech, targets
// reached when held, lip closures that close, coarticulation, and no jitter.
#include "video/viseme_track.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vmsg::video {
namespace {

using speech::Viseme;

// Phonemes back to back from 0, each {symbol, seconds, viseme}; audio of the same length.
struct Piece {
  const char* symbol;
  double seconds;
  Viseme viseme;
};
speech::Speech MakeSpeech(std::initializer_list<Piece> pieces) {
  speech::Speech s;
  s.audio.sample_rate = 1000;
  double t = 0;
  for (const Piece& p : pieces) {
    s.phonemes.push_back({p.symbol, t, t + p.seconds, p.viseme});
    t += p.seconds;
  }
  s.audio.samples.assign(size_t(std::lround(t * 1000)), 0.0f);
  return s;
}

TEST(VisemeTrackTest, MouthRestsBeforeAndAfterTheSpeech) {
  const auto speech = MakeSpeech({{"a", 0.4, Viseme::kA}, {"o", 0.3, Viseme::kO}});
  const VisemeTrackParams params;
  for (const double t : {-1.0, -0.15, 0.85, 2.0}) {
    const MouthPose pose = MouthAt(speech, t, params);
    EXPECT_NEAR(pose.open, 0, 0.01) << t;
    EXPECT_NEAR(pose.spread, 0, 0.01) << t;
  }
  EXPECT_GT(MouthAt(speech, 0.2, params).open, 0.5);
}

TEST(VisemeTrackTest, HeldVowelsReachTheirTargets) {
  const auto speech = MakeSpeech({{"pau", 0.3, Viseme::kClosed},
                                  {"a", 0.4, Viseme::kA},
                                  {"pau", 0.3, Viseme::kClosed},
                                  {"i", 0.4, Viseme::kI},
                                  {"pau", 0.3, Viseme::kClosed},
                                  {"u", 0.4, Viseme::kU},
                                  {"pau", 0.3, Viseme::kClosed}});
  const VisemeTrackParams params;
  const MouthPose a = MouthAt(speech, 0.5, params), i = MouthAt(speech, 1.2, params),
                  u = MouthAt(speech, 1.9, params);
  EXPECT_NEAR(a.open, VisemeTarget(Viseme::kA).open, 0.02);
  EXPECT_GT(a.open, i.open);
  EXPECT_GT(i.spread, 0.6);
  EXPECT_LT(u.spread, -0.7);
  EXPECT_GT(a.open, 2 * u.open);
  // The mouth closes in the pauses between them.
  EXPECT_LT(MouthAt(speech, 0.85, params).open, 0.02);
}

TEST(VisemeTrackTest, BilabialsCloseTheLipsBetweenOpenVowels) {
  // "a m a" with a short m (60 ms): smoothing alone would leave the mouth a third open.
  const auto speech =
      MakeSpeech({{"a", 0.3, Viseme::kA}, {"m", 0.06, Viseme::kClosed}, {"a", 0.3, Viseme::kA}});
  const VisemeTrackParams params;
  EXPECT_LT(MouthAt(speech, 0.33, params).open, 0.1);
  // An N of the same length only nearly closes it, and never below its own target.
  const auto n =
      MakeSpeech({{"a", 0.3, Viseme::kA}, {"N", 0.06, Viseme::kClosed}, {"a", 0.3, Viseme::kA}});
  EXPECT_GT(MouthAt(n, 0.33, params).open, 0.2);
  EXPECT_TRUE(IsLipClosure({"p", 0, 1, Viseme::kClosed}));
  EXPECT_FALSE(IsLipClosure({"pau", 0, 1, Viseme::kClosed}));
  EXPECT_FALSE(IsLipClosure({"cl", 0, 1, Viseme::kClosed}));
}

TEST(VisemeTrackTest, NeighboursPullAShortVowelTowardsThem) {
  const auto speech =
      MakeSpeech({{"i", 0.3, Viseme::kI}, {"u", 0.08, Viseme::kU}, {"i", 0.3, Viseme::kI}});
  const MouthPose u = MouthAt(speech, 0.34, {});
  EXPECT_GT(u.spread, VisemeTarget(Viseme::kU).spread + 0.5);
  // Without coarticulation and smoothing (nearly) it would sit at its own target.
  VisemeTrackParams sharp;
  sharp.coarticulation = 0;
  sharp.smoothing_seconds = 0.002;
  EXPECT_NEAR(MouthAt(speech, 0.34, sharp).spread, VisemeTarget(Viseme::kU).spread, 0.02);
}

TEST(VisemeTrackTest, OneVowelGivesOneSmoothRiseAndFallAtTheOffset) {
  const auto speech = MakeSpeech(
      {{"pau", 0.2, Viseme::kClosed}, {"a", 0.3, Viseme::kA}, {"pau", 0.2, Viseme::kClosed}});
  const int frames = 75;
  const auto track = MouthTrack(speech, 1.0, frames);
  ASSERT_EQ(track.size(), size_t(frames));
  int peak = 0;
  for (int i = 0; i < frames; ++i) {
    if (track[size_t(i)].open > track[size_t(peak)].open) peak = i;
  }
  // The vowel is at 1.2 .. 1.5 s: frames 30 .. 37.
  EXPECT_GE(peak, 30);
  EXPECT_LE(peak, 37);
  EXPECT_GT(track[size_t(peak)].open, 0.9);
  for (int i = 1; i < frames; ++i) {
    const double step = track[size_t(i)].open - track[size_t(i - 1)].open;
    if (i <= peak) {
      EXPECT_GE(step, -1e-9) << i;
    } else {
      EXPECT_LE(step, 1e-9) << i;
    }
  }
  EXPECT_EQ(track[0].open, 0);
  EXPECT_LT(track[25].open, 0.01);  // speech starts, but the vowel is 0.2 s later
}

}  // namespace
}  // namespace vmsg::video
