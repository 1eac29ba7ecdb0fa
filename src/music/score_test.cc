// Score parsing: note names, written lines, chord grids, drums, the form, and the errors a
// bad score file gets.
#include "music/score.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vmsg::music {
namespace {

std::string MinimalScore(const std::string& sections, const std::string& form = R"(["A"])") {
  return R"({"id": "t", "name": "T", "mood": "warm", "genre": "pop", "description": "d",
    "bpm": 120, "beats_per_bar": 4,
    "instruments": {"lead": {"channel": 0, "program": 73}, "pad": {"channel": 1, "program": 48},
                    "bass": {"channel": 2, "program": 33}, "drums": {"channel": 9}},
    "sections": )" +
         sections + R"(, "form": )" + form + "}";
}

std::vector<Note> OnChannel(const Score& s, int channel) {
  std::vector<Note> out;
  std::copy_if(s.notes.begin(), s.notes.end(), std::back_inserter(out),
               [channel](const Note& n) { return n.channel == channel; });
  return out;
}

TEST(ScoreTest, NoteNames) {
  EXPECT_EQ(*ParseNoteName("c4"), 60);
  EXPECT_EQ(*ParseNoteName("a4"), 69);
  EXPECT_EQ(*ParseNoteName("f#3"), 54);
  EXPECT_EQ(*ParseNoteName("bb5"), 82);
  EXPECT_EQ(*ParseNoteName("cb4"), 59);  // C flat is the B below
  EXPECT_EQ(*ParseNoteName("b#3"), 60);
  EXPECT_FALSE(ParseNoteName("h4").ok());
  EXPECT_FALSE(ParseNoteName("c").ok());
  EXPECT_FALSE(ParseNoteName("c10").ok());
}

TEST(ScoreTest, WrittenNotesKeepTheirDurationsAndVelocities) {
  Result<Score> s = ParseScore(MinimalScore(
      R"({"A": {"bars": 2, "parts": {"lead": {"notes": "c5:1 e5 g5:0.5 r c6:1 | c5+e5:2@100 r:2 |"}}}})"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->notes.size(), 6u);
  EXPECT_DOUBLE_EQ(s->notes[0].beat, 0);
  EXPECT_DOUBLE_EQ(s->notes[1].beat, 1);  // e5 takes c5's duration
  EXPECT_EQ(s->notes[1].key, 76);
  EXPECT_DOUBLE_EQ(s->notes[2].beat, 2);
  EXPECT_DOUBLE_EQ(s->notes[3].beat, 3);  // after g5 (0.5) and a rest (0.5)
  EXPECT_DOUBLE_EQ(s->notes[4].beat, 4);  // the chord's two notes
  EXPECT_DOUBLE_EQ(s->notes[5].beat, 4);
  EXPECT_EQ(s->notes[4].velocity, 100);
  EXPECT_NEAR(s->notes[4].length, 2 * 0.92, 1e-9);
  EXPECT_DOUBLE_EQ(s->loop_beats, 8);
  EXPECT_DOUBLE_EQ(s->loop_seconds(), 4);
}

TEST(ScoreTest, GridsPlayTheSectionsChords) {
  Result<Score> s = ParseScore(MinimalScore(R"({"A": {"bars": 2, "chords": "C | G7",
      "parts": {"pad": {"chords": "x---x---", "octave": 4},
                "bass": {"bass": "x.5.8.3.", "octave": 2},
                "drums": {"drums": {"kick": "X...x...", "hat": "xoxoxoxo"}, "velocity": 80}}}})"));
  ASSERT_TRUE(s.ok()) << s.status();
  // Pad: C major folded into F3..E4 is G3 C4 E4; G7 is G3 B3 D4 F4.
  std::vector<Note> pad = OnChannel(*s, 1);
  ASSERT_EQ(pad.size(), 2u * 3 + 2u * 4);
  std::vector<int> first;
  for (const Note& n : pad) {
    if (n.beat == 0) first.push_back(n.key);
  }
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<int>{55, 60, 64}));
  EXPECT_NEAR(pad[0].length, 2 * 0.92, 1e-9);  // "x---" holds half a bar
  // Bass: root, fifth, octave, third of C in octave 2, then of G.
  std::vector<Note> bass = OnChannel(*s, 2);
  ASSERT_EQ(bass.size(), 8u);
  EXPECT_EQ(bass[0].key, 36);
  EXPECT_EQ(bass[1].key, 43);
  EXPECT_EQ(bass[2].key, 48);
  EXPECT_EQ(bass[3].key, 40);
  EXPECT_EQ(bass[4].key, 43);  // G
  // Drums: kick on 1 (accented) and 3, hats on every eighth.
  std::vector<Note> drums = OnChannel(*s, kDrumChannel);
  EXPECT_EQ(std::count_if(drums.begin(), drums.end(), [](const Note& n) { return n.key == 36; }),
            4);
  EXPECT_EQ(std::count_if(drums.begin(), drums.end(), [](const Note& n) { return n.key == 42; }),
            16);
  auto first_kick =
      std::find_if(drums.begin(), drums.end(), [](const Note& n) { return n.key == 36; });
  EXPECT_EQ(first_kick->velocity, 80 + 22);  // 'X'
  auto second_hat = std::find_if(drums.begin(), drums.end(),
                                 [](const Note& n) { return n.key == 42 && n.beat > 0; });
  EXPECT_EQ(second_hat->velocity, 80 - 30);  // 'o'
}

TEST(ScoreTest, TheFormRepeatsSections) {
  Result<Score> s = ParseScore(MinimalScore(
      R"({"A": {"bars": 1, "parts": {"lead": {"notes": "c5:4"}}},
          "B": {"bars": 1, "parts": {"lead": {"notes": "d5:4"}}}})",
      R"(["A", "B", "A"])"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->notes.size(), 3u);
  EXPECT_EQ(s->notes[2].key, 72);
  EXPECT_DOUBLE_EQ(s->notes[2].beat, 8);
  EXPECT_DOUBLE_EQ(s->loop_beats, 12);
}

void ExpectInvalid(const std::string& text, const std::string& mentions) {
  Result<Score> s = ParseScore(text);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().reason(), "invalid_score");
  EXPECT_NE(s.status().message().find(mentions), std::string::npos) << s.status().message();
}

TEST(ScoreTest, ErrorsNameWhatIsWrong) {
  ExpectInvalid(
      MinimalScore(R"({"A": {"bars": 1, "parts": {"lead": {"notes": "c5:1 d5 e5 | "}}}})"),
      "the bar holds 3");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 2, "parts": {"lead": {"notes": "c5:4"}}}})"),
                "the line holds 4");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "parts": {"lead": {"notes": "x5:4"}}}})"),
                "bad note name 'x5'");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "parts": {"horn": {"notes": "c5:4"}}}})"),
                "part horn: is not a declared instrument");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "chords": "Cxyz",
                  "parts": {"pad": {"chords": "x---"}}}})"),
                "unknown quality 'xyz'");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "parts": {"drums": {"drums": {"gong": "x"}}}}})"),
                "unknown drum 'gong'");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "parts": {"pad": {"chords": "x---"}}}})"),
                "the section has none");
  ExpectInvalid(
      MinimalScore(R"({"A": {"bars": 1, "parts": {"lead": {"notes": "c5:4"}}}})", R"(["A", "Z"])"),
      "unknown section");
  ExpectInvalid(MinimalScore(R"({"A": {"bars": 1, "tempo": 3, "parts": {}}})"),
                "unknown field 'tempo'");
  ExpectInvalid("{", "json");
}

}  // namespace
}  // namespace vmsg::music
