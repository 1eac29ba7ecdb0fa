// Audio files in and out, in memory: any file libavformat reads (MP3, WAV, OGG, FLAC, M4A)
// decoded to float PCM at a chosen rate and channel count; MP3 (LAME) and 16-bit WAV out.
#pragma once

#include <string>
#include <string_view>

#include "audio/sound.h"
#include "common/result.h"

namespace vmsg::audio {

// The longest audio DecodeAudio accepts; longer input is refused before it fills memory.
inline constexpr double kMaxDecodedSeconds = 20 * 60;

// Decodes the first audio stream of `bytes` to `sample_rate` Hz in `channels` (1 or 2)
// channels. Refusals, all InvalidArgument unless noted:
//   "audio_unsupported": empty input, a format libavformat does not recognise, a file
//     without an audio stream (a JPEG), or a codec this build cannot decode;
//   "audio_corrupt": a file that starts like audio (ID3, MPEG sync, RIFF/WAVE, OggS, fLaC,
//     ftyp) but cannot be opened (a truncated header), or whose audio cannot be decoded or
//     decodes to no samples;
//   ResourceExhausted "audio_too_long": more than kMaxDecodedSeconds.
// A file truncated after some good frames decodes to what is there, as players do.
// `sample_rate` must be positive. Thread-safe (no shared state).
Result<Sound> DecodeAudio(std::string_view bytes, int sample_rate, int channels);

// `sound` resampled (libswresample) and remixed to `sample_rate` and `channels` (1 or 2);
// a copy when both already match.
Result<Sound> Convert(const Sound& sound, int sample_rate, int channels);

struct Mp3Options {
  int bit_rate = 192000;  // constant bit rate, bits per second
};

// An MP3 file (MPEG-1 Layer III by libmp3lame, with a Xing/LAME header carrying the
// encoder delay and padding so decoders return exactly the samples given). The sample
// rate must be one MPEG-1/2 allows (48000, 44100, 32000, 24000, ...), else InvalidArgument
// "audio_unsupported"; Unavailable when this libavcodec has no libmp3lame encoder.
// The bytes depend only on the input (bit-exact mode: no encoder version string).
Result<std::string> EncodeMp3(const Sound& sound, const Mp3Options& options = {});

// A RIFF/WAVE file, 16-bit PCM, mono or stereo (mono through voice::EncodeWav).
std::string EncodeWav(const Sound& sound);

}  // namespace vmsg::audio
