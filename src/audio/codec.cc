// libav* behind Status: a read-only AVIOContext over the caller's bytes for decoding, a
// growing seekable one for encoding (the MP3 muxer seeks back to fill in its Xing header),
// and one function that maps libav error codes to vmsg's refusals.
#include "audio/codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include "audio/memory_io.h"

namespace vmsg::audio {
namespace {

Status Unsupported(const std::string& message) {
  return Status::InvalidArgument("audio: " + message, std::string(kUnsupportedAudio));
}

Status Corrupt(const std::string& message) {
  return Status::InvalidArgument("audio: " + message, std::string(kAudioCorrupt));
}

// Out of memory and the like: not the input's fault.
Status LibavFailure(const std::string& what, int code) { return AvFailure("audio", what, code); }

struct IoDeleter {
  void operator()(AVIOContext* c) const {
    av_freep(&c->buffer);
    avio_context_free(&c);
  }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using IoPtr = std::unique_ptr<AVIOContext, IoDeleter>;

// The caller's bytes as a seekable read-only stream.
struct ReadCursor {
  std::string_view bytes;
  size_t at = 0;
};

int ReadPacket(void* opaque, uint8_t* buf, int size) {
  auto* cursor = static_cast<ReadCursor*>(opaque);
  const size_t n = std::min(static_cast<size_t>(size), cursor->bytes.size() - cursor->at);
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buf, cursor->bytes.data() + cursor->at, n);
  cursor->at += n;
  return static_cast<int>(n);
}

int64_t SeekRead(void* opaque, int64_t offset, int whence) {
  auto* cursor = static_cast<ReadCursor*>(opaque);
  return SeekInMemory(cursor->at, static_cast<int64_t>(cursor->bytes.size()), offset, whence,
                      /*may_pass_end=*/false);
}

// A growing file in memory that the muxer may seek back into and overwrite.
struct WriteCursor {
  std::string bytes;
  size_t at = 0;
};

int WritePacket(void* opaque, uint8_t* buf, int size) {
  auto* cursor = static_cast<WriteCursor*>(opaque);
  const auto n = static_cast<size_t>(size);
  if (cursor->at + n > cursor->bytes.size()) cursor->bytes.resize(cursor->at + n);
  std::memcpy(cursor->bytes.data() + cursor->at, buf, n);
  cursor->at += n;
  return size;
}

int64_t SeekWrite(void* opaque, int64_t offset, int whence) {
  auto* cursor = static_cast<WriteCursor*>(opaque);
  return SeekInMemory(cursor->at, static_cast<int64_t>(cursor->bytes.size()), offset, whence,
                      /*may_pass_end=*/true);
}

Result<IoPtr> NewIo(void* opaque, bool writable) {
  AVIOContext* io =
      NewMemoryIo(opaque, writable, ReadPacket, WritePacket, writable ? SeekWrite : SeekRead);
  if (io == nullptr) return LibavFailure("allocating an I/O context", AVERROR(ENOMEM));
  return IoPtr(io);
}

void SetLayout(AVChannelLayout* layout, int channels) {
  av_channel_layout_default(layout, channels);
}

// Converts to interleaved float at `rate` and `channels`, appending to `out`.
class Resampler {
 public:
  static Result<Resampler> Create(const AVChannelLayout& in_layout, AVSampleFormat in_format,
                                  int in_rate, int out_rate, int out_channels) {
    // libswresample spreads mono to stereo 3 dB down on each side; vmsg copies it at full
    // level (as FromMono does), so mono is resampled as mono and copied afterwards.
    const bool copy_to_stereo = in_layout.nb_channels == 1 && out_channels == 2;
    AVChannelLayout out_layout;
    SetLayout(&out_layout, copy_to_stereo ? 1 : out_channels);
    SwrContext* raw = nullptr;
    // FFmpeg 5.1 declares the input layout non-const but only reads it.
    int rc = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_FLT, out_rate,
                                 const_cast<AVChannelLayout*>(&in_layout), in_format, in_rate, 0,
                                 nullptr);
    av_channel_layout_uninit(&out_layout);
    SwrPtr swr(raw);
    if (rc < 0) return Unsupported("cannot convert this channel layout: " + AvError(rc));
    if ((rc = swr_init(swr.get())) < 0) {
      return Unsupported("cannot convert this sample format: " + AvError(rc));
    }
    Resampler resampler(std::move(swr), copy_to_stereo ? 1 : out_channels, copy_to_stereo);
    resampler.in_format_ = in_format;
    resampler.in_rate_ = in_rate;
    resampler.in_layout_.reset(new AVChannelLayout{});
    if ((rc = av_channel_layout_copy(resampler.in_layout_.get(), &in_layout)) < 0) {
      return LibavFailure("copying a channel layout", rc);
    }
    return resampler;
  }

