// TEST-ONLY encoders (see encode_for_test.h).
#include "testing/encode_for_test.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include "audio/memory_io.h"

namespace vmsg::test {
namespace {

struct Cleanup {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* enc = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwrContext* swr = nullptr;
  ~Cleanup() {
    if (fmt != nullptr && fmt->pb != nullptr) avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    avcodec_free_context(&enc);
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&swr);
  }
};

Status Check(int rc, std::string_view what) {
  if (rc >= 0) return Status::Ok();
  return Status::Internal(std::string(what) + ": " + audio::AvError(rc));
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<std::string> EncodeAudioFile(const audio::Sound& audio, std::string_view muxer,
                                    std::string_view encoder, int rate, int channels) {
  const AVCodec* codec = avcodec_find_encoder_by_name(std::string(encoder).c_str());
  const AVOutputFormat* ofmt = av_guess_format(std::string(muxer).c_str(), nullptr, nullptr);
  if (codec == nullptr || ofmt == nullptr) {
    return Status::Unavailable("no " + std::string(encoder) + " / " + std::string(muxer));
  }
  const audio::Sound input = audio::Resample(audio, rate);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vmsg_encode_" + std::to_string(::getpid()) + "_" +
                                                std::string(encoder) + "." + std::string(muxer));
  Cleanup c;
  VMSG_RETURN_IF_ERROR(
      Check(avformat_alloc_output_context2(&c.fmt, ofmt, nullptr, path.c_str()), "output"));
  AVStream* stream = avformat_new_stream(c.fmt, nullptr);
  c.enc = avcodec_alloc_context3(codec);
  c.enc->sample_rate = rate;
  av_channel_layout_default(&c.enc->ch_layout, channels);
  c.enc->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_S16;
  c.enc->bit_rate = 96000;
  c.enc->time_base = {1, rate};
  if (c.fmt->oformat->flags & AVFMT_GLOBALHEADER) c.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  VMSG_RETURN_IF_ERROR(Check(avcodec_open2(c.enc, codec, nullptr), "open encoder"));
  VMSG_RETURN_IF_ERROR(Check(avcodec_parameters_from_context(stream->codecpar, c.enc), "params"));
  stream->time_base = c.enc->time_base;
  VMSG_RETURN_IF_ERROR(Check(avio_open(&c.fmt->pb, path.c_str(), AVIO_FLAG_WRITE), "open file"));
  VMSG_RETURN_IF_ERROR(Check(avformat_write_header(c.fmt, nullptr), "header"));

  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  VMSG_RETURN_IF_ERROR(Check(swr_alloc_set_opts2(&c.swr, &c.enc->ch_layout, c.enc->sample_fmt, rate,
                                                 &mono, AV_SAMPLE_FMT_FLT, rate, 0, nullptr),
                             "swr"));
  VMSG_RETURN_IF_ERROR(Check(swr_init(c.swr), "swr init"));
  c.frame = av_frame_alloc();
  c.packet = av_packet_alloc();
  const int frame_size = c.enc->frame_size > 0 ? c.enc->frame_size : 1024;
  auto write_packets = [&]() -> Status {
    for (;;) {
      const int rc = avcodec_receive_packet(c.enc, c.packet);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Status::Ok();
      VMSG_RETURN_IF_ERROR(Check(rc, "encode"));
      av_packet_rescale_ts(c.packet, c.enc->time_base, stream->time_base);
      c.packet->stream_index = stream->index;
      VMSG_RETURN_IF_ERROR(Check(av_interleaved_write_frame(c.fmt, c.packet), "write"));
    }
  };
  int64_t pts = 0;
  for (size_t at = 0; at < input.samples.size(); at += static_cast<size_t>(frame_size)) {
    const int n =
        static_cast<int>(std::min(static_cast<size_t>(frame_size), input.samples.size() - at));
    av_frame_unref(c.frame);
    c.frame->nb_samples = n;
    c.frame->format = c.enc->sample_fmt;
    c.frame->sample_rate = rate;
    VMSG_RETURN_IF_ERROR(
        Check(av_channel_layout_copy(&c.frame->ch_layout, &c.enc->ch_layout), "layout"));
    VMSG_RETURN_IF_ERROR(Check(av_frame_get_buffer(c.frame, 0), "frame"));
    const auto* src = reinterpret_cast<const uint8_t*>(input.samples.data() + at);
    VMSG_RETURN_IF_ERROR(Check(swr_convert(c.swr, c.frame->extended_data, n, &src, n), "convert"));
    c.frame->pts = pts;
    pts += n;
    VMSG_RETURN_IF_ERROR(Check(avcodec_send_frame(c.enc, c.frame), "send"));
    VMSG_RETURN_IF_ERROR(write_packets());
  }
  VMSG_RETURN_IF_ERROR(Check(avcodec_send_frame(c.enc, nullptr), "flush"));
  VMSG_RETURN_IF_ERROR(write_packets());
  VMSG_RETURN_IF_ERROR(Check(av_write_trailer(c.fmt), "trailer"));
  avio_closep(&c.fmt->pb);
  std::string bytes = ReadAll(path);
  std::filesystem::remove(path);
  return bytes;
}

Result<std::string> EncodeJpeg(int width, int height) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) return Status::Unavailable("no mjpeg encoder");
  Cleanup c;
  c.enc = avcodec_alloc_context3(codec);
  c.enc->width = width;
  c.enc->height = height;
  c.enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
  c.enc->time_base = {1, 25};
  VMSG_RETURN_IF_ERROR(Check(avcodec_open2(c.enc, codec, nullptr), "open mjpeg"));
  c.frame = av_frame_alloc();
  c.frame->width = width;
  c.frame->height = height;
  c.frame->format = AV_PIX_FMT_YUVJ420P;
  VMSG_RETURN_IF_ERROR(Check(av_frame_get_buffer(c.frame, 0), "frame"));
  for (int plane = 0; plane < 3; ++plane) {
    const int h = plane == 0 ? height : (height + 1) / 2;
    for (int y = 0; y < h; ++y) {
      std::memset(c.frame->data[plane] + y * c.frame->linesize[plane], plane == 0 ? 100 + y : 128,
                  static_cast<size_t>(c.frame->linesize[plane]));
    }
  }
  c.packet = av_packet_alloc();
  VMSG_RETURN_IF_ERROR(Check(avcodec_send_frame(c.enc, c.frame), "send"));
  VMSG_RETURN_IF_ERROR(Check(avcodec_receive_packet(c.enc, c.packet), "receive"));
  return std::string(reinterpret_cast<const char*>(c.packet->data),
                     static_cast<size_t>(c.packet->size));
}

}  // namespace vmsg::test
