// bench/image: steps 1-4 of the pipeline (upload, person detection, background removal,
// framing) on a 12-megapixel JPEG, with per-step wall times and the total. The photo is one
// of Debian's dlib example portraits, upscaled to 12 MP with a little sensor-like noise so
// that it decodes like a camera photo rather than a smooth upscale. Models are loaded once
// before timing, as a worker does. The goal (issue 5): steps 1-4 in at most 1.5 s on the
// 2-core development machine with the classical segmenter; steps 3-4 (the cut-out and the
// framing, issue 15) in at most 0.4 s.
//
// When the optional ISNet model is installed (scripts/install-isnet-model.sh), the same steps
// run again with the neural segmenter.
//
//   image_bench [--runs N] [--photo FILE] [--dump DIR] [--isnet-model FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>

#include "pipeline/pipeline.h"
#include "pipeline/stages/image_pipeline.h"
#include "testing/memory_object_store.h"
#include "testing/recording_progress_sink.h"

namespace vmsg {
namespace {

constexpr double kTargetMegapixels = 12.0;
constexpr double kNoiseSigma = 6.0;
constexpr int kJpegQuality = 92;
constexpr double kGoalSeconds = 1.5;
constexpr double kCutAndFrameGoalSeconds = 0.4;
const char* const kDefaultPhoto =
    "/usr/share/doc/libdlib19.1/examples/faces/Tom_Cruise_avp_2014_4.jpg";

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Die(const Status& s) {
  std::cerr << "image_bench: " << s << "\n";
  return 1;
}

std::string MakePhoto(const std::string& source) {
  const cv::Mat small = cv::imread(source, cv::IMREAD_COLOR);
  if (small.empty()) return {};
  const double scale = std::sqrt(kTargetMegapixels * 1e6 / (double(small.cols) * small.rows));
  cv::Mat big;
  cv::resize(small, big, cv::Size(), scale, scale, cv::INTER_CUBIC);
  cv::Mat noise(big.size(), CV_16SC3);
  cv::randn(noise, 0, kNoiseSigma);
  cv::Mat wide;
  big.convertTo(wide, CV_16SC3);
  wide += noise;
  wide.convertTo(big, CV_8UC3);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", big, jpeg, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality});
  std::printf("photo: %dx%d (%.1f MP), %.1f MiB JPEG, from %s\n", big.cols, big.rows,
              big.cols * double(big.rows) / 1e6, jpeg.size() / 1048576.0, source.c_str());
  return std::string(jpeg.begin(), jpeg.end());
}

// Runs steps 1-4 `runs` times with `segmenter` and prints the per-step medians.
int Bench(const std::string& upload, const image::PersonDetector& detector,
          const image::Segmenter& segmenter, int runs, const std::string& dump) {
  auto stages = pipeline::NewImageStages({.detector = &detector, .segmenter = &segmenter});
  if (!stages.ok()) return Die(stages.status());
  const auto system_clock = NewSystemClock();
  auto store = test::NewMemoryObjectStore(*system_clock);
  test::RecordingProgressSink progress;
  CancellationToken cancel;
  Logger logger(LogFormat::kText, LogLevel::kError, *system_clock, [](std::string_view) {});
  pipeline::StageContext ctx{*store, progress, cancel, *system_clock, logger};

  const size_t n = stages->size();
  std::vector<std::vector<double>> times(n + 1);
  std::vector<double> cut_and_frame;  // steps 3 and 4 of each run
  for (int run = 0; run < runs; ++run) {
    pipeline::WorkItem item{.task_id = "bench-" + std::to_string(run)};
    item.request.upload = upload;
    const auto start = Clock::now();
    for (size_t s = 0; s < n; ++s) {
      const auto step_start = Clock::now();
      const Status status = (*stages)[s]->Run(ctx, item);
      if (!status.ok()) return Die(status);
      times[s].push_back(Seconds(Clock::now() - step_start));
    }
    times[n].push_back(Seconds(Clock::now() - start));
    cut_and_frame.push_back(times[n - 2].back() + times[n - 1].back());
    if (run == 0 && !dump.empty()) {
      const auto dir = std::filesystem::path(dump) / std::string(segmenter.Name());
      std::filesystem::create_directories(dir);
      cv::imwrite((dir / "optimized_512x910.png").string(), item.framed);
      cv::imwrite((dir / "bg_removed.png").string(), item.cutout);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("\nsegmenter: %s, %d runs\n", std::string(segmenter.Name()).c_str(), runs);
  std::printf("%-22s %10s %10s\n", "step", "median s", "max s");
  for (size_t s = 0; s <= n; ++s) {
    const std::string name = s < n ? std::string((*stages)[s]->Step().name) : "total (steps 1-4)";
    std::printf("%-22s %10.3f %10.3f\n", name.c_str(), median(times[s]),
                *std::max_element(times[s].begin(), times[s].end()));
  }
  const double total = median(times[n]);
  std::printf("goal: <= %.1f s: %s\n", kGoalSeconds, total <= kGoalSeconds ? "met" : "NOT met");
  const double cut_frame = median(cut_and_frame);
  std::printf("steps 3-4 (cut-out and framing), median: %.3f s; goal <= %.1f s: %s\n", cut_frame,
              kCutAndFrameGoalSeconds, cut_frame <= kCutAndFrameGoalSeconds ? "met" : "NOT met");
  return 0;
}

int Main(int argc, char** argv) {
  int runs = 5;
  std::string photo = kDefaultPhoto;
  std::string dump;
  image::IsnetOptions isnet;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--photo") && i + 1 < argc) {
      photo = argv[++i];
    } else if (!std::strcmp(argv[i], "--dump") && i + 1 < argc) {
      dump = argv[++i];
    } else if (!std::strcmp(argv[i], "--isnet-model") && i + 1 < argc) {
      isnet.model = argv[++i];
    } else {
      std::cerr << "usage: image_bench [--runs N] [--photo FILE] [--dump DIR] "
                   "[--isnet-model FILE]\n";
      return 2;
    }
  }
  const std::string upload = MakePhoto(photo);
  if (upload.empty()) return Die(Status::NotFound("cannot read " + photo));
  std::printf("cpus: %d (OpenCV threads: %d)\n", cv::getNumberOfCPUs(), cv::getNumThreads());

  const auto load_start = Clock::now();
  auto detector = image::NewPersonDetector({});
  if (!detector.ok()) return Die(detector.status());
  std::printf("model loading (once per worker, not timed below): %.2f s\n",
              Seconds(Clock::now() - load_start));

  const auto grabcut = image::NewGrabCutSegmenter();
  if (int rc = Bench(upload, **detector, *grabcut, runs, dump); rc != 0) return rc;
  auto neural = image::NewIsnetSegmenter(isnet);
  if (!neural.ok()) {
    std::printf("\nisnet: not run (%s)\n", neural.status().message().c_str());
    return 0;
  }
  return Bench(upload, **detector, **neural, std::min(runs, 3), dump);
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Main(argc, argv); }