  // True when `frame` has the layout, sample format and rate this resampler was made for.
  // A stream may change them between frames (an MP3 going from mono to stereo); handing
  // such a frame to the old resampler makes it read planes that are not there.
  bool Takes(const AVFrame& frame) const {
    return frame.format == in_format_ && frame.sample_rate == in_rate_ &&
           av_channel_layout_compare(&frame.ch_layout, in_layout_.get()) == 0;
  }

  // `data` null flushes what the resampler holds.
  Status Push(const uint8_t** data, int frames, std::vector<float>& out) {
    const int64_t capacity = swr_get_out_samples(swr_.get(), frames);
    if (capacity < 0) return LibavFailure("sizing resampler output", static_cast<int>(capacity));
    const size_t before = out.size();
    const size_t width = copy_to_stereo_ ? 2 : swr_channels_;
    out.resize(before + static_cast<size_t>(capacity) * width);
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + before);
    const int got = swr_convert(swr_.get(), &dst, static_cast<int>(capacity), data, frames);
    if (got < 0) {
      out.resize(before);
      return LibavFailure("resampling", got);
    }
    const auto produced = static_cast<size_t>(got);
    if (copy_to_stereo_) {
      // Spread in place from the back so no sample is overwritten before it is copied.
      for (size_t i = produced; i-- > 0;) {
        const float v = out[before + i];
        out[before + 2 * i] = v;
        out[before + 2 * i + 1] = v;
      }
    }
    out.resize(before + produced * width);
    return Status::Ok();
  }

 private:
  Resampler(SwrPtr swr, size_t swr_channels, bool copy_to_stereo)
      : swr_(std::move(swr)), swr_channels_(swr_channels), copy_to_stereo_(copy_to_stereo) {}

  struct LayoutDeleter {
    void operator()(AVChannelLayout* layout) const {
      av_channel_layout_uninit(layout);
      delete layout;
    }
  };

  SwrPtr swr_;
  size_t swr_channels_;
  bool copy_to_stereo_;
  int in_format_ = AV_SAMPLE_FMT_NONE;
  int in_rate_ = 0;
  std::unique_ptr<AVChannelLayout, LayoutDeleter> in_layout_;
};

