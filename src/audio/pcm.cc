// WAV encoding and decoding (little-endian RIFF, written and read byte by byte so the code
// does not depend on the host's endianness), gain, RMS and resampling with libswresample.
#include "audio/pcm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace vmsg::audio {
namespace {

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;
constexpr int kBitsPerSample = 16;
constexpr double kInt16Scale = 32767.0;

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t GetU32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

uint16_t GetU16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}

Status Invalid(std::string message) {
  return Status::InvalidArgument("WAV: " + std::move(message), "invalid_wav");
}

}  // namespace

std::string EncodeWav(const Sound& audio) {
  const auto channels = static_cast<uint32_t>(std::max(audio.channels, 1));
  const uint32_t data_bytes = static_cast<uint32_t>(audio.samples.size() * 2);
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  PutU32(out, 36 + data_bytes);
  out += "WAVEfmt ";
  PutU32(out, 16);
  PutU16(out, kFormatPcm);
  PutU16(out, static_cast<uint16_t>(channels));
  PutU32(out, static_cast<uint32_t>(audio.sample_rate));
  PutU32(out, static_cast<uint32_t>(audio.sample_rate) * channels * 2);
  PutU16(out, static_cast<uint16_t>(channels * 2));  // block align
  PutU16(out, kBitsPerSample);
  out += "data";
  PutU32(out, data_bytes);
  for (float s : audio.samples) {
    const double clipped = std::clamp(static_cast<double>(s), -1.0, 1.0);
    PutU16(out, static_cast<uint16_t>(static_cast<int16_t>(std::lround(clipped * kInt16Scale))));
  }
  return out;
}

Result<Sound> DecodeWav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") {
    return Invalid("not a RIFF/WAVE file");
  }
  uint16_t format = 0, channels = 0, bits = 0;
  uint32_t rate = 0;
  bool have_fmt = false;
  size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string_view id = b.substr(at, 4);
    const uint32_t size = GetU32(b, at + 4);
    const size_t body = at + 8;
    if (id == "fmt ") {
      if (size < 16 || body + size > b.size()) return Invalid("truncated fmt chunk");
      format = GetU16(b, body);
      channels = GetU16(b, body + 2);
      rate = GetU32(b, body + 4);
      bits = GetU16(b, body + 14);
      if (format == kFormatExtensible && size >= 26) format = GetU16(b, body + 24);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return Invalid("data chunk before fmt chunk");
      if (channels == 0 || rate == 0 || rate > 1'000'000) return Invalid("bad channels or rate");
      const bool pcm16 = format == kFormatPcm && bits == 16;
      const bool float32 = format == kFormatFloat && bits == 32;
      if (!pcm16 && !float32) return Invalid("only 16-bit PCM and 32-bit float are supported");
      // Writers that stream set the data size to 0 or 0xFFFFFFFF; take what is there.
      const size_t available = b.size() - body;
      const size_t bytes = (size == 0 || size > available) ? available : size;
      const size_t frame = static_cast<size_t>(channels) * (bits / 8);
      Sound audio;
      audio.sample_rate = static_cast<int>(rate);
      audio.samples.resize(bytes / frame);
      for (size_t i = 0; i < audio.samples.size(); ++i) {
        double sum = 0;
        for (size_t c = 0; c < channels; ++c) {
          const size_t p = body + i * frame + c * (bits / 8);
          if (pcm16) {
            sum += static_cast<int16_t>(GetU16(b, p)) / 32768.0;
          } else {
            const uint32_t u = GetU32(b, p);
            float f;
            static_assert(sizeof f == sizeof u);
            std::memcpy(&f, &u, sizeof f);
            sum += f;
          }
        }
        audio.samples[i] = static_cast<float>(sum / channels);
      }
      return audio;
    }
    if (size > b.size() - body) return Invalid("truncated chunk");
    at = body + size + (size & 1);  // chunks are padded to even sizes
  }
  return Invalid("no data chunk");
}

Status WriteWavFile(const std::filesystem::path& path, const Sound& audio) {
  const std::string bytes = EncodeWav(audio);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Internal("writing " + path.string() + " failed");
  return Status::Ok();
}

Result<Sound> ReadWavFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto audio = DecodeWav(buffer.str());
  if (!audio.ok()) return audio.status().WithContext(path.string());
  return audio;
}

void ApplyGainDb(Sound& audio, double gain_db) {
  const float factor = static_cast<float>(std::pow(10.0, gain_db / 20.0));
  for (float& s : audio.samples) s *= factor;
}

double Rms(const Sound& audio, size_t begin, size_t end) {
  end = std::min(end, audio.samples.size());
  if (begin >= end) return 0;
  double sum = 0;
  for (size_t i = begin; i < end; ++i)
    sum += static_cast<double>(audio.samples[i]) * audio.samples[i];
  return std::sqrt(sum / static_cast<double>(end - begin));
}

Sound Resample(const Sound& audio, int target_rate) {
  if (audio.sample_rate == target_rate || audio.sample_rate <= 0) {
    Sound copy = audio;
    if (copy.sample_rate <= 0) copy.sample_rate = target_rate;
    return copy;
  }
  const int channels = std::max(audio.channels, 1);
  const size_t in_frames = audio.samples.size() / static_cast<size_t>(channels);
  const auto out_frames = static_cast<size_t>(
      std::llround(static_cast<double>(in_frames) * target_rate / audio.sample_rate));
  Sound out{.sample_rate = target_rate, .channels = channels, .samples = {}};
  if (in_frames == 0) return out;
  AVChannelLayout layout;
  av_channel_layout_default(&layout, channels);
  SwrContext* raw = nullptr;
  int rc = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLT, target_rate, &layout,
                               AV_SAMPLE_FMT_FLT, audio.sample_rate, 0, nullptr);
  av_channel_layout_uninit(&layout);
  std::unique_ptr<SwrContext, void (*)(SwrContext*)> swr(raw, [](SwrContext* c) { swr_free(&c); });
  // Interleaved float in and out at positive rates: libswresample fails only for memory,
  // which is what std::bad_alloc says everywhere else.
  if (rc < 0 || swr_init(swr.get()) < 0) throw std::bad_alloc();
  const int capacity = swr_get_out_samples(swr.get(), static_cast<int>(in_frames));
  if (capacity < 0) throw std::bad_alloc();
  out.samples.resize(static_cast<size_t>(capacity) * static_cast<size_t>(channels));
  const auto* in = reinterpret_cast<const uint8_t*>(audio.samples.data());
  auto* dst = reinterpret_cast<uint8_t*>(out.samples.data());
  const int got = swr_convert(swr.get(), &dst, capacity, &in, static_cast<int>(in_frames));
  if (got < 0) throw std::bad_alloc();
  // What the filter still holds (its delay) comes out with a flush.
  auto* tail = reinterpret_cast<uint8_t*>(out.samples.data() + static_cast<size_t>(got) * channels);
  if (swr_convert(swr.get(), &tail, capacity - got, nullptr, 0) < 0) throw std::bad_alloc();
  // Exactly the resampled length, however the filter rounded.
  out.samples.resize(out_frames * static_cast<size_t>(channels), 0.0f);
  return out;
}

}  // namespace vmsg::audio
