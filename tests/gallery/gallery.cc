// vmsg-gallery: one PNG to look at before and after a change to the picture. For each photo
// it makes a real video message in-process (the same pipeline and settings as `vmsg
// generate`) and lays out, side by side, the photo, the framed still (step 4) and a frame
// from the middle of the delivered MP4, with the composition's figures written under them.
//
//   vmsg-gallery OUT.png [--background ID] [--framing MODE] [--text TEXT] [--keep] PHOTO...
//
// --keep leaves the data directory (every stored object of every task) and prints its path.
//
// `make gallery` runs it over the test photos (scripts/test-photos.sh) into build/gallery.png.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/service_context.h"
#include "base/ids.h"
#include "config/config.h"
#include "pipeline/progress.h"
#include "video/mp4_probe.h"

namespace vmsg {
namespace {

constexpr int kTileWidth = 256;
constexpr int kTileHeight = 455;
constexpr int kLabelHeight = 22;
constexpr int kBlocksPerRow = 2;
constexpr int kGap = 8;
const cv::Scalar kPaper(32, 32, 32);
const cv::Scalar kInk(235, 235, 235);
constexpr char kDefaultText[] = "お誕生日おめでとうございます。素敵な一年になりますように。";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

cv::Mat Decode(const std::string& bytes) {
  return cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data())),
                      cv::IMREAD_COLOR);
}

// `image` scaled to fit the tile, centred on the paper.
cv::Mat Tile(const cv::Mat& image) {
  cv::Mat tile(kTileHeight, kTileWidth, CV_8UC3, kPaper);
  if (image.empty()) return tile;
  const double scale = std::min(double(kTileWidth) / image.cols, double(kTileHeight) / image.rows);
  cv::Mat small;
  cv::resize(image, small,
             cv::Size(std::max(1, int(image.cols * scale)), std::max(1, int(image.rows * scale))),
             0, 0, cv::INTER_AREA);
  small.copyTo(tile(cv::Rect((kTileWidth - small.cols) / 2, (kTileHeight - small.rows) / 2,
                             small.cols, small.rows)));
  return tile;
}

struct Block {
  std::string name;
  cv::Mat photo, framed, middle;
  std::string figures;
};

cv::Mat Render(const std::vector<Block>& blocks) {
  const int block_w = 3 * kTileWidth + 2 * kGap;
  const int block_h = kTileHeight + 2 * kLabelHeight;
  const int rows = int((blocks.size() + kBlocksPerRow - 1) / kBlocksPerRow);
  cv::Mat sheet(rows * (block_h + kGap) + kGap, kBlocksPerRow * (block_w + kGap) + kGap, CV_8UC3,
                kPaper);
  for (size_t i = 0; i < blocks.size(); ++i) {
    const int x = kGap + int(i % kBlocksPerRow) * (block_w + kGap);
    const int y = kGap + int(i / kBlocksPerRow) * (block_h + kGap);
    const Block& b = blocks[i];
    const cv::Mat tiles[] = {Tile(b.photo), Tile(b.framed), Tile(b.middle)};
    for (int t = 0; t < 3; ++t) {
      tiles[t].copyTo(sheet(cv::Rect(x + t * (kTileWidth + kGap), y, kTileWidth, kTileHeight)));
    }
    cv::putText(sheet, b.name, {x, y + kTileHeight + kLabelHeight - 6}, cv::FONT_HERSHEY_SIMPLEX,
                0.5, kInk, 1, cv::LINE_AA);
    cv::putText(sheet, b.figures, {x, y + kTileHeight + 2 * kLabelHeight - 6},
                cv::FONT_HERSHEY_SIMPLEX, 0.45, kInk, 1, cv::LINE_AA);
  }
  return sheet;
}

// "face 0.22 eye 0.35 centre +0.00 scale 1.4", from the framing step's record.
std::string Figures(const Json& framed_face) {
  if (!framed_face.contains("composition")) return "no composition record";
  const Json& c = framed_face["composition"];
  char text[160];
  std::snprintf(text, sizeof text, "%s: face %.2f  eye %.2f  centre %+.2f  scale %.2f%s",
                c.value("framing", "?").c_str(), c.value("face_share", 0.0),
                c.value("eye_line", 0.0), c.value("centre_offset", 0.0), c.value("scale", 0.0),
                c.value("upscale_capped", false) ? " (capped)" : "");
  return text;
}