// True when `bytes` start like one of the audio files we take (ID3-tagged or bare MPEG
// audio, RIFF/WAVE, Ogg, FLAC, an ISO media file, Matroska/WebM): such a file that libavformat
// cannot open is damaged rather than foreign.
bool ClaimsToBeAudio(std::string_view bytes) {
  auto at = [&](size_t i) { return i < bytes.size() ? static_cast<uint8_t>(bytes[i]) : 0; };
  const bool mpeg_sync = at(0) == 0xFF && (at(1) & 0xE0) == 0xE0;
  return bytes.starts_with("ID3") || mpeg_sync ||
         (bytes.starts_with("RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WAVE") ||
         bytes.starts_with("OggS") || bytes.starts_with("fLaC") ||
         (bytes.size() >= 8 && bytes.substr(4, 4) == "ftyp") ||
         bytes.starts_with("\x1a\x45\xdf\xa3");  // EBML: Matroska / WebM
}

// Samples per frame handed to encoders that take any size.
constexpr size_t kVariableFrameSamples = 1024;

struct EncoderChoice {
  const char* muxer;
  const char* encoder;
};

EncoderChoice ChoiceFor(AudioFormat format) {
  switch (format) {
    case AudioFormat::kMp3:
      return {"mp3", "libmp3lame"};
    case AudioFormat::kFlac:
      return {"flac", "flac"};
    case AudioFormat::kOggVorbis:
      return {"ogg", "libvorbis"};
    case AudioFormat::kM4aAac:
      return {"ipod", "aac"};
  }
  return {"mp3", "libmp3lame"};
}

bool Writable(AVSampleFormat format) {
  return format == AV_SAMPLE_FMT_FLTP || format == AV_SAMPLE_FMT_FLT ||
         format == AV_SAMPLE_FMT_S16 || format == AV_SAMPLE_FMT_S16P ||
         format == AV_SAMPLE_FMT_S32 || format == AV_SAMPLE_FMT_S32P;
}

// The encoder's first sample format FillFrame writes.
Result<AVSampleFormat> PickSampleFormat(const AVCodec& encoder) {
  for (const AVSampleFormat* f = encoder.sample_fmts; f != nullptr && *f != AV_SAMPLE_FMT_NONE;
       ++f) {
    if (Writable(*f)) return *f;
  }
  return Status::Internal(std::string("audio: no usable sample format for ") + encoder.name);
}

// Copies frames [start, start + n) of `sound` into `frame`, in its (allocated) format.
void FillFrame(const Sound& sound, size_t start, size_t n, AVFrame& frame) {
  const auto format = static_cast<AVSampleFormat>(frame.format);
  const bool planar = av_sample_fmt_is_planar(format) != 0;
  const auto channels = static_cast<size_t>(sound.channels);
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < channels; ++c) {
      const float v = std::clamp(sound.samples[(start + i) * channels + c], -1.0f, 1.0f);
      uint8_t* base = frame.extended_data[planar ? c : 0];
      const size_t index = planar ? i : i * channels + c;
      switch (format) {
        case AV_SAMPLE_FMT_FLT:
        case AV_SAMPLE_FMT_FLTP:
          reinterpret_cast<float*>(base)[index] = v;
          break;
        case AV_SAMPLE_FMT_S16:
        case AV_SAMPLE_FMT_S16P:
          reinterpret_cast<int16_t*>(base)[index] = static_cast<int16_t>(std::lround(v * 32767.0));
          break;
        default:  // S32, S32P (PickSampleFormat allows nothing else)
          reinterpret_cast<int32_t*>(base)[index] =
              static_cast<int32_t>(std::lround(static_cast<double>(v) * 2147483647.0));
          break;
      }
    }
  }
}

Status CheckChannels(int channels) {
  if (channels != 1 && channels != 2) {
    return Status::InvalidArgument("audio: channels must be 1 or 2", "invalid_audio_format");
  }
  return Status::Ok();
}

}  // namespace

Result<Sound> DecodeAudio(std::string_view bytes, int sample_rate, int channels) {
  if (sample_rate <= 0) {
    return Status::InvalidArgument("audio: sample rate must be positive", "invalid_audio_format");
  }
  return DecodeAudio(bytes, DecodeOptions{.sample_rate = sample_rate, .channels = channels});
}

