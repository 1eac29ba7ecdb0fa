// libav decoding from memory and the cleaning of recordings (see recording.h).
#include "voices/recording.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace vmsg::voices {
namespace {

// Demuxers (libavformat names) of the accepted kinds; the probe decides, never the name.
constexpr std::string_view kAcceptedFormats[] = {"wav", "mp3",  "mov,mp4,m4a,3gp,3g2,mj2",
                                                 "ogg", "flac", "matroska,webm"};
constexpr int kIoBufferBytes = 64 * 1024;
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

// Signatures of the accepted containers: a file that starts like one but that libav cannot
// even probe is a damaged file of that kind (audio_corrupt), not an unsupported one.
bool LooksLikeAcceptedAudio(std::string_view b) {
  auto at = [&](size_t pos, std::string_view sig) { return b.substr(pos, sig.size()) == sig; };
  return at(0, "RIFF") || at(0, "fLaC") || at(0, "OggS") || at(0, "ID3") ||
         at(0, "\x1a\x45\xdf\xa3") || at(4, "ftyp");
}

std::string AvError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

struct MemoryInput {
  std::string_view data;
  size_t pos = 0;
};

int ReadMemory(void* opaque, uint8_t* buf, int size) {
  auto* in = static_cast<MemoryInput*>(opaque);
  const size_t n = std::min(static_cast<size_t>(size), in->data.size() - in->pos);
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buf, in->data.data() + in->pos, n);
  in->pos += n;
  return static_cast<int>(n);
}

int64_t SeekMemory(void* opaque, int64_t offset, int whence) {
  auto* in = static_cast<MemoryInput*>(opaque);
  const auto size = static_cast<int64_t>(in->data.size());
  if (whence & AVSEEK_SIZE) return size;
  int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      target = offset;
      break;
    case SEEK_CUR:
      target = static_cast<int64_t>(in->pos) + offset;
      break;
    case SEEK_END:
      target = size + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (target < 0 || target > size) return AVERROR(EINVAL);
  in->pos = static_cast<size_t>(target);
  return target;
}

// Owners of the libav objects, freed in reverse order of creation.
struct IoDeleter {
  void operator()(AVIOContext* io) const {
    if (io != nullptr) av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct FormatDeleter {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};

// Converts decoded frames to mono float at their own rate.
class MonoConverter {
 public:
  Status Add(const AVFrame& frame, std::vector<float>& out) {
    if (frame.sample_rate < kMinSampleRate || frame.sample_rate > kMaxSampleRate) {
      return Refuse(kUnsupportedAudio, "a sample rate of " + std::to_string(frame.sample_rate) +
                                           " Hz is outside " + std::to_string(kMinSampleRate) +
                                           "–" + std::to_string(kMaxSampleRate) + " Hz");
    }
    if (!swr_) {
      AVChannelLayout in_layout;
      if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame.ch_layout.nb_channels == 0) {
        av_channel_layout_default(&in_layout, std::max(frame.ch_layout.nb_channels, 1));
      } else if (av_channel_layout_copy(&in_layout, &frame.ch_layout) < 0) {
        return Status::Internal("cannot copy the channel layout");
      }
      AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
      SwrContext* swr = nullptr;
      int rc = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, frame.sample_rate, &in_layout,
                                   static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0,
                                   nullptr);
      av_channel_layout_uninit(&in_layout);
      swr_.reset(swr);
      if (rc < 0 || (rc = swr_init(swr)) < 0) {
        return Refuse(kAudioCorrupt,
                      "the audio's sample format cannot be converted: " + AvError(rc));
      }
      rate_ = frame.sample_rate;
    }
    if (frame.sample_rate != rate_) {
      return Refuse(kAudioCorrupt, "the sample rate changes inside the file");
    }
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(frame.nb_samples));
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + at);
    const int n = swr_convert(swr_.get(), &dst, frame.nb_samples,
                              const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
    if (n < 0) return Refuse(kAudioCorrupt, "audio conversion failed: " + AvError(n));
    out.resize(at + static_cast<size_t>(n));
    return Status::Ok();
  }
  int rate() const { return rate_; }

 private:
  std::unique_ptr<SwrContext, SwrDeleter> swr_;
  int rate_ = 0;
};

// 10 ms frame levels in dBFS.
std::vector<double> FrameDb(const voice::Audio& a) {
  const size_t frame = std::max<size_t>(1, static_cast<size_t>(a.sample_rate * kFrameSeconds));
  std::vector<double> db;
  for (size_t i = 0; i < a.samples.size(); i += frame) {
    const double rms = voice::Rms(a, i, i + frame);
    db.push_back(rms > 0 ? 20 * std::log10(rms) : -200);
  }
  return db;
}

}  // namespace

