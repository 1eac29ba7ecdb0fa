// Audio files in and out, in memory: any file libavformat reads (MP3, WAV, OGG, FLAC, M4A)
// decoded to float PCM at a chosen rate and channel count; MP3 (LAME) and 16-bit WAV out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audio/sound.h"
#include "base/result.h"

namespace vmsg::audio {

// The longest audio DecodeAudio accepts; longer input is refused before it fills memory.
inline constexpr double kMaxDecodedSeconds = 20 * 60;

// Stable refusal reasons of DecodeAudio.
inline constexpr std::string_view kUnsupportedAudio = "unsupported_audio";
inline constexpr std::string_view kAudioCorrupt = "audio_corrupt";
inline constexpr std::string_view kAudioTooLong = "audio_too_long";

struct DecodeOptions {
  int sample_rate = 0;  // 0: the file's own rate
  int channels = 1;     // 1 or 2
  double max_seconds = kMaxDecodedSeconds;
  // libavformat demuxer names the caller takes ("wav", "mp3", "matroska,webm", ...); any
  // other container is unsupported_audio. Empty: every container libavformat reads.
  std::vector<std::string_view> accepted_formats;
  // With the file's own rate: rates outside [min_rate, max_rate] are unsupported_audio.
  int min_rate = 8000;
  int max_rate = 192000;
};

// Decodes the first audio stream of `bytes` as `options` say. Refusals, all InvalidArgument
// unless noted:
//   "unsupported_audio": empty input, a format libavformat does not recognise or the caller
//     does not accept, a file without an audio stream (a JPEG), or a codec this build cannot
//     decode;
//   "audio_corrupt": a file that starts like audio (ID3, MPEG sync, RIFF/WAVE, OggS, fLaC,
//     ftyp) but cannot be opened (a truncated header), or whose audio cannot be decoded or
//     decodes to no samples;
//   ResourceExhausted "audio_too_long": more than options.max_seconds.
// An MP3, WAV or FLAC file truncated after some good frames decodes to what is there, as
// players do; libavformat cannot open a truncated Ogg or MPEG-4 file (audio_corrupt).
// `sample_rate` must be positive. Thread-safe (no shared state).
Result<Sound> DecodeAudio(std::string_view bytes, const DecodeOptions& options);
// The same at `sample_rate` Hz in `channels` channels, any container.
Result<Sound> DecodeAudio(std::string_view bytes, int sample_rate, int channels);

// `sound` resampled (libswresample) and remixed to `sample_rate` and `channels` (1 or 2);
// a copy when both already match.
Result<Sound> Convert(const Sound& sound, int sample_rate, int channels);

enum class AudioFormat {
  kMp3,        // MPEG-1/2 Layer III by libmp3lame, with a Xing/LAME header
  kFlac,       // FLAC (lossless)
  kOggVorbis,  // Vorbis by libvorbis in Ogg
  kM4aAac,     // AAC (libavcodec's encoder) in an MPEG-4 audio file
};

// `sound` encoded as a file of `format`; `bit_rate` in bits per second (ignored by FLAC,
// 0 for the encoder's default). InvalidArgument "unsupported_audio" for a sample rate the
// format cannot carry, Unavailable when this libavcodec lacks the encoder. Bit-exact mode:
// the bytes depend only on the input. MP3 is what the pipeline writes; the others exist so
// decoding can be tested on real files of each kind.
Result<std::string> EncodeAudio(const Sound& sound, AudioFormat format, int bit_rate);

struct Mp3Options {
  int bit_rate = 192000;  // constant bit rate, bits per second
};

// An MP3 file (EncodeAudio with kMp3). Its Xing/LAME header carries the encoder delay and
// padding, so decoders return exactly the samples given. The sample rate must be one
// MPEG-1/2 allows (48000, 44100, 32000, 24000, ...).
Result<std::string> EncodeMp3(const Sound& sound, const Mp3Options& options = {});

}  // namespace vmsg::audio
