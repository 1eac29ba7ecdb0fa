// Speech: synthesised audio with the timings that drive lip motion and karaoke subtitles.
// Every synthesiser and every prosody step produces and keeps this shape, so timings
// always describe the audio they travel with.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "audio/pcm.h"

namespace vmsg::speech {

enum class Language { kJapanese, kEnglish };

// "ja" or "en".
std::string_view LanguageCode(Language language);

// The mouth shapes the talking-photo animation knows. Japanese vowels map one to one;
// English phonemes are mapped onto the same set by EnglishViseme().
enum class Viseme { kClosed, kA, kI, kU, kE, kO };

// "closed", "a", "i", "u", "e", "o".
std::string_view VisemeName(Viseme viseme);

// Whether an engine's phone is a vowel: its name starts with a vowel letter. That holds for
// Open JTalk's a, i, u, e, o (capitals when devoiced) and CMU's aa, ae, ... uw, and for no
// consonant of either set.
bool IsVowelPhone(std::string_view symbol);

// The symbol synthesisers use for silence that was inserted or trimmed to; its viseme is
// kClosed.
inline constexpr std::string_view kPauseSymbol = "pau";

struct Phoneme {
  std::string symbol;  // the engine's phone name: Open JTalk's ("a", "ky", "N", "cl") or CMU's
  double start = 0;    // seconds from the start of the audio
  double end = 0;
  Viseme viseme = Viseme::kClosed;
  // The vowel of a prominent syllable, where a speaker's head and brows move with the
  // voice: in Japanese the mora of an accent phrase's nucleus (where its pitch falls; Open
  // JTalk's label A:a1 = 0; unaccented phrases have none), in English a syllable flite's
  // intonation model gives a pitch accent.
  bool nucleus = false;
  // The last vowel of a question (a piece of text ending in "?"), where a speaker's brows
  // rise; set by the Speaker, which knows the punctuation.
  bool question = false;
};

// How freely written text may break before a word (subtitles' lines and pages): kNone inside
// a Japanese bunsetsu (before a particle, an auxiliary verb or a suffix, after a prefix),
// kWord between words, kPhrase where an accent phrase starts (Open JTalk's analysis).
// Punctuation in the written text adds its own, stronger breaks.
enum class WordBreak { kNone, kWord, kPhrase };

// "none", "word", "phrase".
std::string_view WordBreakName(WordBreak wb);

// A mora (Japanese) or a word (English) spanning phonemes [first_phoneme, end_phoneme).
struct SpeechUnit {
  std::string text;  // katakana for a mora, the lower-case word for English
  double start = 0;
  double end = 0;
  Viseme viseme = Viseme::kClosed;  // the shape that dominates the unit (its vowel's)
  size_t first_phoneme = 0;
  size_t end_phoneme = 0;
  WordBreak break_before = WordBreak::kWord;  // for words; units keep the default
};

// Audio with its timings. Invariants kept by every function that produces one: phonemes
// are contiguous (each starts where the previous ended), the first starts at 0 and the last
// ends at the audio's duration; units and words are in order, do not overlap, and start and
// end exactly where their first and last phonemes do.
struct Speech {
  audio::Sound audio;
  Language language = Language::kJapanese;
  std::vector<Phoneme> phonemes;
  std::vector<SpeechUnit> units;
  // Words as written, for karaoke subtitles: for English the same as units; for Japanese
  // the morphemes Open JTalk's analysis found (NFKC of its surface form, which is the
  // normalised spelling, e.g. 千 for "1,000"), each over its moras. Empty for a piece whose
  // analysis did not line up with the moras spoken.
  std::vector<SpeechUnit> words;

  double duration_seconds() const { return audio.duration_seconds(); }
};

// The viseme of an Open JTalk phoneme: vowels (devoiced ones too) their own, bilabials
// (m, b, p), N, cl, pau and sil closed, other consonants that of the vowel that follows in
// the same mora (`mora_vowel`).
Viseme JapaneseViseme(std::string_view phoneme, Viseme mora_vowel);

// The viseme of a CMU (flite) phoneme. The table, documented in speech.cc, puts bilabials
// and labiodentals closed, open and central vowels a, front close vowels and the spread
// consonants i, rounded vowels and consonants u, mid front vowels e, back rounded mid
// vowels o.
Viseme EnglishViseme(std::string_view phoneme);

// Appends `silence_seconds` of silence (rounded to whole samples) as one pause phoneme.
// A no-op for a non-positive duration.
void AppendSilence(Speech& speech, double silence_seconds);

// Appends `piece` (same sample rate) after `speech`, shifting its timings. Fails when the
// sample rates differ.
Status Append(Speech& speech, const Speech& piece);

// Cuts the audio to [start, end) seconds (clamped and rounded to samples) and keeps the
// phonemes and units inside, clipped to the new bounds and shifted to start at 0. Used to
// drop an engine's own leading and trailing silence.
void Trim(Speech& speech, double start, double end);

// Removes a pause phoneme at either end when other phonemes remain, giving its time to its
// neighbour (and the neighbouring unit): after trimming to the sound, the slivers of
// engine silence left at the edges belong to the sound.
void AbsorbEdgePauses(Speech& speech);

// Checks the invariants stated on Speech; a message naming the first violation.
Status CheckTimings(const Speech& speech);

}  // namespace vmsg::speech