Result<voice::Audio> DecodeRecording(std::string_view bytes, const RecordingLimits& limits) {
  if (bytes.empty()) return Refuse(kAudioTooShort, "the file is empty");
  MemoryInput input{bytes, 0};
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  if (buffer == nullptr) return Status::ResourceExhausted("out of memory");
  std::unique_ptr<AVIOContext, IoDeleter> io(
      avio_alloc_context(buffer, kIoBufferBytes, 0, &input, ReadMemory, nullptr, SeekMemory));
  if (!io) {
    av_free(buffer);
    return Status::ResourceExhausted("out of memory");
  }
  const AVInputFormat* format = nullptr;
  // libav's log goes to stderr; damaged uploads would fill it with decoder warnings.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_ERROR); });
  if (av_probe_input_buffer(io.get(), &format, nullptr, nullptr, 0, 0) < 0 || format == nullptr) {
    if (LooksLikeAcceptedAudio(bytes)) {
      return Refuse(kAudioCorrupt, "the file starts like audio but its header is damaged or cut");
    }
    return Refuse(kUnsupportedAudio,
                  "the file is not audio of a supported kind (WAV, MP3, M4A, "
                  "OGG, FLAC or WebM)");
  }
  if (std::find(std::begin(kAcceptedFormats), std::end(kAcceptedFormats),
                std::string_view(format->name)) == std::end(kAcceptedFormats)) {
    return Refuse(kUnsupportedAudio, std::string("the file is ") + format->long_name +
                                         ", not audio of a supported kind (WAV, MP3, M4A, OGG, "
                                         "FLAC or WebM)");
  }
  AVFormatContext* raw_format = avformat_alloc_context();
  if (raw_format == nullptr) return Status::ResourceExhausted("out of memory");
  raw_format->pb = io.get();
  raw_format->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (int rc = avformat_open_input(&raw_format, nullptr, format, nullptr); rc < 0) {
    // avformat_open_input frees the context on failure.
    return Refuse(kAudioCorrupt,
                  "the " + std::string(format->name) + " file cannot be read: " + AvError(rc));
  }
  std::unique_ptr<AVFormatContext, FormatDeleter> fmt(raw_format);
  if (int rc = avformat_find_stream_info(fmt.get(), nullptr); rc < 0) {
    return Refuse(kAudioCorrupt, "the file's streams cannot be read: " + AvError(rc));
  }
  const AVCodec* codec = nullptr;
  const int stream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream < 0 || codec == nullptr) {
    return Refuse(kUnsupportedAudio, stream == AVERROR_DECODER_NOT_FOUND
                                         ? "no decoder for the file's audio"
                                         : "the file has no audio stream");
  }
  std::unique_ptr<AVCodecContext, CodecDeleter> dec(avcodec_alloc_context3(codec));
  if (!dec) return Status::ResourceExhausted("out of memory");
  if (avcodec_parameters_to_context(dec.get(), fmt->streams[stream]->codecpar) < 0 ||
      avcodec_open2(dec.get(), codec, nullptr) < 0) {
    return Refuse(kAudioCorrupt, std::string("the ") + codec->name + " audio cannot be decoded");
  }
  std::unique_ptr<AVPacket, PacketDeleter> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameDeleter> frame(av_frame_alloc());
  if (!packet || !frame) return Status::ResourceExhausted("out of memory");

  MonoConverter converter;
  std::vector<float> samples;
  int decode_errors = 0;
  auto drain = [&]() -> Status {
    for (;;) {
      const int rc = avcodec_receive_frame(dec.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::Ok();
      if (rc < 0) {
        ++decode_errors;
        return Status::Ok();
      }
      VMSG_RETURN_IF_ERROR(converter.Add(*frame, samples));
      av_frame_unref(frame.get());
      if (samples.size() > limits.max_decoded_seconds * converter.rate()) {
        return Refuse(kAudioTooLong,
                      "a recording holds more than " +
                          std::to_string(static_cast<int>(limits.max_decoded_seconds)) +
                          " s of audio");
      }
    }
  };
  // A read error past the header (a truncated file) ends the stream: what decoded counts.
  while (av_read_frame(fmt.get(), packet.get()) >= 0) {
    if (packet->stream_index == stream) {
      // Damaged packets are skipped, as players do; only a file with nothing decodable fails.
      if (avcodec_send_packet(dec.get(), packet.get()) < 0) ++decode_errors;
      av_packet_unref(packet.get());
      VMSG_RETURN_IF_ERROR(drain());
    } else {
      av_packet_unref(packet.get());
    }
  }
  avcodec_send_packet(dec.get(), nullptr);
  VMSG_RETURN_IF_ERROR(drain());
  if (samples.empty() || converter.rate() <= 0) {
    return Refuse(kAudioCorrupt, "no audio could be decoded from the file" +
                                     std::string(decode_errors > 0 ? " (damaged data)" : ""));
  }
  return voice::Audio{.sample_rate = converter.rate(), .samples = std::move(samples)};
}

Result<voice::Audio> CleanRecordings(const std::vector<voice::Audio>& recordings,
                                     const RecordingLimits& limits) {
  if (recordings.empty()) return Refuse(kAudioTooShort, "no recording");
  if (recordings.size() > limits.max_files) {
    return Refuse(kTooManyFiles,
                  "at most " + std::to_string(limits.max_files) + " recordings per voice");
  }
  voice::Audio out{.sample_rate = limits.sample_rate, .samples = {}};
  double speech_seconds = 0;
  for (size_t i = 0; i < recordings.size(); ++i) {
    const voice::Audio& a = recordings[i];
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
    voice::Audio trimmed{.sample_rate = a.sample_rate,
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
    const voice::Audio resampled = voice::Resample(trimmed, limits.sample_rate);
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

}  // namespace vmsg::voices
