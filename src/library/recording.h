// Reference recordings for custom voices: decoding an uploaded file of any supported kind
// (WAV, MP3, M4A/AAC, OGG Vorbis/Opus, FLAC, WebM) from memory with libav, and cleaning the
// set of recordings into one 24 kHz mono reference: clipping and silence refused, leading
// and trailing silence trimmed, the speech length checked.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "audio/codec.h"
#include "audio/pcm.h"
#include "base/result.h"

namespace vmsg::library {

// Refusal reasons (InvalidArgument unless noted), stable for clients.
inline constexpr std::string_view kUnsupportedAudio = audio::kUnsupportedAudio;
inline constexpr std::string_view kAudioCorrupt = audio::kAudioCorrupt;
inline constexpr std::string_view kAudioTooShort = "audio_too_short";
inline constexpr std::string_view kAudioTooLong = audio::kAudioTooLong;
inline constexpr std::string_view kAudioSilent = "audio_silent";
inline constexpr std::string_view kAudioClipped = "audio_clipped";
inline constexpr std::string_view kTooManyFiles = "too_many_files";
inline constexpr std::string_view kFileTooLarge = "file_too_large";  // ResourceExhausted

struct RecordingLimits {
  size_t max_files = 3;
  uint64_t max_file_bytes = uint64_t{10} << 20;
  double min_speech_seconds = 5;  // all recordings together, after trimming
  double max_speech_seconds = 60;
  // Decoding stops past this much audio in one file (a small compressed file can hold
  // hours): such a file is audio_too_long without being decoded whole.
  double max_decoded_seconds = 120;
  int sample_rate = 24000;  // the reference audio's rate
};

// Decodes `bytes` to mono float at the file's own rate. Errors: unsupported_audio (not a
// container of the supported kinds, no audio stream, no decoder), audio_corrupt (the
// container is recognised but cannot be read, or nothing decodes), audio_too_long (more
// than max_decoded_seconds), audio_too_short (an empty file).
Result<audio::Sound> DecodeRecording(std::string_view bytes, const RecordingLimits& limits);

// The recordings (decoded, any rates), each checked and trimmed of leading and trailing
// silence, resampled to limits.sample_rate and joined with short silences. Errors
// (`index`-numbered in messages, from 1): audio_clipped (more than 1 % of samples at the
// file's flat peak), audio_silent (no frame louder than -50 dBFS), audio_too_short /
// audio_too_long (the trimmed total outside [min, max]_speech_seconds), too_many_files.
Result<audio::Sound> CleanRecordings(const std::vector<audio::Sound>& recordings,
                                     const RecordingLimits& limits);

}  // namespace vmsg::library
