// See segmenter.h. GrabCut is cubic-ish in nothing but linear in pixels times iterations, so
// it runs small; the guided filter's linear coefficients are computed at that same small
// size and applied to the full-resolution guide ("fast guided filter", He & Sun 2015), which
// restores edge detail GrabCut never saw.
#include "image/segmenter.h"

#include <algorithm>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "image/image_io.h"
#include "image/opencv_errors.h"

namespace vmsg::image {
namespace {

// Seeds, in face sizes (w = face width, h = face height).
constexpr double kHeadAxisX = 0.75;  // probable head (with hair) around the face box
constexpr double kHeadAxisY = 0.95;
constexpr double kHeadLift = 0.15;       // the head's centre sits above the face box's
constexpr double kFaceCoreAxisX = 0.28;  // surely the person: the middle of the face
constexpr double kFaceCoreAxisY = 0.36;
constexpr double kHairlineAxisX = 0.3;  // around the face box's top edge
constexpr double kHairlineAxisY = 0.3;
// A whole face (cheeks, chin, forehead) around dlib's box: an ellipse with these half-axes
// (fractions of the box), its centre this far below the box's.
constexpr double kWholeFaceAxisX = 0.62, kWholeFaceAxisY = 0.72;
constexpr double kWholeFaceDrop = 0.08;
constexpr double kNeckHalfWidth = 0.45;
constexpr double kShoulderHalfWidth = 1.4;
constexpr double kShoulderDrop = 1.1;  // shoulders this far below the chin
constexpr double kChestCoreHalfWidth = 0.3;
constexpr double kChestCoreTop = 0.4;  // below the chin
constexpr double kChestCoreBottom = 1.6;
// Without a face: the middle of the body box is surely the person.
constexpr double kBodyCoreAxis = 0.15;
// The image border is surely background, except where the torso leaves the picture (its
// colours tell GrabCut what the background looks like; where the person reaches the border
// along one of the photo's own edges, ExtendToOpenEdges gives the border back to them).
constexpr double kBorderFraction = 0.02;
constexpr int kMinBorder = 2;
// The neck: surely the person from the face's middle down to the chest, this wide (in face
// widths), so that the sure seeds are one connected region.
constexpr double kNeckCoreHalfWidth = 0.18;
// People, for the one-person rules: a head (an ellipse around the face box, hair included)
// and a torso (a vertical segment from the chin down). A pixel inside someone's head
// belongs to the nearest head: heads are in front of whatever torso runs behind them. Other
// pixels belong to the nearest torso, distances in shoulder half-widths; another person claims
// a pixel only within kOtherReach and by kChosenMargin nearer than the chosen person, so that
// doubtful pixels stay for GrabCut to decide.
constexpr double kTorsoLengthFaces = 4.0;  // from the chin
constexpr double kShoulderHalfWidthFaces = 1.4;
constexpr double kOtherReach = 1.2;
constexpr double kChosenMargin = 1.15;
// Within this distance of another person's torso axis the pixel is surely theirs; further out
// their claim is only probable, and GrabCut decides by colour.
constexpr double kOtherCore = 0.5;
// Without a face, the torso runs down the body box's middle from this far down it, and its
// half-width is this fraction of the box's width.
constexpr double kBodyAxisTop = 0.1;
constexpr double kBodyHalfWidth = 0.4;
// The soft edge kept around the chosen region, as a fraction of the matte's longer side.
constexpr double kEdgeKeepFraction = 0.01;
// The matte is refined only within this many working pixels of the binary edge.
constexpr int kBandWorkingPixels = 2;
constexpr int kOpaque = 128;
// ExtendToOpenEdges goes on while each colour channel stays within this of the person's.
constexpr int kEdgeColourTolerance = 40;
// LimitToOnePerson decides who is where at this size (longer side).
constexpr int kOwnershipSide = 256;

// A person's head and torso, and the distances to them.
struct Figure {
  std::optional<cv::Point2d> head_centre;  // absent without a face
  cv::Point2d head_radii{1, 1};
  cv::Point2d torso_top, torso_bottom;
  double torso_unit = 1;
  // 0 at the head's centre, 1 on its ellipse; infinite without a head.
  double HeadDistance(cv::Point2d p) const {
    if (!head_centre) return std::numeric_limits<double>::infinity();
    return std::hypot((p.x - head_centre->x) / head_radii.x, (p.y - head_centre->y) / head_radii.y);
  }
  // From the torso's axis, in shoulder half-widths; infinite when the torso is hidden.
  double TorsoDistance(cv::Point2d p) const {
    if (torso_bottom.y <= torso_top.y) return std::numeric_limits<double>::infinity();
    const double y = std::clamp(p.y, torso_top.y, torso_bottom.y);
    return std::hypot(p.x - torso_top.x, p.y - y) / torso_unit;
  }
  // Whether `front`'s head lies on this torso, below this figure's chin: then this person
  // stands behind `front`, and their torso is hidden from the top of that head down.
  void HideBehind(const Figure& front) {
    if (!front.head_centre || std::abs(front.head_centre->x - torso_top.x) > front.head_radii.x) {
      return;
    }
    if (front.head_centre->y <= torso_top.y) return;
    torso_bottom.y = std::min(torso_bottom.y, front.head_centre->y - front.head_radii.y);
  }
};

Figure FigureOf(const std::optional<cv::Rect>& face, const cv::Rect& body, cv::Size size,
                double scale) {
  Figure f;
  if (face && !face->empty()) {
    const cv::Rect2d b(face->x * scale, face->y * scale, face->width * scale, face->height * scale);
    const double cx = b.x + b.width / 2, chin = b.y + b.height;
    f.head_centre = cv::Point2d(cx, b.y + b.height / 2 - kHeadLift * b.height);
    f.head_radii = {std::max(1.0, kHeadAxisX * b.width), std::max(1.0, kHeadAxisY * b.height)};
    f.torso_top = {cx, chin};
    f.torso_bottom = {cx, chin + kTorsoLengthFaces * b.height};
    f.torso_unit = std::max(1.0, kShoulderHalfWidthFaces * b.width);
    return f;
  }
  const cv::Rect2d b = body.empty() ? cv::Rect2d(0, 0, size.width, size.height)
                                    : cv::Rect2d(body.x * scale, body.y * scale, body.width * scale,
                                                 body.height * scale);
  const double cx = b.x + b.width / 2;
  f.torso_top = {cx, b.y + kBodyAxisTop * b.height};
  f.torso_bottom = {cx, b.y + b.height};
  f.torso_unit = std::max(1.0, kBodyHalfWidth * b.width);
  return f;
}

// The seed point of the chosen person: the face's centre, or the body's.
// The chosen person and the others, each torso cut where another's head hides it.
std::pair<Figure, std::vector<Figure>> Figures(const PersonHint& hint, cv::Size size,
                                               double scale) {
  Figure chosen = FigureOf(hint.face, hint.body, size, scale);
  std::vector<Figure> others;
  for (const PersonBoxes& o : hint.others) others.push_back(FigureOf(o.face, o.body, size, scale));
  const Figure original = chosen;
  for (Figure& o : others) {
    chosen.HideBehind(o);
    o.HideBehind(original);
  }
  return {chosen, others};
}

cv::Point SeedPoint(const PersonHint& hint, cv::Size size, double scale) {
  const Figure figure = FigureOf(hint.face, hint.body, size, scale);
  const cv::Point2d p = figure.head_centre.value_or((figure.torso_top + figure.torso_bottom) * 0.5);
  return {std::clamp(int(p.x), 0, size.width - 1), std::clamp(int(p.y), 0, size.height - 1)};
}

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
      return OpenCvError("GrabCut", e);
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
    // GrabCut at a small size gives the mixed pixels of the outline to the person: choke the
    // mask by a working pixel (not along the image's border, where the body leaves it) so
    // that the old background does not cling to the refined edge.
    cv::Mat choked;
    cv::erode(person, choked, cv::Mat(), cv::Point(-1, -1), options_.choke, cv::BORDER_REPLICATE);
    cv::Mat alpha = LimitToOnePerson(Refine(bgr, small, choked), hint);
    // The seeds' border band, and the choke, in the crop's pixels (and one more).
    const int border =
        std::max(kMinBorder, int(std::max(small.cols, small.rows) * kBorderFraction));
    ExtendToOpenEdges(alpha, bgr, hint, int(std::ceil((border + options_.choke + 1) / scale)));
    return alpha;
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
      // Other people are background, even inside this person's torso shape (someone
      // standing behind the shoulder); only the sure seeds below override them.
      MarkOthers(mask, OtherPeopleMask(size, hint, scale));
      // Surely the person: the face's middle, the forehead and hairline just above the face
      // box (dlib's box starts at the eyebrows; seeding there gives GrabCut the hair's
      // colour, which dark backgrounds otherwise claim), and a strip down the chest.
      cv::ellipse(mask, centre, cv::Size(int(kFaceCoreAxisX * w), int(kFaceCoreAxisY * h)), 0, 0,
                  360, cv::Scalar(cv::GC_FGD), cv::FILLED);
      cv::ellipse(mask, cv::Point(int(centre.x), face.y),
                  cv::Size(int(kHairlineAxisX * w), int(kHairlineAxisY * h)), 0, 0, 360,
                  cv::Scalar(cv::GC_FGD), cv::FILLED);
      // The chest only down to where someone in front hides it (their head on this torso).
      const int visible = int(Figures(hint, size, scale).first.torso_bottom.y);
      const cv::Rect chest(
          cv::Point(int(centre.x - kChestCoreHalfWidth * w), int(chin + kChestCoreTop * h)),
          cv::Point(int(centre.x + kChestCoreHalfWidth * w),
                    std::min(visible, int(chin + kChestCoreBottom * h))));
      mask(chest & bounds).setTo(cv::GC_FGD);
      const cv::Rect neck(cv::Point(int(centre.x - kNeckCoreHalfWidth * w), int(centre.y)),
                          cv::Point(int(centre.x + kNeckCoreHalfWidth * w),
                                    std::min(visible, int(chin + kChestCoreTop * h) + 1)));
      mask(neck & bounds).setTo(cv::GC_FGD);
    } else {
      const cv::Rect body = hint.body.empty() ? bounds : (scaled(hint.body) & bounds);
      mask(body).setTo(cv::GC_PR_FGD);
      MarkOthers(mask, OtherPeopleMask(size, hint, scale));
      const cv::Point centre(body.x + body.width / 2, body.y + body.height / 2);
      cv::ellipse(mask, centre,
                  cv::Size(std::max(1, int(body.width * kBodyCoreAxis)),
                           std::max(1, int(body.height * kBodyCoreAxis))),
                  0, 0, 360, cv::Scalar(cv::GC_FGD), cv::FILLED);
    }
    return mask;
  }

  static void MarkOthers(cv::Mat& mask, const cv::Mat& others) {
    mask.setTo(cv::GC_PR_BGD, others == kProbablySomeoneElse);
    mask.setTo(cv::GC_BGD, others == kSurelySomeoneElse);
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
    // Soft only near the edge GrabCut found: far from it the guide's colours must not bring
    // back pieces of a background that merely looks like the person.
    cv::Mat edge;
    cv::resize(mask, edge, full.size(), 0, 0, cv::INTER_NEAREST);
    const int band =
        std::max(1, int(std::lround(kBandWorkingPixels * full.cols / double(small.cols))));
    const cv::Mat kernel =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * band + 1, 2 * band + 1));
    cv::Mat inside, reach;
    cv::erode(edge, inside, kernel);
    cv::dilate(edge, reach, kernel);
    alpha.setTo(255, inside);
    alpha.setTo(0, reach == 0);
    return alpha;
  }

  const GrabCutOptions options_;
};

}  // namespace