Result<Sound> DecodeAudio(std::string_view bytes, const DecodeOptions& options) {
  const int channels = options.channels;
  VMSG_RETURN_IF_ERROR(CheckChannels(channels));
  if (options.sample_rate < 0) {
    return Status::InvalidArgument("audio: sample rate must not be negative",
                                   "invalid_audio_format");
  }
  if (bytes.empty()) return Unsupported("empty file");
  // libav logs to stderr; damaged uploads would fill it with decoder warnings.
  static std::once_flag quiet;
  // libav's log goes to stderr, outside our logger; its failures come back as error
  // codes, which the refusals name.
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });

  ReadCursor cursor{bytes};
  VMSG_ASSIGN_OR_RETURN(IoPtr io, NewIo(&cursor, /*writable=*/false));
  AVFormatContext* raw_format = avformat_alloc_context();
  if (raw_format == nullptr) return LibavFailure("allocating a demuxer", AVERROR(ENOMEM));
  raw_format->pb = io.get();
  raw_format->flags |= AVFMT_FLAG_CUSTOM_IO;
  // avformat_open_input frees the context itself when it fails.
  int rc = avformat_open_input(&raw_format, nullptr, nullptr, nullptr);
  if (rc < 0) {
    const std::string why = " (" + AvError(rc) + ")";
    return ClaimsToBeAudio(bytes) ? Corrupt("a damaged audio file" + why)
                                  : Unsupported("not a recognised audio file" + why);
  }
  std::unique_ptr<AVFormatContext, FormatInputDeleter> format(raw_format);
  if (!options.accepted_formats.empty() &&
      std::find(options.accepted_formats.begin(), options.accepted_formats.end(),
                std::string_view(format->iformat->name)) == options.accepted_formats.end()) {
    return Unsupported(std::string("the file is ") + format->iformat->long_name +
                       ", not one of the accepted kinds");
  }
  if ((rc = avformat_find_stream_info(format.get(), nullptr)) < 0) {
    return Corrupt("cannot read the stream parameters (" + AvError(rc) + ")");
  }
  const AVCodec* decoder = nullptr;
  const int stream_index =
      av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (stream_index == AVERROR_STREAM_NOT_FOUND) return Unsupported("the file has no audio");
  if (stream_index < 0 || decoder == nullptr) {
    return Unsupported("no decoder for this audio codec");
  }
  const AVStream* stream = format->streams[stream_index];

  std::unique_ptr<AVCodecContext, CodecDeleter> codec(avcodec_alloc_context3(decoder));
  if (!codec) return LibavFailure("allocating a decoder", AVERROR(ENOMEM));
  if ((rc = avcodec_parameters_to_context(codec.get(), stream->codecpar)) < 0) {
    return Corrupt("bad codec parameters (" + AvError(rc) + ")");
  }
  codec->pkt_timebase = stream->time_base;
  if ((rc = avcodec_open2(codec.get(), decoder, nullptr)) < 0) {
    return Corrupt("cannot open the decoder (" + AvError(rc) + ")");
  }

  // The output rate: the caller's, or the stream's own (known from the first frame).
  int sample_rate = options.sample_rate;
  Sound sound{sample_rate, channels, {}};
  size_t max_values = 0;
  std::optional<Resampler> resampler;
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame) return LibavFailure("allocating frames", AVERROR(ENOMEM));
  int decode_errors = 0;
  int64_t decoded_frames = 0;
  std::string last_error;

  const auto TooLong = [&options] {
    return Status::ResourceExhausted(
        "audio: longer than " + std::to_string(static_cast<int>(options.max_seconds)) + " s",
        std::string(kAudioTooLong));
  };
  // Drains every frame the decoder has ready into `sound`.
  auto drain = [&]() -> Status {
    while (true) {
      const int got = avcodec_receive_frame(codec.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return Status::Ok();
      if (got < 0) {
        ++decode_errors;
        last_error = AvError(got);
        return Status::Ok();
      }
      if (resampler && !resampler->Takes(*frame)) {
        // The stream changed its layout, format or rate: what the old resampler holds is
        // flushed, and a new one takes over at the same output rate.
        VMSG_RETURN_IF_ERROR(resampler->Push(nullptr, 0, sound.samples));
        resampler.reset();
      }
      if (!resampler) {
        if (frame->ch_layout.nb_channels <= 0 || frame->sample_rate <= 0) {
          return Corrupt("a frame without channels or rate");
        }
        // Checked whatever the output rate: a file claiming 5 Hz would be resampled to
        // thousands of times its size.
        if (frame->sample_rate < options.min_rate || frame->sample_rate > options.max_rate) {
          return Unsupported("a sample rate of " + std::to_string(frame->sample_rate) +
                             " Hz is outside " + std::to_string(options.min_rate) + "-" +
                             std::to_string(options.max_rate) + " Hz");
        }
        if (sample_rate == 0) sample_rate = sound.sample_rate = frame->sample_rate;
        max_values =
            static_cast<size_t>(options.max_seconds * sample_rate) * static_cast<size_t>(channels);
        VMSG_ASSIGN_OR_RETURN(
            Resampler created,
            Resampler::Create(frame->ch_layout, static_cast<AVSampleFormat>(frame->format),
                              frame->sample_rate, sample_rate, channels));
        resampler.emplace(std::move(created));
      }
      decoded_frames += frame->nb_samples;
      VMSG_RETURN_IF_ERROR(resampler->Push(const_cast<const uint8_t**>(frame->extended_data),
                                           frame->nb_samples, sound.samples));
      av_frame_unref(frame.get());
      if (sound.samples.size() > max_values) return TooLong();
    }
  };

  while (true) {
    rc = av_read_frame(format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) {
      // A read error after good audio is a truncated file: keep what decoded.
      if (decoded_frames > 0) break;
      return Corrupt("cannot read audio packets (" + AvError(rc) + ")");
    }
    if (packet->stream_index == stream_index) {
      rc = avcodec_send_packet(codec.get(), packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN)) {
        ++decode_errors;
        last_error = AvError(rc);
      }
      VMSG_RETURN_IF_ERROR(drain());
    }
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(codec.get(), nullptr);
  VMSG_RETURN_IF_ERROR(drain());
  if (resampler) VMSG_RETURN_IF_ERROR(resampler->Push(nullptr, 0, sound.samples));
  if (sound.samples.size() > max_values) return TooLong();
  if (sound.samples.empty()) {
    return Corrupt(decode_errors > 0 ? "no audio could be decoded (" + last_error + ")"
                                     : "the file holds no audio samples");
  }
  // A floating-point file may carry NaN or infinity, which no later step could mix.
  if (!std::all_of(sound.samples.begin(), sound.samples.end(),
                   [](float s) { return std::isfinite(s); })) {
    return Corrupt("the file holds samples that are not numbers (NaN or infinity)");
  }
  return sound;
}

