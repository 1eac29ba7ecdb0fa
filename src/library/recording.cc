// Decoding (audio/codec.h) and the cleaning of recordings (see recording.h).
#include "library/recording.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "audio/codec.h"

namespace vmsg::library {
namespace {

// Demuxers (libavformat names) of the accepted kinds; the content decides, never the name.
const std::vector<std::string_view> kAcceptedFormats = {"wav", "mp3",  "mov,mp4,m4a,3gp,3g2,mj2",
                                                        "ogg", "flac", "matroska,webm"};
// Rates a recording may have (the catalog's bounds); beyond them decoding would only cost
// memory.
constexpr int kMinSampleRate = 8000;
constexpr int kMaxSampleRate = 192000;

// Cleaning.
constexpr double kFrameSeconds = 0.01;
constexpr double kSilentDbfs = -50;          // no frame louder: the recording is silent
constexpr double kTrimBelowLoudestDb = 40;   // edges quieter than this below the loudest frame
constexpr double kTrimMarginSeconds = 0.05;  // kept around the speech
constexpr double kJoinSilenceSeconds = 0.3;  // between recordings
constexpr double kClipPeakFraction = 0.99;   // a sample this close to the peak is "at" it
constexpr double kMinClipPeak = 0.5;         // clipping happens near full scale
constexpr double kMaxClippedFraction = 0.01;

Status Refuse(std::string_view reason, std::string message) {
  return Status::InvalidArgument(std::move(message), std::string(reason));
}

// 10 ms frame levels in dBFS.
std::vector<double> FrameDb(const audio::Sound& a) {
  const size_t frame = std::max<size_t>(1, static_cast<size_t>(a.sample_rate * kFrameSeconds));
  std::vector<double> db;
  for (size_t i = 0; i < a.samples.size(); i += frame) {
    const double rms = audio::Rms(a, i, i + frame);
    db.push_back(rms > 0 ? 20 * std::log10(rms) : -200);
  }
  return db;
}

}  // namespace

Result<audio::Sound> DecodeRecording(std::string_view bytes, const RecordingLimits& limits) {
  if (bytes.empty()) return Refuse(kAudioTooShort, "the file is empty");
  // Mono at the file's own rate: clipping is judged on the samples as recorded.
  Result<audio::Sound> sound =
      audio::DecodeAudio(bytes, audio::DecodeOptions{.sample_rate = 0,
                                                     .channels = 1,
                                                     .max_seconds = limits.max_decoded_seconds,
                                                     .accepted_formats = kAcceptedFormats,
                                                     .min_rate = kMinSampleRate,
                                                     .max_rate = kMaxSampleRate});
  if (!sound.ok()) {
    const Status& why = sound.status();
    // The same reasons, always as InvalidArgument (a refusal of this upload).
    if (why.reason() == audio::kAudioTooLong) {
      return Refuse(kAudioTooLong,
                    "a recording holds more than " +
                        std::to_string(static_cast<int>(limits.max_decoded_seconds)) +
                        " s of audio");
    }
    if (why.reason() == audio::kUnsupportedAudio) {
      return Refuse(kUnsupportedAudio, why.message() +
                                           " (recordings may be WAV, MP3, M4A, OGG, FLAC or "
                                           "WebM)");
    }
    return why;
  }
  return audio::Sound{.sample_rate = sound->sample_rate, .samples = std::move(sound->samples)};
}

Result<audio::Sound> CleanRecordings(const std::vector<audio::Sound>& recordings,
                                     const RecordingLimits& limits) {
  if (recordings.empty()) return Refuse(kAudioTooShort, "no recording");
  if (recordings.size() > limits.max_files) {
    return Refuse(kTooManyFiles,
                  "at most " + std::to_string(limits.max_files) + " recordings per voice");
  }
  audio::Sound out{.sample_rate = limits.sample_rate, .samples = {}};
  double speech_seconds = 0;
  for (size_t i = 0; i < recordings.size(); ++i) {
    const audio::Sound& a = recordings[i];
    const std::string which = "recording " + std::to_string(i + 1);
    if (a.samples.empty() || a.sample_rate <= 0) return Refuse(kAudioTooShort, which + " is empty");
    float peak = 0;
    for (float s : a.samples) peak = std::max(peak, std::abs(s));
    if (peak >= kMinClipPeak) {
      const float at_peak = static_cast<float>(kClipPeakFraction) * peak;
      const auto flat = std::count_if(a.samples.begin(), a.samples.end(),
                                      [at_peak](float s) { return std::abs(s) >= at_peak; });
      if (static_cast<double>(flat) > kMaxClippedFraction * static_cast<double>(a.samples.size())) {
        return Refuse(kAudioClipped, which + " is clipped (" +
                                         std::to_string(100 * flat / a.samples.size()) +
                                         " % of its samples sit at the peak): record it again "
                                         "less loudly");
      }
    }
    const std::vector<double> db = FrameDb(a);
    const double loudest = *std::max_element(db.begin(), db.end());
    if (loudest < kSilentDbfs) {
      return Refuse(kAudioSilent, which + " is silent (loudest " +
                                      std::to_string(static_cast<int>(loudest)) + " dBFS)");
    }
    const double floor = std::max(loudest - kTrimBelowLoudestDb, kSilentDbfs);
    size_t first = 0;
    size_t last = db.size();
    while (first < last && db[first] < floor) ++first;
    while (last > first && db[last - 1] < floor) --last;
    const size_t frame = std::max<size_t>(1, static_cast<size_t>(a.sample_rate * kFrameSeconds));
    const auto margin = static_cast<size_t>(kTrimMarginSeconds * a.sample_rate);
    const size_t begin = first * frame > margin ? first * frame - margin : 0;
    const size_t end = std::min(a.samples.size(), last * frame + margin);
    audio::Sound trimmed{.sample_rate = a.sample_rate,
                         .samples = {a.samples.begin() + static_cast<std::ptrdiff_t>(begin),
                                     a.samples.begin() + static_cast<std::ptrdiff_t>(end)}};
    speech_seconds += trimmed.duration_seconds();
    if (speech_seconds > limits.max_speech_seconds) {
      return Refuse(kAudioTooLong, "the recordings hold more than " +
                                       std::to_string(static_cast<int>(limits.max_speech_seconds)) +
                                       " s of speech");
    }
    if (!out.samples.empty()) {
      out.samples.insert(out.samples.end(),
                         static_cast<size_t>(kJoinSilenceSeconds * limits.sample_rate), 0.0f);
    }
    const audio::Sound resampled = audio::Resample(trimmed, limits.sample_rate);
    out.samples.insert(out.samples.end(), resampled.samples.begin(), resampled.samples.end());
  }
  if (speech_seconds < limits.min_speech_seconds) {
    return Refuse(kAudioTooShort, "the recordings hold " +
                                      std::to_string(speech_seconds).substr(0, 4) +
                                      " s of speech; at least " +
                                      std::to_string(static_cast<int>(limits.min_speech_seconds)) +
                                      " s are needed");
  }
  return out;
}

}  // namespace vmsg::library