int Usage() {
  std::fprintf(stderr,
               "usage: vmsg-gallery OUT.png [--background ID] [--framing MODE] [--text TEXT] "
               "[--keep] PHOTO...\n");
  return 2;
}

int Run(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string out = argv[1];
  Json fields = {{"text", kDefaultText}};
  std::vector<std::string> photos;
  bool keep = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) {
      keep = true;
      continue;
    }
    auto option = [&](const char* name, const char* field) {
      if (std::strcmp(argv[i], name) != 0 || i + 1 >= argc) return false;
      fields[field] = argv[++i];
      return true;
    };
    if (option("--background", "background_id") || option("--framing", "framing") ||
        option("--text", "text")) {
      continue;
    }
    if (argv[i][0] == '-') return Usage();
    photos.push_back(argv[i]);
  }
  if (photos.empty()) return Usage();

  const auto data_dir =
      std::filesystem::temp_directory_path() / ("vmsg_gallery_" + std::to_string(::getpid()));
  ConfigSources sources;
  sources.flags = {"--data-dir=" + data_dir.string(), "--segmenter=grabcut", "--log-level=warning"};
  Result<Config> config = LoadConfig(sources);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  auto ctx =
      ServiceContext::Create(std::move(*config), NewSystemClock(), ServiceContext::Role::kGenerate);
  if (!ctx.ok()) {
    std::fprintf(stderr, "%s\n", ctx.status().ToString().c_str());
    return 1;
  }
  ServiceContext& services = **ctx;
  std::vector<Block> blocks;
  int failures = 0;
  for (const std::string& photo : photos) {
    Block block{.name = std::filesystem::path(photo).filename().string()};
    const std::string bytes = ReadFile(photo);
    block.photo = Decode(bytes);
    const std::string task_id = IdGenerator().NewUuid();
    Result<std::string> key =
        generate::StoreUploadedImage(services.objects(), task_id, "source", bytes);
    Result<generate::GenerateArgs> args = key.ok() ? [&] {
      Json f = fields;
      f["object_key"] = *key;
      return generate::GenerateArgsFromJson(f);
    }()
                                                   : Result<generate::GenerateArgs>(key.status());
    std::unique_ptr<pipeline::ProgressSink> progress = pipeline::NewDiscardingProgressSink();
    CancellationToken never;
    Result<generate::GenerateResult> result =
        args.ok() ? services.generator().Run(task_id, *args, *progress, never)
                  : Result<generate::GenerateResult>(args.status());
    if (!result.ok()) {
      block.figures = result.status().ToString().substr(0, 60);
      std::fprintf(stderr, "%s: %s\n", block.name.c_str(), result.status().ToString().c_str());
      ++failures;
      blocks.push_back(std::move(block));
      continue;
    }
    const std::string dir = "images/uploads/" + task_id + "/";
    if (auto png = services.objects().GetBytes(dir + "optimized_512x910.png"); png.ok()) {
      block.framed = Decode(*png);
    }
    if (auto face = services.objects().GetBytes(dir + "framed_face.json"); face.ok()) {
      if (auto json = ParseJson(*face); json.ok()) block.figures = Figures(*json);
    }
    if (auto mp4 = services.objects().GetBytes(result->video_key); mp4.ok()) {
      if (auto info = video::ProbeMp4(*mp4); info.ok()) {
        const int middle = int(std::max<int64_t>(1, info->video_frames / 2));
        if (auto frames = video::DecodeMp4Frames(*mp4, middle); frames.ok() && !frames->empty()) {
          block.middle = frames->back();
        }
      }
    }
    std::printf("%-28s %s\n", block.name.c_str(), block.figures.c_str());
    blocks.push_back(std::move(block));
  }
  if (keep) {
    std::printf("kept %s\n", data_dir.c_str());
  } else {
    std::filesystem::remove_all(data_dir);
  }
  if (!cv::imwrite(out, Render(blocks))) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s (%zu photos, %d failed)\n", out.c_str(), photos.size(), failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace vmsg

int main(int argc, char** argv) { return vmsg::Run(argc, argv); }
