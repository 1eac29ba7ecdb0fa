// vmsg-music: renders one score to a file for listening and prints what was measured
// (`vmsg-music assets/music/celebration_upbeat.json out.wav [--soundfont PATH]`; .mp3 for
// MP3, anything else WAV). The file is the loop as the catalog stores it: seamless and
// normalised to -14 LUFS.
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audio/codec.h"
#include "music/system_music.h"
#include "music/tempo.h"

int main(int argc, char** argv) {
  using namespace vmsg;
  if (argc != 3 && !(argc == 5 && std::strcmp(argv[3], "--soundfont") == 0)) {
    std::cerr << "usage: vmsg-music SCORE.json OUT.(wav|mp3) [--soundfont FILE.sf2]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "vmsg-music: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  Result<music::Score> score = music::ParseScore(text.str());
  if (!score.ok()) {
    std::cerr << "vmsg-music: " << score.status() << "\n";
    return 1;
  }
  music::TrackOptions options;
  if (argc == 5) options.render.soundfont = argv[4];
  const auto start = std::chrono::steady_clock::now();
  Result<music::RenderedTrack> track = music::RenderTrack(*score, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!track.ok()) {
    std::cerr << "vmsg-music: " << track.status() << "\n";
    return 1;
  }
  const std::string out = argv[2];
  std::string bytes;
  if (out.ends_with(".mp3")) {
    Result<std::string> mp3 = audio::EncodeMp3(track->loop);
    if (!mp3.ok()) {
      std::cerr << "vmsg-music: " << mp3.status() << "\n";
      return 1;
    }
    bytes = std::move(*mp3);
  } else {
    bytes = audio::EncodeWav(track->loop);
  }
  std::ofstream(out, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const music::LoopSeam seam = music::MeasureLoopSeam(track->loop);
  Result<music::TempoEstimate> tempo = music::EstimateTempo(track->loop);
  std::cout << score->id << ": " << track->loop.duration_seconds() << " s, rendered in " << seconds
            << " s, " << track->loudness.integrated_lufs << " LUFS, "
            << track->loudness.true_peak_dbtp << " dBTP, loop jump " << seam.jump << " (local p99 "
            << seam.typical << ", max " << seam.local_max << "), bend " << seam.bend
            << " (local p99 " << seam.bend_typical << "), tempo "
            << (tempo.ok() ? std::to_string(tempo->bpm) : tempo.status().ToString()) << " (score "
            << score->bpm << ")\n";
  return 0;
}
