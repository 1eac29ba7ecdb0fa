// bench/generate: one video message end to end, the way a worker makes it: a real portrait
// (Debian's dlib examples) and a Japanese message of about ten seconds through all eight
// steps with the classical segmenter, against the encode-only floor: the same frames and
// soundtrack through the MP4 encoder alone, timed in the same run. Prints both, their ratio
// and the whole job as a fraction of the message's length.
//
// Goals (issue 7): the whole job in at most half the message's duration, and the pipeline
// at most 2x the encode-only floor.
//
//   generate_bench [--runs N] [--photo FILE]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/service_context.h"
#include "audio/codec.h"
#include "config/config.h"
#include "video/mp4_probe.h"
#include "video/mp4_writer.h"

namespace vmsg {
namespace {

constexpr double kGoalFractionOfMessage = 0.5;
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

int Run(int argc, char** argv) {
  int runs = 3;
  std::string photo = kDefaultPhoto;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--photo") == 0 && i + 1 < argc) {
      photo = argv[++i];
    } else {
      std::fprintf(stderr, "usage: generate_bench [--runs N] [--photo FILE]\n");
      return 2;
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

  std::vector<double> totals, floors;
  double message_seconds = 0;
  for (int run = 0; run < runs; ++run) {
    const std::string task_id = IdGenerator().NewUuid();
    Result<std::string> key =
        generate::StoreUploadedImage(services.objects(), task_id, "source", photo_bytes);
    if (!key.ok()) {
      std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
      return 1;
    }
    generate::GenerateArgs args;
    args.image_key = *key;
    args.text = kMessage;
    StepTimes progress;
    worker::CancellationToken never;
    const auto started = SteadyClock::now();
    Result<generate::GenerateResult> result =
        services.generator().Run(task_id, args, progress, never);
    const double total = Seconds(started);
    const std::string steps = progress.Summary(SteadyClock::now());
    if (!result.ok()) {
      std::fprintf(stderr, "generation failed: %s\n", result.status().ToString().c_str());
      return 1;
    }
    message_seconds = result->duration_seconds;

    // The floor: the frames just made (decoded from the video) and the mixed soundtrack,
    // through the encoder alone with the same settings.
    Result<std::string> mp4 = services.objects().GetBytes(result->video_key);
    if (!mp4.ok()) return 1;
    Result<std::vector<cv::Mat>> decoded = video::DecodeMp4Frames(*mp4, INT32_MAX);
    if (!decoded.ok()) {
      std::fprintf(stderr, "%s\n", decoded.status().ToString().c_str());
      return 1;
    }
    const std::vector<cv::Mat>& frames = *decoded;
    Result<std::string> mixed =
        services.objects().GetBytes("voices/generated/" + task_id + "/final_mixed.mp3");
    if (!mixed.ok() || frames.empty()) {
      std::fprintf(stderr, "cannot read back the video or its soundtrack\n");
      return 1;
    }
    Result<audio::Sound> soundtrack =
        audio::DecodeAudio(*mixed, {.sample_rate = video::kAudioSampleRate, .channels = 2});
    if (!soundtrack.ok()) return 1;
    const auto floor_started = SteadyClock::now();
    Result<std::unique_ptr<video::Mp4Writer>> writer =
        video::Mp4Writer::Open(*soundtrack, encode_options);
    if (!writer.ok()) {
      std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
      return 1;
    }
    const int count = (*writer)->frame_count();
    for (int i = 0; i < count; ++i) {
      if (!(*writer)->WriteFrame(frames[std::min<size_t>(i, frames.size() - 1)]).ok()) return 1;
    }
    if (!(*writer)->Finish().ok()) return 1;
    const double floor = Seconds(floor_started);
    std::printf("run %d: pipeline %.2f s, encode-only %.2f s (%d frames)\n  steps (s): %s\n",
                run + 1, total, floor, count, steps.c_str());
    totals.push_back(total);
    floors.push_back(floor);
  }
  std::filesystem::remove_all(data_dir);

  const double total = Median(totals), floor = Median(floors);
  const double ratio = total / floor, fraction = total / message_seconds;
  std::printf("\nmessage: %.2f s of video (10 s-ish Japanese message, grabcut segmenter)\n",
              message_seconds);
  std::printf("pipeline, all 8 steps (median of %d): %.2f s\n", runs, total);
  std::printf("encode-only floor, same frames (median): %.2f s\n", floor);
  std::printf("ratio pipeline / floor: %.2fx (goal <= %.1fx) %s\n", ratio, kGoalRatioToFloor,
              ratio <= kGoalRatioToFloor ? "met" : "NOT met");
  std::printf("pipeline / message length: %.2f (goal <= %.2f) %s\n", fraction,
              kGoalFractionOfMessage, fraction <= kGoalFractionOfMessage ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Run(argc, argv); }
