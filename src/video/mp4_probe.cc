// Probing with the same libraries that wrote the file: a demuxer over the bytes in memory,
// the h264 decoder, swscale back to BGR, and a walk over the top-level ISO boxes.
#include "video/mp4_probe.h"

#include <algorithm>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "video/libav_io.h"

namespace vmsg::video {
namespace {

constexpr size_t kBoxHeader = 8;
constexpr size_t kLargeBoxHeader = 16;

Status Unreadable(const std::string& why) { return Status::DataLoss("video probe: " + why); }

struct Demuxer {
  libav::IoPtr io;
  std::unique_ptr<AVFormatContext, libav::FormatInputDeleter> format;
};

Result<Demuxer> OpenDemuxer(std::string_view bytes) {
  Demuxer d;
  VMSG_ASSIGN_OR_RETURN(d.io, libav::NewReader(bytes));
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return libav::Failure("allocating a demuxer", AVERROR(ENOMEM));
  raw->pb = d.io.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  int rc = avformat_open_input(&raw, nullptr, nullptr, nullptr);
  if (rc < 0) return Unreadable("not a media file: " + libav::AvError(rc));
  d.format.reset(raw);
  if ((rc = avformat_find_stream_info(raw, nullptr)) < 0) {
    return Unreadable("no stream information: " + libav::AvError(rc));
  }
  return d;
}

std::vector<std::string> TopLevelBoxes(std::string_view bytes) {
  std::vector<std::string> boxes;
  size_t at = 0;
  while (at + kBoxHeader <= bytes.size()) {
    uint64_t size = 0;
    for (size_t i = 0; i < 4; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[at + i]);
    boxes.emplace_back(bytes.substr(at + 4, 4));
    if (size == 1 && at + kLargeBoxHeader <= bytes.size()) {
      size = 0;
      for (size_t i = 8; i < 16; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[at + i]);
    } else if (size == 0) {
      break;  // to the end of the file
    }
    if (size < kBoxHeader) break;
    at += size;
  }
  return boxes;
}

}  // namespace

bool Mp4Info::moov_before_mdat() const {
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  return moov != boxes.end() && mdat != boxes.end() && moov < mdat;
}

Result<Mp4Info> ProbeMp4(std::string_view bytes) {
  VMSG_ASSIGN_OR_RETURN(Demuxer d, OpenDemuxer(bytes));
  Mp4Info info;
  info.boxes = TopLevelBoxes(bytes);
  if (d.format->duration != AV_NOPTS_VALUE) {
    info.duration_seconds = static_cast<double>(d.format->duration) / AV_TIME_BASE;
  }
  for (unsigned i = 0; i < d.format->nb_streams; ++i) {
    const AVStream* s = d.format->streams[i];
    const AVCodecParameters* p = s->codecpar;
    if (p->codec_type == AVMEDIA_TYPE_VIDEO && info.video_codec.empty()) {
      info.video_codec = avcodec_get_name(p->codec_id);
      info.width = p->width;
      info.height = p->height;
      info.fps = av_q2d(s->avg_frame_rate);
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(p->format));
      info.pixel_format = name != nullptr ? name : "";
      info.video_frames = s->nb_frames;
      info.level = p->level;
      info.video_bit_rate = p->bit_rate;
    } else if (p->codec_type == AVMEDIA_TYPE_AUDIO && info.audio_codec.empty()) {
      info.audio_codec = avcodec_get_name(p->codec_id);
      info.sample_rate = p->sample_rate;
      info.channels = p->ch_layout.nb_channels;
    }
  }
  return info;
}

Result<std::vector<cv::Mat>> DecodeMp4Frames(std::string_view bytes, int count) {
  VMSG_ASSIGN_OR_RETURN(Demuxer d, OpenDemuxer(bytes));
  const AVCodec* decoder = nullptr;
  const int index = av_find_best_stream(d.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (index < 0 || decoder == nullptr) return Unreadable("no decodable video stream");
  libav::CodecPtr codec(avcodec_alloc_context3(decoder));
  if (!codec) return libav::Failure("allocating a decoder", AVERROR(ENOMEM));
  int rc = avcodec_parameters_to_context(codec.get(), d.format->streams[index]->codecpar);
  if (rc < 0 || (rc = avcodec_open2(codec.get(), decoder, nullptr)) < 0) {
    return Unreadable("cannot open the decoder: " + libav::AvError(rc));
  }
  libav::PacketPtr packet(av_packet_alloc());
  libav::FramePtr frame(av_frame_alloc());
  if (!packet || !frame) return libav::Failure("allocating frames", AVERROR(ENOMEM));
  std::vector<cv::Mat> out;
  libav::SwsPtr sws;
  auto drain = [&]() -> Status {
    while (static_cast<int>(out.size()) < count) {
      const int got = avcodec_receive_frame(codec.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return Status::Ok();
      if (got < 0) return Unreadable("decoding: " + libav::AvError(got));
      if (!sws) {
        sws.reset(sws_getContext(frame->width, frame->height,
                                 static_cast<AVPixelFormat>(frame->format), frame->width,
                                 frame->height, AV_PIX_FMT_BGR24, SWS_BICUBIC | SWS_ACCURATE_RND,
                                 nullptr, nullptr, nullptr));
        if (!sws) return Unreadable("cannot convert the pictures to BGR");
      }
      cv::Mat bgr(frame->height, frame->width, CV_8UC3);
      uint8_t* dst[] = {bgr.data};
      const int dst_stride[] = {static_cast<int>(bgr.step[0])};
      sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
      out.push_back(std::move(bgr));
      av_frame_unref(frame.get());
    }
    return Status::Ok();
  };
  while (static_cast<int>(out.size()) < count && av_read_frame(d.format.get(), packet.get()) >= 0) {
    if (packet->stream_index == index) {
      rc = avcodec_send_packet(codec.get(), packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN)) return Unreadable("decoding: " + libav::AvError(rc));
    }
    av_packet_unref(packet.get());
    VMSG_RETURN_IF_ERROR(drain());
  }
  avcodec_send_packet(codec.get(), nullptr);
  VMSG_RETURN_IF_ERROR(drain());
  return out;
}

}  // namespace vmsg::video
