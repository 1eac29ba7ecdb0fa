// See matting.h. Both are a handful of box or Gaussian filters over float images, linear in
// the pixels whatever the radius.
#include "image/matting.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace vmsg::image {
namespace {

// Blur-fusion radii as fractions of the image's longer side (the paper's 90 and 6 pixels were
// chosen for photos of about 1500 pixels).
constexpr double kWideRadius = 0.06;
constexpr double kNarrowRadius = 0.004;
constexpr int kMinWideRadius = 4;
constexpr int kWideShrink = 4;
constexpr int kMinNarrowRadius = 1;
constexpr float kEpsilon = 1e-4f;

cv::Mat Box(const cv::Mat& m, int radius) {
  cv::Mat out;
  cv::boxFilter(m, out, CV_32F, cv::Size(2 * radius + 1, 2 * radius + 1), cv::Point(-1, -1), true,
                cv::BORDER_REPLICATE);
  return out;
}

cv::Mat Repeat3(const cv::Mat& one) {
  cv::Mat out;
  cv::merge(std::vector<cv::Mat>{one, one, one}, out);
  return out;
}

// One pass: F and B blurred within the sure regions, then F corrected so that
// alpha F + (1 - alpha) B reproduces the image. Updates f and b.
void FusionPass(const cv::Mat& image, const cv::Mat& a3, const cv::Mat& a1, cv::Mat& f, cv::Mat& b,
                int radius) {
  const cv::Mat blurred_a = Repeat3(Box(a1, radius));
  cv::Mat one_minus_a3 = cv::Scalar::all(1) - a3;
  const cv::Mat blurred_f = Box(f.mul(a3), radius) / (blurred_a + cv::Scalar::all(kEpsilon));
  const cv::Mat blurred_b = Box(b.mul(one_minus_a3), radius) /
                            ((cv::Scalar::all(1) - blurred_a) + cv::Scalar::all(kEpsilon));
  f = blurred_f + a3.mul(image - a3.mul(blurred_f) - one_minus_a3.mul(blurred_b));
  f = cv::max(cv::min(f, cv::Scalar::all(1)), cv::Scalar::all(0));
  b = blurred_b;
}

}  // namespace

cv::Mat EstimateForeground(const cv::Mat& bgr, const cv::Mat& alpha) {
  CV_Assert(bgr.type() == CV_8UC3 && alpha.type() == CV_8UC1 && bgr.size() == alpha.size());
  cv::Mat image, a1;
  bgr.convertTo(image, CV_32FC3, 1.0 / 255);
  alpha.convertTo(a1, CV_32F, 1.0 / 255);
  const cv::Mat a3 = Repeat3(a1);
  const int longer = std::max(bgr.cols, bgr.rows);
  // The wide pass only gathers the mean colours of the person and of the background around
  // each pixel, which vary slowly: it runs on the image shrunk kWideShrink times, and its
  // estimates are enlarged back for the narrow pass.
  cv::Mat small, small_a1;
  const cv::Size shrunk(std::max(1, bgr.cols / kWideShrink), std::max(1, bgr.rows / kWideShrink));
  cv::resize(image, small, shrunk, 0, 0, cv::INTER_AREA);
  cv::resize(a1, small_a1, shrunk, 0, 0, cv::INTER_AREA);
  cv::Mat f = small.clone(), b = small.clone();
  FusionPass(small, Repeat3(small_a1), small_a1, f, b,
             std::max(kMinWideRadius, int(kWideRadius * longer / kWideShrink)));
  cv::resize(f, f, bgr.size(), 0, 0, cv::INTER_LINEAR);
  cv::resize(b, b, bgr.size(), 0, 0, cv::INTER_LINEAR);
  FusionPass(image, a3, a1, f, b, std::max(kMinNarrowRadius, int(kNarrowRadius * longer)));
  // Sure pixels keep their own colour exactly.
  cv::Mat out;
  f.convertTo(out, CV_8UC3, 255);
  bgr.copyTo(out, (alpha == 255) | (alpha == 0));
  return out;
}

cv::Mat BlurBehind(const cv::Mat& bgr, const cv::Mat& alpha, double sigma) {
  CV_Assert(bgr.type() == CV_8UC3 && alpha.type() == CV_8UC1 && bgr.size() == alpha.size());
  cv::Mat image, weight;
  bgr.convertTo(image, CV_32FC3);
  alpha.convertTo(weight, CV_32F, -1.0 / 255, 1.0);
  cv::Mat num, den, plain;
  cv::GaussianBlur(image.mul(Repeat3(weight)), num, cv::Size(0, 0), sigma);
  cv::GaussianBlur(weight, den, cv::Size(0, 0), sigma);
  cv::GaussianBlur(image, plain, cv::Size(0, 0), sigma);
  // Where almost nothing of the background is near, the plain blur.
  constexpr float kMinWeight = 0.02f;
  cv::Mat out = num / Repeat3(cv::max(den, kMinWeight));
  plain.copyTo(out, den < kMinWeight);
  cv::Mat result;
  out.convertTo(result, CV_8UC3);
  return result;
}

}  // namespace vmsg::image
