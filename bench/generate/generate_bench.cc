// bench/generate: one video message end to end, the way a worker makes it: a real portrait
// (Debian's dlib examples) and a Japanese message of about ten seconds through all eight
// steps with the classical segmenter, against the encode-only floor: the same frames and
// soundtrack through the MP4 encoder alone, timed in the same run. Prints both, their ratio
// and the whole job as a fraction of the message's length.
//
// Every output format in turn (or those named by --format), each with its own floor at its
// own size.
//
// Goals (issues 7 and 18): the whole job in at most half the message's duration in the
// default portrait format and within the message's duration in the 1080-pixel formats, and
// the pipeline at most 2x the encode-only floor in every format.
//
//   generate_bench [--runs N] [--photo FILE] [--format NAME ...]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "app/service_context.h"
#include "audio/codec.h"
#include "base/crypto.h"
#include "config/config.h"
#include "disclosure/c2pa.h"
#include "disclosure/xmp.h"
#include "image/output_format.h"
#include "video/mp4_probe.h"
#include "video/mp4_writer.h"

namespace vmsg {
namespace {

constexpr double kGoalFractionOfMessage = 0.5;
// Issue 18: a 1080-pixel format within the message's own length.
constexpr double kGoalFractionHd = 1.0;
constexpr double kGoalRatioToFloor = 2.0;
const char* const kDefaultPhoto = "/usr/share/doc/libdlib19.1/examples/faces/2008_001009.jpg";
// About ten seconds spoken.
constexpr char kMessage[] =
    "お誕生日おめでとうございます。いつも明るい笑顔をありがとう。"
    "この一年が、あなたにとって素晴らしい年になりますように。";

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Notes when each step starts, so that the steps' own times can be printed.
class StepTimes final : public pipeline::ProgressSink {
 public:
  Status Report(const pipeline::StepInfo& step) override {
    starts_.emplace_back(std::string(step.name), SteadyClock::now());
    return Status::Ok();
  }
  // How long step `name` took (it ended when the next began, or at `end`); 0 if never seen.
  double Of(std::string_view name, SteadyClock::time_point end) const {
    for (size_t i = 0; i < starts_.size(); ++i) {
      if (starts_[i].first != name) continue;
      const auto until = i + 1 < starts_.size() ? starts_[i + 1].second : end;
      return std::chrono::duration<double>(until - starts_[i].second).count();
    }
    return 0;
  }

  // "name 0.12s, ..." up to `end`.
  std::string Summary(SteadyClock::time_point end) const {
    std::string text;
    for (size_t i = 0; i < starts_.size(); ++i) {
      const auto until = i + 1 < starts_.size() ? starts_[i + 1].second : end;
      char item[96];
      std::snprintf(item, sizeof item, "%s%s %.2f", text.empty() ? "" : ", ",
                    starts_[i].first.c_str(),
                    std::chrono::duration<double>(until - starts_[i].second).count());
      text += item;
    }
    return text;
  }

