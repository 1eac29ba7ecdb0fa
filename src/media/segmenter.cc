// See segmenter.h. GrabCut is cubic-ish in nothing but linear in pixels times iterations, so
// it runs small; the guided filter's linear coefficients are computed at that same small
// size and applied to the full-resolution guide ("fast guided filter", He & Sun 2015), which
// restores edge detail GrabCut never saw.
#include "media/segmenter.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "media/image_io.h"

namespace vmsg::media {
namespace {

// Seeds, in face sizes (w = face width, h = face height).
constexpr double kHeadAxisX = 0.75;  // probable head (with hair) around the face box
constexpr double kHeadAxisY = 0.95;
constexpr double kHeadLift = 0.15;       // the head's centre sits above the face box's
constexpr double kFaceCoreAxisX = 0.28;  // surely the person: the middle of the face
constexpr double kFaceCoreAxisY = 0.36;
constexpr double kHairlineAxisX = 0.3;  // around the face box's top edge
constexpr double kHairlineAxisY = 0.3;
constexpr double kNeckHalfWidth = 0.45;
constexpr double kShoulderHalfWidth = 1.4;
constexpr double kShoulderDrop = 1.1;  // shoulders this far below the chin
constexpr double kChestCoreHalfWidth = 0.3;
constexpr double kChestCoreTop = 0.4;  // below the chin
constexpr double kChestCoreBottom = 1.6;
// Without a face: the middle of the body box is surely the person.
constexpr double kBodyCoreAxis = 0.15;
// The image border is surely background, except where the torso leaves the picture.
constexpr double kBorderFraction = 0.02;
constexpr int kMinBorder = 2;

class GrabCutSegmenter final : public Segmenter {
 public:
  explicit GrabCutSegmenter(const GrabCutOptions& options) : options_(options) {}

  std::string_view Name() const override { return "grabcut"; }