Result<Sound> Convert(const Sound& sound, int sample_rate, int channels) {
  VMSG_RETURN_IF_ERROR(CheckChannels(channels));
  VMSG_RETURN_IF_ERROR(CheckChannels(sound.channels));
  if (sample_rate <= 0 || sound.sample_rate <= 0) {
    return Status::InvalidArgument("audio: sample rate must be positive", "invalid_audio_format");
  }
  Sound out = Resample(sound, sample_rate);
  if (out.channels == channels) return out;
  if (channels == 2) return FromMono(out, 2);
  // Stereo to mono: the two channels' mean.
  Sound mono{.sample_rate = out.sample_rate, .channels = 1, .samples = {}};
  mono.samples.reserve(out.frames());
  for (size_t i = 0; i + 1 < out.samples.size(); i += 2) {
    mono.samples.push_back(0.5f * (out.samples[i] + out.samples[i + 1]));
  }
  return mono;
}

Result<std::string> EncodeAudio(const Sound& sound, AudioFormat format_choice, int bit_rate) {
  VMSG_RETURN_IF_ERROR(CheckChannels(sound.channels));
  const EncoderChoice choice = ChoiceFor(format_choice);
  const AVCodec* encoder = avcodec_find_encoder_by_name(choice.encoder);
  if (encoder == nullptr) {
    return Status::Unavailable(std::string("audio: this libavcodec has no ") + choice.encoder +
                               " encoder");
  }
  bool rate_ok = encoder->supported_samplerates == nullptr;
  for (const int* r = encoder->supported_samplerates; r != nullptr && *r != 0; ++r) {
    rate_ok = rate_ok || *r == sound.sample_rate;
  }
  if (!rate_ok) {
    return Unsupported(std::string(choice.encoder) + " cannot carry " +
                       std::to_string(sound.sample_rate) + " Hz");
  }
  VMSG_ASSIGN_OR_RETURN(const AVSampleFormat sample_format, PickSampleFormat(*encoder));

  std::unique_ptr<AVCodecContext, CodecDeleter> codec(avcodec_alloc_context3(encoder));
  if (!codec) return LibavFailure("allocating an encoder", AVERROR(ENOMEM));
  codec->sample_fmt = sample_format;
  codec->sample_rate = sound.sample_rate;
  SetLayout(&codec->ch_layout, sound.channels);
  if (bit_rate > 0) codec->bit_rate = bit_rate;
  codec->time_base = AVRational{1, sound.sample_rate};
  codec->flags |= AV_CODEC_FLAG_BITEXACT;
  int rc = avcodec_open2(codec.get(), encoder, nullptr);
  if (rc < 0) return LibavFailure("opening the encoder", rc);

  WriteCursor cursor;
  VMSG_ASSIGN_OR_RETURN(IoPtr io, NewIo(&cursor, /*writable=*/true));
  AVFormatContext* raw_format = nullptr;
  rc = avformat_alloc_output_context2(&raw_format, nullptr, choice.muxer, nullptr);
  if (rc < 0) return LibavFailure("allocating the muxer", rc);
  std::unique_ptr<AVFormatContext, FormatOutputDeleter> format(raw_format);
  format->pb = io.get();
  format->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;
  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  if (stream == nullptr) return LibavFailure("adding the audio stream", AVERROR(ENOMEM));
  stream->time_base = codec->time_base;
  if ((rc = avcodec_parameters_from_context(stream->codecpar, codec.get())) < 0) {
    return LibavFailure("copying the encoder parameters", rc);
  }
  if ((rc = avformat_write_header(format.get(), nullptr)) < 0) {
    return LibavFailure("writing the audio header", rc);
  }

  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame) return LibavFailure("allocating frames", AVERROR(ENOMEM));
  auto write_ready = [&]() -> Status {
    while (true) {
      const int got = avcodec_receive_packet(codec.get(), packet.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return Status::Ok();
      if (got < 0) return LibavFailure("encoding", got);
      packet->stream_index = stream->index;
      av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
      const int written = av_interleaved_write_frame(format.get(), packet.get());
      if (written < 0) return LibavFailure("writing a packet", written);
    }
  };

  const size_t total = sound.frames();
  const auto frame_size =
      static_cast<size_t>(codec->frame_size > 0 ? codec->frame_size : kVariableFrameSamples);
  for (size_t start = 0; start < total; start += frame_size) {
    const size_t n = std::min(frame_size, total - start);
    frame->nb_samples = static_cast<int>(n);
    frame->format = codec->sample_fmt;
    frame->sample_rate = codec->sample_rate;
    if ((rc = av_channel_layout_copy(&frame->ch_layout, &codec->ch_layout)) < 0 ||
        (rc = av_frame_get_buffer(frame.get(), 0)) < 0) {
      return LibavFailure("allocating an audio frame", rc);
    }
    FillFrame(sound, start, n, *frame);
    frame->pts = static_cast<int64_t>(start);
    rc = avcodec_send_frame(codec.get(), frame.get());
    av_frame_unref(frame.get());
    if (rc < 0) return LibavFailure("encoding", rc);
    VMSG_RETURN_IF_ERROR(write_ready());
  }
  if ((rc = avcodec_send_frame(codec.get(), nullptr)) < 0) {
    return LibavFailure("flushing the audio encoder", rc);
  }
  VMSG_RETURN_IF_ERROR(write_ready());
  if ((rc = av_write_trailer(format.get())) < 0) {
    return LibavFailure("finishing the file", rc);
  }
  avio_flush(io.get());
  return std::move(cursor.bytes);
}

Result<std::string> EncodeMp3(const Sound& sound, const Mp3Options& options) {
  return EncodeAudio(sound, AudioFormat::kMp3, options.bit_rate);
}

}  // namespace vmsg::audio