cv::Mat OtherPeopleMask(cv::Size size, const PersonHint& hint, double scale) {
  cv::Mat out(size, CV_8UC1, cv::Scalar(kNobodyElse));
  if (hint.others.empty()) return out;
  const auto [chosen, others] = Figures(hint, size, scale);
  auto scaled = [scale](const cv::Rect& r) {
    return cv::Rect2d(r.x * scale, r.y * scale, r.width * scale, r.height * scale);
  };
  // How far `p` is inside the whole face around `box` (dlib's box runs from the brows to the
  // lips: cheeks, chin and forehead lie outside it): 0 at its middle, 1 on its edge.
  auto face_distance = [](const cv::Rect2d& box, cv::Point2d p) {
    const cv::Point2d centre(box.x + box.width / 2, box.y + (0.5 + kWholeFaceDrop) * box.height);
    return std::hypot((p.x - centre.x) / (kWholeFaceAxisX * box.width),
                      (p.y - centre.y) / (kWholeFaceAxisY * box.height));
  };
  const bool has_own_face = hint.face.has_value();
  const cv::Rect2d own_face = has_own_face ? scaled(*hint.face) : cv::Rect2d();
  std::vector<cv::Rect2d> other_faces;
  for (const PersonBoxes& o : hint.others) {
    if (o.face) other_faces.push_back(scaled(*o.face));
  }
  // Another person's whole face is theirs, except where it overlaps the chosen one's and lies
  // nearer the chosen face's middle (in each face's own size): two faces cheek to cheek part
  // between them, and no neighbour's cheek or chin stays with the chosen person.
  auto in_other_face = [&](cv::Point2d p) {
    const double own = has_own_face ? face_distance(own_face, p) : 2.0;
    for (const cv::Rect2d& f : other_faces) {
      if (const double theirs = face_distance(f, p); theirs < 1 && theirs < own) return true;
    }
    return false;
  };
  for (int y = 0; y < size.height; ++y) {
    uchar* row = out.ptr<uchar>(y);
    for (int x = 0; x < size.width; ++x) {
      const cv::Point2d p(x, y);
      if (in_other_face(p)) {
        row[x] = kSurelySomeoneElse;
        continue;
      }
      // Then heads: inside any head, the nearest head's owner has the pixel.
      double nearest_head = chosen.HeadDistance(p);
      bool other_head = false;
      for (const Figure& o : others) {
        const double d = o.HeadDistance(p);
        if (d < nearest_head) {
          nearest_head = d;
          other_head = true;
        }
      }
      if (nearest_head < 1) {
        row[x] = other_head ? kSurelySomeoneElse : kNobodyElse;
        continue;
      }
      const double mine = chosen.TorsoDistance(p);
      for (const Figure& o : others) {
        const double theirs = o.TorsoDistance(p);
        if (theirs < kOtherReach && theirs * kChosenMargin < mine) {
          row[x] =
              std::max(row[x], theirs < kOtherCore ? kSurelySomeoneElse : kProbablySomeoneElse);
        }
      }
    }
  }
  return out;
}

