// See segmenter.h: ISNet through OpenCV's DNN module, and the choice between segmenters. The
// input is RGB scaled to the model's square input, normalised as IMG.LY's runtime does
// ((x - 128) / 256); the "output" tensor is the matte in 0..1.
#include <mutex>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "image/opencv_errors.h"
#include "image/segmenter.h"

namespace vmsg::image {
namespace {

constexpr double kInputScale = 1.0 / 256;
constexpr double kInputMean = 128;
constexpr const char* kOutputName = "output";

class IsnetSegmenter final : public Segmenter {
 public:
  IsnetSegmenter(cv::dnn::Net net, int input_side) : net_(std::move(net)), side_(input_side) {}

  std::string_view Name() const override { return "isnet"; }

  Result<cv::Mat> Segment(const cv::Mat& bgr, const PersonHint& hint) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      return Status::InvalidArgument("segmentation needs an 8-bit BGR image");
    }
    const cv::Mat blob =
        cv::dnn::blobFromImage(bgr, kInputScale, cv::Size(side_, side_),
                               cv::Scalar::all(kInputMean), /*swapRB=*/true, /*crop=*/false);
    cv::Mat out;
    try {
      std::lock_guard lock(mutex_);
      net_.setInput(blob);
      out = net_.forward(kOutputName);
    } catch (const cv::Exception& e) {
      return OpenCvError("ISNet inference", e);
    }
    if (out.dims != 4 || out.size[2] != side_ || out.size[3] != side_) {
      return Status::Internal("ISNet returned an unexpected shape");
    }
    const cv::Mat matte(side_, side_, CV_32F, out.ptr<float>());
    cv::Mat resized, alpha;
    cv::resize(matte, resized, bgr.size(), 0, 0, cv::INTER_LINEAR);
    resized.convertTo(alpha, CV_8U, 255);
    // ISNet keeps every salient thing (everyone in a group photo): the same one-person rules
    // as GrabCut's seeds.
    return LimitToOnePerson(alpha, hint);
  }

 private:
  mutable std::mutex mutex_;
  mutable cv::dnn::Net net_;  // GUARDED_BY(mutex_)
  const int side_;
};

}  // namespace

Result<std::unique_ptr<Segmenter>> NewIsnetSegmenter(const IsnetOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.model, ec)) {
    return Status::FailedPrecondition("no ISNet model at " + options.model.string() +
                                      " (scripts/install-isnet-model.sh installs it)");
  }
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(options.model.string());
    if (net.empty()) {
      return Status::FailedPrecondition("OpenCV loaded no network from " + options.model.string());
    }
    return std::unique_ptr<Segmenter>(
        std::make_unique<IsnetSegmenter>(std::move(net), kIsnetInputSide));
  } catch (const cv::Exception& e) {
    return OpenCvError("cannot load " + options.model.string(), e, &Status::FailedPrecondition);
  }
}

Result<std::unique_ptr<Segmenter>> NewSegmenter(std::string_view choice,
                                                const IsnetOptions& isnet) {
  if (choice == "grabcut") return NewGrabCutSegmenter();
  if (choice == "isnet") return NewIsnetSegmenter(isnet);
  if (choice == "auto") {
    std::error_code ec;
    if (std::filesystem::is_regular_file(isnet.model, ec)) return NewIsnetSegmenter(isnet);
    return NewGrabCutSegmenter();
  }
  return Status::InvalidArgument("segmenter must be auto, grabcut or isnet, not " +
                                 std::string(choice));
}

}  // namespace vmsg::image
