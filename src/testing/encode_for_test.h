// TEST-ONLY: encodes audio into real files of the kinds users upload (WAV, FLAC, MP3, OGG
// Vorbis, M4A/AAC, WebM Opus) and one JPEG image, with libav's own encoders and muxers, so
// decoding tests run on genuine files. Not linked into any library.
#pragma once

#include <string>
#include <string_view>

#include "audio/pcm.h"
#include "base/result.h"

namespace vmsg::test {

// `muxer` (e.g. "flac", "mp3", "ogg", "ipod", "webm") with `encoder` (e.g. "flac",
// "libmp3lame", "libvorbis", "aac", "libopus") at `rate`, `channels` (the mono input copied
// to each). Unavailable when the encoder or muxer is not in this libav build.
Result<std::string> EncodeAudioFile(const audio::Sound& audio, std::string_view muxer,
                                    std::string_view encoder, int rate, int channels);

// A small grey JPEG image (libav's mjpeg encoder).
Result<std::string> EncodeJpeg(int width, int height);

}  // namespace vmsg::test