void ExtendToOpenEdges(cv::Mat& alpha, const cv::Mat& bgr, const PersonHint& hint, int band) {
  band = std::min({band, alpha.cols / 4, alpha.rows / 4});
  if (band <= 0) return;
  // From `from` (the band's inner edge, where the person is opaque) step by `step` towards
  // the photo's edge, giving each pixel the inner edge's alpha while its colour stays that
  // of the person there: a limb goes on, a gap of background between the person and the edge
  // does not.
  auto extend = [&](cv::Point from, cv::Point step) {
    const uchar a = alpha.at<uchar>(from);
    if (a < kOpaque) return;
    const cv::Vec3b colour = bgr.at<cv::Vec3b>(from);
    for (cv::Point p = from + step; p.x >= 0 && p.y >= 0 && p.x < alpha.cols; p += step) {
      const cv::Vec3b c = bgr.at<cv::Vec3b>(p);
      for (int ch = 0; ch < 3; ++ch) {
        if (std::abs(int(c[ch]) - int(colour[ch])) > kEdgeColourTolerance) return;
      }
      alpha.at<uchar>(p) = a;
    }
  };
  for (int y = 0; y < alpha.rows; ++y) {
    if (hint.open_left) extend({band, y}, {-1, 0});
    if (hint.open_right) extend({alpha.cols - 1 - band, y}, {1, 0});
  }
  if (hint.open_top) {
    for (int x = 0; x < alpha.cols; ++x) extend({x, band}, {0, -1});
  }
}