  Result<cv::Mat> Segment(const cv::Mat& bgr, const PersonHint& hint) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      return Status::InvalidArgument("segmentation needs an 8-bit BGR image");
    }
    // OpenCV reports failures by exception (GrabCut: when the seeds leave a model without
    // samples); none may leave this module.
    try {
      return SegmentOrThrow(bgr, hint);
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("GrabCut failed: ") + e.what());
    }
  }

 private:
  cv::Mat SegmentOrThrow(const cv::Mat& bgr, const PersonHint& hint) const {
    // Always the working size, down or up: a tiny crop (a far-away person in a small photo)
    // would otherwise leave GrabCut too few pixels per seed to model its colours.
    const double scale = double(options_.working_side) / std::max(bgr.cols, bgr.rows);
    cv::Mat small;
    cv::resize(bgr, small, ScaledSize(bgr.size(), scale), 0, 0,
               scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);

    cv::Mat mask = Seeds(small.size(), hint, scale);
    cv::Mat background_model, foreground_model;
    cv::grabCut(small, mask, cv::Rect(), background_model, foreground_model, options_.iterations,
                cv::GC_INIT_WITH_MASK);
    cv::Mat sure = (mask == cv::GC_FGD);
    cv::Mat person = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD);
    person = KeepConnectedTo(person, sure);
    return Refine(bgr, small, person);
  }

  cv::Mat Seeds(cv::Size size, const PersonHint& hint, double scale) const {
    cv::Mat mask(size, CV_8UC1, cv::Scalar(cv::GC_PR_BGD));
    const cv::Rect bounds(0, 0, size.width, size.height);
    auto scaled = [&](const cv::Rect& r) {
      return cv::Rect(cv::Point(int(r.x * scale), int(r.y * scale)),
                      cv::Point(int((r.x + r.width) * scale), int((r.y + r.height) * scale)));
    };
    const int border =
        std::max(kMinBorder, int(std::max(size.width, size.height) * kBorderFraction));
    mask.rowRange(0, border).setTo(cv::GC_BGD);
    mask.colRange(0, border).setTo(cv::GC_BGD);
    mask.colRange(size.width - border, size.width).setTo(cv::GC_BGD);
    mask.rowRange(size.height - border, size.height).setTo(cv::GC_BGD);

    if (hint.face && !hint.face->empty()) {
      const cv::Rect face = scaled(*hint.face);
      const double w = face.width, h = face.height;
      const cv::Point2d centre(face.x + w / 2, face.y + h / 2);
      const double chin = face.y + h;
      // Probable person: head and a torso that widens to the shoulders and runs to the
      // bottom (bottom border included: the body leaves the picture there).
      cv::ellipse(mask, cv::Point(centre.x, centre.y - kHeadLift * h),
                  cv::Size(int(kHeadAxisX * w), int(kHeadAxisY * h)), 0, 0, 360,
                  cv::Scalar(cv::GC_PR_FGD), cv::FILLED);
      const std::vector<cv::Point> torso = {
          {int(centre.x - kNeckHalfWidth * w), int(chin - 0.1 * h)},
          {int(centre.x + kNeckHalfWidth * w), int(chin - 0.1 * h)},
          {int(centre.x + kShoulderHalfWidth * w), int(chin + kShoulderDrop * h)},
          {int(centre.x + kShoulderHalfWidth * w), size.height},
          {int(centre.x - kShoulderHalfWidth * w), size.height},
          {int(centre.x - kShoulderHalfWidth * w), int(chin + kShoulderDrop * h)}};
      cv::fillConvexPoly(mask, torso, cv::Scalar(cv::GC_PR_FGD));
      // Surely the person: the face's middle, the forehead and hairline just above the face
      // box (dlib's box starts at the eyebrows; seeding there gives GrabCut the hair's
      // colour, which dark backgrounds otherwise claim), and a strip down the chest.
      cv::ellipse(mask, centre, cv::Size(int(kFaceCoreAxisX * w), int(kFaceCoreAxisY * h)), 0, 0,
                  360, cv::Scalar(cv::GC_FGD), cv::FILLED);
      cv::ellipse(mask, cv::Point(int(centre.x), face.y),
                  cv::Size(int(kHairlineAxisX * w), int(kHairlineAxisY * h)), 0, 0, 360,
                  cv::Scalar(cv::GC_FGD), cv::FILLED);
      const cv::Rect chest(
          cv::Point(int(centre.x - kChestCoreHalfWidth * w), int(chin + kChestCoreTop * h)),
          cv::Point(int(centre.x + kChestCoreHalfWidth * w), int(chin + kChestCoreBottom * h)));
      mask(chest & bounds).setTo(cv::GC_FGD);
    } else {
      const cv::Rect body = hint.body.empty() ? bounds : (scaled(hint.body) & bounds);
      mask(body).setTo(cv::GC_PR_FGD);
      const cv::Point centre(body.x + body.width / 2, body.y + body.height / 2);
      cv::ellipse(mask, centre,
                  cv::Size(std::max(1, int(body.width * kBodyCoreAxis)),
                           std::max(1, int(body.height * kBodyCoreAxis))),
                  0, 0, 360, cv::Scalar(cv::GC_FGD), cv::FILLED);
    }
    return mask;
  }

  // Drops islands: only the parts of `person` connected to a sure seed are the person.
  static cv::Mat KeepConnectedTo(const cv::Mat& person, const cv::Mat& sure) {
    cv::Mat labels;
    const int count = cv::connectedComponents(person, labels, 8, CV_32S);
    std::vector<uchar> keep(count, 0);
    for (int y = 0; y < labels.rows; ++y) {
      const int* row = labels.ptr<int>(y);
      const uchar* seed = sure.ptr<uchar>(y);
      for (int x = 0; x < labels.cols; ++x) {
        if (seed[x] && row[x] > 0) keep[row[x]] = 1;
      }
    }
    cv::Mat out(person.size(), CV_8UC1);
    for (int y = 0; y < labels.rows; ++y) {
      const int* row = labels.ptr<int>(y);
      uchar* o = out.ptr<uchar>(y);
      for (int x = 0; x < labels.cols; ++x) o[x] = keep[row[x]] ? 255 : 0;
    }
    return out;
  }

  // Fast guided filter: coefficients from the small guide and mask, applied to the full guide.
  cv::Mat Refine(const cv::Mat& full, const cv::Mat& small, const cv::Mat& mask) const {
    cv::Mat guide_small, guide_full, p;
    cv::cvtColor(small, guide_small, cv::COLOR_BGR2GRAY);
    guide_small.convertTo(guide_small, CV_32F, 1.0 / 255);
    mask.convertTo(p, CV_32F, 1.0 / 255);
    const cv::Size window(2 * options_.guided_radius + 1, 2 * options_.guided_radius + 1);
    auto box = [&](const cv::Mat& m) {
      cv::Mat out;
      cv::boxFilter(m, out, CV_32F, window, cv::Point(-1, -1), true, cv::BORDER_REFLECT);
      return out;
    };
    const cv::Mat mean_i = box(guide_small);
    const cv::Mat mean_p = box(p);
    const cv::Mat corr_ip = box(guide_small.mul(p));
    const cv::Mat corr_ii = box(guide_small.mul(guide_small));
    const cv::Mat var_i = corr_ii - mean_i.mul(mean_i);
    const cv::Mat cov_ip = corr_ip - mean_i.mul(mean_p);
    cv::Mat a = cov_ip / (var_i + options_.guided_eps);
    cv::Mat b = mean_p - a.mul(mean_i);
    a = box(a);
    b = box(b);
    cv::resize(a, a, full.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(b, b, full.size(), 0, 0, cv::INTER_LINEAR);
    cv::cvtColor(full, guide_full, cv::COLOR_BGR2GRAY);
    guide_full.convertTo(guide_full, CV_32F, 1.0 / 255);
    cv::Mat q = a.mul(guide_full) + b;
    cv::Mat alpha;
    q.convertTo(alpha, CV_8U, 255);  // saturates to 0..255
    return alpha;
  }

  const GrabCutOptions options_;
};

}  // namespace

std::unique_ptr<Segmenter> NewGrabCutSegmenter(const GrabCutOptions& options) {
  return std::make_unique<GrabCutSegmenter>(options);
}

}  // namespace vmsg::media
