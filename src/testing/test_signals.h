// Generated inputs for the audio tests: tones and a chord "music" whose period does not
// divide its length, so a plain loop would click.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "audio/sound.h"

namespace vmsg::test {

// RMS of the stereo `sound` between `from` and `to` seconds (both channels together).
inline double Rms(const audio::Sound& sound, double from, double to) {
  const auto begin = static_cast<size_t>(std::max(0.0, from) * sound.sample_rate);
  const auto end = std::min(sound.frames(), static_cast<size_t>(to * sound.sample_rate));
  double sum = 0;
  for (size_t i = begin * 2; i < end * 2; ++i) sum += sound.samples[i] * sound.samples[i];
  return end > begin ? std::sqrt(sum / static_cast<double>((end - begin) * 2)) : 0;
}

inline double Db(double ratio) { return 20 * std::log10(ratio); }

// A stereo chord (A minor with harmonics, slightly detuned between channels) lasting
// `seconds`; `wobble` adds a slow amplitude modulation so the music has dynamics.
inline audio::Sound ChordMusic(int rate, double seconds, bool wobble) {
  const double notes[] = {220.0, 261.63, 329.63, 440.0};
  const auto frames = static_cast<size_t>(seconds * rate);
  audio::Sound music{rate, 2, std::vector<float>(frames * 2)};
  for (size_t n = 0; n < frames; ++n) {
    const double t = static_cast<double>(n) / rate;
    const double envelope = wobble ? 0.7 + 0.3 * std::sin(2 * std::numbers::pi * 0.37 * t) : 1;
    for (int c = 0; c < 2; ++c) {
      double v = 0;
      for (double f : notes) {
        const double detuned = f * (c == 0 ? 1.0 : 1.002);
        for (int h = 1; h <= 3; ++h) {
          v += std::sin(2 * std::numbers::pi * detuned * h * t + c) / (h * 8.0);
        }
      }
      music.samples[n * 2 + static_cast<size_t>(c)] = static_cast<float>(0.5 * envelope * v);
    }
  }
  return music;
}

inline audio::Sound Tone(int rate, int channels, double seconds, double hz, double amplitude) {
  const auto frames = static_cast<size_t>(seconds * rate);
  audio::Sound sound{rate, channels, {}};
  for (size_t n = 0; n < frames; ++n) {
    const auto v = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * n / rate));
    for (int c = 0; c < channels; ++c) sound.samples.push_back(v);
  }
  return sound;
}

// A mono tone of `hz` with its first four harmonics, like a voice, so the fundamental is
// not the only peak (pitch and resampling tests).
inline audio::Sound HarmonicTone(double hz, double seconds, int rate, double amplitude = 0.5) {
  audio::Sound a{rate, 1, std::vector<float>(static_cast<size_t>(seconds * rate))};
  for (size_t i = 0; i < a.samples.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    double v = 0;
    for (int h = 1; h <= 4; ++h) v += std::sin(2 * std::numbers::pi * hz * h * t) / h;
    a.samples[i] = static_cast<float>(amplitude * v / 2.1);
  }
  return a;
}

}  // namespace vmsg::test