cv::Mat LimitToOnePerson(const cv::Mat& alpha, const PersonHint& hint) {
  cv::Mat out = alpha.clone();
  // Who is where changes slowly across the picture: it is worked out at a small size.
  const double scale = std::min(1.0, double(kOwnershipSide) / std::max(out.cols, out.rows));
  cv::Mat others = OtherPeopleMask(ScaledSize(out.size(), scale), hint, scale);
  cv::resize(others, others, out.size(), 0, 0, cv::INTER_NEAREST);
  out.setTo(0, others == kSurelySomeoneElse);
  const cv::Mat person = out >= kOpaque;
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(person, labels, stats, centroids, 8, CV_32S);
  if (count <= 1) return out;
  // The region under the seed point, or else the largest.
  const cv::Point seed = SeedPoint(hint, out.size(), 1.0);
  int keep = labels.at<int>(seed);
  if (keep == 0) {
    for (int i = 1; i < count; ++i) {
      if (keep == 0 || stats.at<int>(i, cv::CC_STAT_AREA) > stats.at<int>(keep, cv::CC_STAT_AREA)) {
        keep = i;
      }
    }
  }
  // Every other region goes; the kept one's soft edge (alpha under half) lies just outside
  // it: a thin ring of that stays.
  const cv::Mat region = labels == keep;
  out.setTo(0, person & ~region);
  const int ring = std::max(2, int(kEdgeKeepFraction * std::max(out.cols, out.rows)));
  cv::Mat near;
  cv::dilate(region, near,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * ring + 1, 2 * ring + 1)));
  out.setTo(0, near == 0);
  return out;
}

std::unique_ptr<Segmenter> NewGrabCutSegmenter(const GrabCutOptions& options) {
  return std::make_unique<GrabCutSegmenter>(options);
}

}  // namespace vmsg::image