 private:
  std::vector<std::pair<std::string, SteadyClock::time_point>> starts_;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// One format's figures: the medians of its runs.
struct FormatFigures {
  double message_seconds = 0;
  double total = 0;
  double floor = 0;
  double step8 = 0;
  double disclosure = 0;  // XMP and the signed C2PA manifest, inside step 8
};

// The goals per format: the whole job as a fraction of the message's length, and the
// pipeline against the encode-only floor at the same size.
double GoalFractionOf(image::OutputFormat format) {
  return format == image::OutputFormat::kPortrait ? kGoalFractionOfMessage : kGoalFractionHd;
}

// `runs` generations of the message in `format`, each with its encode-only floor; prints
// every run. An empty result after a failure (already reported).
std::optional<FormatFigures> Measure(ServiceContext& services, const std::string& photo_bytes,
                                     image::OutputFormat format, int runs,
                                     const video::Mp4Options& base,
                                     const disclosure::Signer& signer) {
  std::vector<double> totals, floors, step8s, disclosures;
  FormatFigures figures;
  const std::string name(image::FormatName(format));
  for (int run = 0; run < runs; ++run) {
    const std::string task_id = IdGenerator().NewUuid();
    Result<std::string> key =
        generate::StoreUploadedImage(services.objects(), task_id, "source", photo_bytes);
    if (!key.ok()) {
      std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
      return std::nullopt;
    }
    generate::GenerateArgs args;
    args.image_key = *key;
    args.text = kMessage;
    args.format = format;
    StepTimes progress;
    CancellationToken never;
    const auto started = SteadyClock::now();
    Result<generate::GenerateResult> result =
        services.generator().Run(task_id, args, progress, never);
    const double total = Seconds(started);
    const auto finished = SteadyClock::now();
    const std::string steps = progress.Summary(finished);
    step8s.push_back(progress.Of("video_generation", finished));
    if (!result.ok()) {
      std::fprintf(stderr, "generation failed: %s\n", result.status().ToString().c_str());
      return std::nullopt;
    }
    figures.message_seconds = result->duration_seconds;

    // The floor: the frames just made (decoded from the video) and the mixed soundtrack,
    // through the encoder alone with the same settings.
    Result<std::string> mp4 = services.objects().GetBytes(result->video_key);
    if (!mp4.ok()) return std::nullopt;
    Result<std::vector<cv::Mat>> decoded = video::DecodeMp4Frames(*mp4, INT32_MAX);
    if (!decoded.ok()) {
      std::fprintf(stderr, "%s\n", decoded.status().ToString().c_str());
      return std::nullopt;
    }
    const std::vector<cv::Mat>& frames = *decoded;
    Result<std::string> mixed =
        services.objects().GetBytes("voices/generated/" + task_id + "/final_mixed.mp3");
    if (!mixed.ok() || frames.empty()) {
      std::fprintf(stderr, "cannot read back the video or its soundtrack\n");
      return std::nullopt;
    }
    Result<audio::Sound> soundtrack =
        audio::DecodeAudio(*mixed, {.sample_rate = video::kAudioSampleRate, .channels = 2});
    if (!soundtrack.ok()) return std::nullopt;
    const video::Mp4Options encode =
        video::SizedFor(base, frames.front().cols, frames.front().rows);
    const auto floor_started = SteadyClock::now();
    Result<std::unique_ptr<video::Mp4Writer>> writer = video::Mp4Writer::Open(*soundtrack, encode);
    if (!writer.ok()) {
      std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
      return std::nullopt;
    }
    const int count = (*writer)->frame_count();
    for (int i = 0; i < count; ++i) {
      if (!(*writer)->WriteFrame(frames[std::min<size_t>(i, frames.size() - 1)]).ok()) {
        return std::nullopt;
      }
    }
    Result<std::string> floor_mp4 = (*writer)->Finish();
    if (!floor_mp4.ok()) return std::nullopt;
    const double floor = Seconds(floor_started);
    // What step 8 adds to mark the video as AI-made, on the floor's unmarked file.
    const auto disclosure_started = SteadyClock::now();
    Result<std::string> marked =
        disclosure::AddXmpToMp4(*floor_mp4, disclosure::XmpPacket({.creator_tool = "vmsg bench"}));
    if (marked.ok()) {
      marked = disclosure::SignMp4(*marked,
                                   {.manifest_uuid = IdGenerator().NewUuid(),
                                    .title = "final_video.mp4",
                                    .instance_id = "xmp:iid:" + IdGenerator().NewUuid(),
                                    .photo_title = "photo.jpg",
                                    .photo_format = "image/jpeg",
                                    .photo_sha256 = Sha256(photo_bytes)},
                                   signer);
    }
    if (!marked.ok()) {
      std::fprintf(stderr, "%s\n", marked.status().ToString().c_str());
      return std::nullopt;
    }
    disclosures.push_back(Seconds(disclosure_started));
    std::printf(
        "%s run %d (%dx%d): pipeline %.2f s, encode-only %.2f s (%d frames), disclosure %.3f s\n"
        "  steps (s): %s\n",
        name.c_str(), run + 1, result->width, result->height, total, floor, count,
        disclosures.back(), steps.c_str());
    std::fflush(stdout);
    totals.push_back(total);
    floors.push_back(floor);
  }
  figures.total = Median(totals);
  figures.floor = Median(floors);
  figures.step8 = Median(step8s);
  figures.disclosure = Median(disclosures);
  return figures;
}

int Run(int argc, char** argv) {
  int runs = 3;
  std::string photo = kDefaultPhoto;
  std::vector<image::OutputFormat> formats;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--photo") == 0 && i + 1 < argc) {
      photo = argv[++i];
    } else if (std::strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
      Result<image::OutputFormat> format = image::ParseOutputFormat(argv[++i]);
      if (!format.ok()) {
        std::fprintf(stderr, "generate_bench: %s\n", format.status().message().c_str());
        return 2;
      }
      formats.push_back(*format);
    } else {
      std::fprintf(stderr, "usage: generate_bench [--runs N] [--photo FILE] [--format NAME ...]\n");
      return 2;
    }
  }
  if (formats.empty()) {
    for (size_t i = 0; i < image::kOutputFormats.size(); ++i) {
      formats.push_back(image::OutputFormat(i));
    }
  }
  const auto data_dir = std::filesystem::temp_directory_path() /
                        ("vmsg_generate_bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  ConfigSources sources;
  sources.flags = {"--data-dir=" + data_dir.string(), "--segmenter=grabcut", "--log-level=warning"};
  Result<Config> config = LoadConfig(sources);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  const video::Mp4Options encode_options{.preset = config->video_preset, .crf = config->video_crf};
  auto ctx =
      ServiceContext::Create(std::move(*config), NewSystemClock(), ServiceContext::Role::kGenerate);
  if (!ctx.ok()) {
    std::fprintf(stderr, "%s\n", ctx.status().ToString().c_str());
    return 1;
  }
  ServiceContext& services = **ctx;
  const std::string photo_bytes = ReadFile(photo);
  // The signer the service made at its first start.
  Result<disclosure::Signer> signer = disclosure::Signer::LoadOrCreate(
      data_dir / "c2pa" / "cert.pem", data_dir / "c2pa" / "key.pem");
  if (!signer.ok()) {
    std::fprintf(stderr, "%s\n", signer.status().ToString().c_str());
    return 1;
  }

  std::vector<std::pair<image::OutputFormat, FormatFigures>> results;
  for (image::OutputFormat format : formats) {
    std::optional<FormatFigures> figures =
        Measure(services, photo_bytes, format, runs, encode_options, *signer);
    if (!figures) return 1;
    results.emplace_back(format, *figures);
  }
  std::filesystem::remove_all(data_dir);

  std::printf(
      "\nmessage: %.2f s of video (10 s-ish Japanese message, grabcut segmenter), "
      "medians of %d run(s)\n",
      results.front().second.message_seconds, runs);
  std::printf("%-12s %-10s %9s %9s %8s %9s %9s %8s %s\n", "format", "size", "pipeline", "floor",
              "ratio", "step 8", "disclose", "/ length",
              "goals (<= 2.0x floor, <= length fraction)");
  for (const auto& [format, f] : results) {
    const double ratio = f.total / f.floor, fraction = f.total / f.message_seconds;
    const double goal_fraction = GoalFractionOf(format);
    const bool met = ratio <= kGoalRatioToFloor && fraction <= goal_fraction;
    std::printf("%-12s %-10s %8.2fs %8.2fs %7.2fx %8.2fs %8.3fs %8.2f <= %.2f: %s\n",
                std::string(image::FormatName(format)).c_str(), image::SizeName(format).c_str(),
                f.total, f.floor, ratio, f.step8, f.disclosure, fraction, goal_fraction,
                met ? "met" : "NOT met");
  }
  std::printf(
      "(step 8 alone is animation, subtitles and encoding; its ratio to the floor is "
      "the renderer's own overhead)\n");
  for (const auto& [format, f] : results) {
    std::printf("step 8 / floor, %s: %.2fx\n", std::string(image::FormatName(format)).c_str(),
                f.step8 / f.floor);
  }
  return 0;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Run(argc, argv); }
