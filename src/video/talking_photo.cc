// See talking_photo.h. Every frame is one backward map: for each output pixel, where in the
// framed picture its colour comes from. The map is a chain of three small inverses: the
// camera (zoom and breathing, one affine map for the whole picture, drawn with warpAffine),
// the head (a rotation and sway weighted to the head and fading out around it), and the face
// (jaw, lips, eyelids), all defined directly as backward maps so nothing needs inverting.
// Only the head's region goes through the chain (a remap of a few hundred pixels square);
// the rest of the picture is the plain affine warp.
#include "video/talking_photo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <random>

#include "image/framing.h"
#include "image/opencv_errors.h"
#include "image/person_detector.h"
#include "video/motion_math.h"

namespace vmsg::video {
namespace {

// dlib's 68-point layout.
constexpr int kJawFirst = 4, kJawLast = 12;  // the jaw line from below one ear to the other
constexpr int kChin = 8, kNoseBottom = 33;
constexpr int kOuterLeft = 48, kOuterRight = 54, kOuterTop = 51, kOuterBottom = 57;
constexpr int kInnerLeft = 60, kInnerRight = 64;
constexpr int kBrowFirst = 17;  // 17-21 and 22-26
constexpr std::array kLowerInner = {60, 67, 66, 65, 64};
constexpr std::array kUpperInner = {60, 61, 62, 63, 64};
constexpr std::array<std::array<int, 4>, 2> kEyeUpper = {{{36, 37, 38, 39}, {42, 43, 44, 45}}};
constexpr std::array<std::array<int, 4>, 2> kEyeLower = {{{36, 41, 40, 39}, {42, 47, 46, 45}}};

// Face measurements below which the landmarks are taken as unusable (frame pixels).
// Without a face, the zoom is centred where a framed face's eyes would be.
constexpr double kNoFaceZoomCentreY = (image::kMinEyeLine + image::kMaxEyeLine) / 2;
// The head's motion is worked out every this many output pixels and interpolated between.
constexpr int kMotionGrid = 4;
constexpr double kMinMouthWidth = 8;
constexpr double kMinNoseToChin = 10;
constexpr double kMinEyeWidth = 4;

// The head, as an ellipse around the landmarks: its centre this far above the landmarks'
// centre (fraction of their height), its radii as fractions of their width and height;
// the head's motion fades out between the ellipse and kHeadFadeRadius times it.
constexpr double kHeadCentreRaise = 0.3;
constexpr double kHeadRadiusX = 0.6, kHeadRadiusY = 0.8;
constexpr double kHeadFadeRadius = 1.5;
// The head turns about a point in the neck, this far (fraction of the landmarks' height)
// below the chin.
constexpr double kNeckPivot = 0.25;

// The jaw: below the lower lip the displacement grows from the lip's to the full opening
// over this fraction of the lip-to-chin distance, and below the chin fades out over this
// fraction of the nose-to-chin distance (the neck).
constexpr double kJawRamp = 0.6;
constexpr double kNeckFade = 0.6;
// The lips' sideways squeeze fades out between the mouth's half width and this many times it,
// and above and below the lips over this fraction of the half width (above, at most down to
// the nose, which stays as it is).
constexpr double kSqueezeReach = 2;
constexpr double kSqueezeFade = 0.5;
// The jaw moves with full weight within the mouth's width, fading out to nothing this
// fraction of the way from the mouth corner to the jaw line's side.
constexpr double kJawSideReach = 0.9;

// The mouth cavity: darker at the top; its colours as fractions of the lips' colour.
constexpr double kCavityTop = 0.28, kCavityBottom = 0.5;
// Pixels of the 910-high portrait, FrameUnit times as many at another height (as every detail
// below given in pixels): a larger frame shows the same photo enlarged more, its own edges
// as much softer, and a cavity edge drawn one pixel wide there looks pasted on.
constexpr double kCavityFeather = 1.0;
// A thinner gap is drawn fainter.
constexpr double kMinGap = 1.5;
// Upper teeth glimpsed at the top of the cavity (only when the photo's own mouth is closed):
// their height as a fraction of the gap, at most a fraction of the mouth's width.
constexpr double kTeethFraction = 0.3, kMaxTeethFraction = 0.06, kTeethOpacity = 0.9;
// The lower teeth, at the gap's bottom once it is wider than kLowerTeethFromGap of the mouth's
// width: a fraction of the gap, at most a fraction of the mouth's width, in shadow.
constexpr double kLowerTeethFromGap = 0.05, kLowerTeethFraction = 0.16;
constexpr double kMaxLowerTeethFraction = 0.035, kLowerTeethOpacity = 0.5;
constexpr double kLowerTeethShade = 0.7;
// They fill the middle of the gap out to this fraction of its half width, then fade out over
// the next, and darken by this fraction towards their lower edge.
constexpr double kFrontTeeth = 0.4, kTeethFade = 0.4, kTeethShade = 0.25;
// Their colour (BGR) on a face whose nose (its lower half) averages kTeethSkin, scaled with
// the skin's brightness (not below kMinTeethBrightness: teeth stay lighter than skin).
const cv::Vec3d kTeethColour(212, 226, 236);
constexpr double kTeethSkin = 150, kMinTeethBrightness = 0.8;
// The photo's own mouth counts as closed when its inner lips are this close (fraction of the
// mouth's width).
constexpr double kClosedInnerGap = 0.06;
// The eyelid skin stretched down over the eye when it closes spans this fraction of the
// eye's width above the lid, but at most kLidToBrow of the way up to the brow (so the brow's
// hair is never pulled down onto the lid).
constexpr double kLidStretch = 0.3, kLidToBrow = 0.4;
constexpr double kLidEdge = 1.0;
// The lash line: the closing lid's edge darkens over this many pixels, once the lid is this
// far down, to at most this opacity of kLashColour.
constexpr double kLashWidth = 1.6, kLashFrom = 0.25, kLashOpacity = 0.55;
const cv::Vec3d kLashColour(38, 36, 40);
// The brows move with full weight from this far above their landmarks' line (a fraction of
// the brow-to-lid distance) to this far below it, fading out above over kBrowFadeUp and
// below by kBrowFadeDown (above the upper lid), and sideways over kBrowSide of their width.
constexpr double kBrowAbove = 0.4, kBrowBelow = 0.3, kBrowFadeUp = 1.2, kBrowFadeDown = 0.85;
constexpr double kBrowSide = 0.25;
// A mouth this open or less counts as at rest for the thumbnail.
constexpr double kRestOpen = 0.02;
// Without a face, the picture sways on slow sines (Hz): two sideways, one vertical.
constexpr std::array kMotionHz = {0.07, 0.17, 0.13};
constexpr size_t kPhaseCount = kMotionHz.size() + 1;  // and the breath
// The sideways sway mixes its two sines in these shares (at most 1 together); the vertical
// sway is this fraction of the sideways one.
constexpr double kFirstWave = 0.6, kSecondWave = 0.4;
constexpr double kVerticalSway = 0.5;

// A smooth y(x) through points in increasing x (a Catmull-Rom spline: straight segments
// would show as corners in the lips' and lids' lines); constant beyond its ends.
struct Curve {
  std::vector<cv::Point2d> points;
  double At(double x) const {
    if (x <= points.front().x) return points.front().y;
    if (x >= points.back().x) return points.back().y;
    size_t i = 1;
    while (points[i].x < x) ++i;
    const cv::Point2d a = points[i - 1], b = points[i];
    const double span = b.x - a.x;
    if (span <= 0) return b.y;
    const double u = (x - a.x) / span;
    const double ta = Slope(i - 1) * span, tb = Slope(i) * span;
    const double u2 = u * u, u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * a.y + (u3 - 2 * u2 + u) * ta + (-2 * u3 + 3 * u2) * b.y +
           (u3 - u2) * tb;
  }

 private:
  double Slope(size_t i) const {
    const cv::Point2d& p = points[i > 0 ? i - 1 : 0];
    const cv::Point2d& q = points[std::min(i + 1, points.size() - 1)];
    return q.x > p.x ? (q.y - p.y) / (q.x - p.x) : 0;
  }
};

template <size_t N>
std::optional<Curve> CurveThrough(const std::vector<cv::Point2f>& lm,
                                  const std::array<int, N>& at) {
  Curve c;
  for (const int i : at) {
    if (!c.points.empty() && lm[size_t(i)].x < c.points.back().x) return std::nullopt;
    c.points.emplace_back(lm[size_t(i)]);
  }
  return c;
}

struct Eye {
  double left = 0, right = 0;  // corners' x
  Curve upper, lower;
  double stretch = 0;
  double lash_width = kLashWidth;  // pixels, at this frame's size
  double lid_edge = kLidEdge;
};

struct Brow {
  double left = 0, right = 0;  // ends' x
  Curve line;                  // through dlib's brow points
  double gap = 0;              // from the line down to the upper lid, at the middle
};

// The brow's line at `x`, carried on straight beyond its ends at their slope: a line held
// level there would bend the raise's weights, and so the warp, where it meets the brow.
double BrowLine(const Brow& brow, double x) {
  const double end = std::clamp(x, brow.left, brow.right);
  const double inward = x < brow.left ? 1 : -1;
  const double slope = (brow.line.At(end + inward) - brow.line.At(end)) * inward;
  return brow.line.At(end) + slope * (x - end);
}

}  // namespace

struct TalkingPhoto::Geometry {
  cv::Rect roi;         // framed pixels whose source may differ from the camera map's
  cv::Mat head_weight;  // CV_32F over roi
  cv::Point2d pivot;    // the head turns about it
  cv::Point2d centre;   // of the landmarks; the zoom keeps it in place
  // The face's roll: the mouth and eyes are handled in upright coordinates about `centre`.
  double roll_cos = 1, roll_sin = 0;
  cv::Point2d Upright(cv::Point2d p) const {
    const cv::Point2d v = p - centre;
    return {roll_cos * v.x + roll_sin * v.y + centre.x,
            -roll_sin * v.x + roll_cos * v.y + centre.y};
  }
  cv::Point2d FromUpright(cv::Point2d p) const {
    const cv::Point2d v = p - centre;
    return {roll_cos * v.x - roll_sin * v.y + centre.x, roll_sin * v.x + roll_cos * v.y + centre.y};
  }
  // Frame pixels where the mouth, the eyes (lids and gaze) and the brows may act.
  cv::Rect2d mouth_area, eyes_area, brows_area;
  cv::Rect2d mouth_box;  // upright: where the jaw, lips and cavity act
  // The mouth.
  double cx = 0, half_outer = 0;                 // outer lips' centre and half width
  double inner_cx = 0, inner_half = 0;           // inner lips'
  double corner_left_y = 0, corner_right_y = 0;  // the inner corners' heights
  Curve lower_inner, jaw;
  double jaw_half = 0;  // the jaw's displacement ends this far sideways from cx
  double max_open = 0;  // pixels, for a wide "a"
  double ramp = 0, neck_fade = 0;
  double lip_top = 0, lip_bottom = 0, squeeze_fade_top = 1, squeeze_fade_bottom = 1;
  cv::Vec3d cavity_top, cavity_bottom, teeth;
  bool teeth_hint = false;
  std::array<Eye, 2> eyes;
  cv::Rect2d eye_box[2];  // upright
  std::array<Brow, 2> brows;
  cv::Rect2d brow_box[2];    // upright
  double face_height = 0;    // brows to chin
  double nod_radius = 0;     // from the pivot to the face's centre
  double min_gap = kMinGap;  // pixels, at this frame's size
  double cavity_feather = kCavityFeather;
  // The mesh (FaceWarp::kMesh), upright: its vertices (the 68 landmarks, then the ring), its
  // triangles, each triangle's map from (x, y, 1) to its vertices' weights, and for each
  // pixel of `mesh_box` the triangle holding it (-1: none).
  std::vector<cv::Point2d> mesh_vertices;
  std::vector<std::array<int, 3>> mesh_triangles;
  std::vector<cv::Matx33d> mesh_weights;
  cv::Rect mesh_box;
  cv::Mat mesh_triangle_of;  // CV_32S
};

namespace {

using Geometry = TalkingPhoto::Geometry;

// The ring's points on each side of the box around the features.
constexpr int kMeshRingSide = 6;

// Triangulates the upright landmarks `lm` and a ring around every box where the features
// act (the warp is nothing there, so the mesh joins the rest of the picture seamlessly).
void BuildMesh(Geometry& g, const std::vector<cv::Point2f>& lm) {
  cv::Rect2d around = g.mouth_box;
  for (int e = 0; e < 2; ++e) around |= g.eye_box[e] | g.brow_box[e];
  around = cv::Rect2d(around.x - 2, around.y - 2, around.width + 4, around.height + 4);
  std::vector<cv::Point2d>& v = g.mesh_vertices;
  for (const cv::Point2f& p : lm) v.emplace_back(p);
  for (int i = 0; i < kMeshRingSide; ++i) {
    const double f = double(i) / kMeshRingSide;
    v.emplace_back(around.x + f * around.width, around.y);
    v.emplace_back(around.br().x, around.y + f * around.height);
    v.emplace_back(around.br().x - f * around.width, around.br().y);
    v.emplace_back(around.x, around.br().y - f * around.height);
  }
  std::vector<cv::Point2f> corners(v.begin(), v.end());
  const cv::Rect bounds = cv::boundingRect(corners);
  g.mesh_box = cv::Rect(bounds.x - 1, bounds.y - 1, bounds.width + 3, bounds.height + 3);
  cv::Subdiv2D subdivision(g.mesh_box);
  for (const cv::Point2d& p : v) subdivision.insert(cv::Point2f(p));
  std::vector<cv::Vec6f> triangles;
  subdivision.getTriangleList(triangles);
  auto nearest = [&](float x, float y) {
    size_t best = 0;
    for (size_t i = 1; i < v.size(); ++i) {
      if (cv::norm(v[i] - cv::Point2d(x, y)) < cv::norm(v[best] - cv::Point2d(x, y))) best = i;
    }
    return int(best);
  };
  g.mesh_triangle_of = cv::Mat(g.mesh_box.size(), CV_32S, cv::Scalar(-1));
  const cv::Rect2d inside(g.mesh_box);
  for (const cv::Vec6f& t : triangles) {
    // Triangles on Subdiv2D's outer helper vertices are not the mesh's.
    if (!inside.contains({t[0], t[1]}) || !inside.contains({t[2], t[3]}) ||
        !inside.contains({t[4], t[5]})) {
      continue;
    }
    const std::array<int, 3> at = {nearest(t[0], t[1]), nearest(t[2], t[3]), nearest(t[4], t[5])};
    const cv::Point2d a = v[size_t(at[0])], b = v[size_t(at[1])], c = v[size_t(at[2])];
    const cv::Matx33d corners_of(a.x, b.x, c.x, a.y, b.y, c.y, 1, 1, 1);
    if (std::abs(cv::determinant(corners_of)) < 1e-6) continue;
    const int index = int(g.mesh_triangles.size());
    g.mesh_triangles.push_back(at);
    g.mesh_weights.push_back(corners_of.inv());
    // Sub-pixel corners (4 fractional bits), relative to the box.
    constexpr int kShift = 4;
    std::array<cv::Point, 3> poly;
    for (size_t k = 0; k < 3; ++k) {
      const cv::Point2d q = (v[size_t(at[k])] - cv::Point2d(g.mesh_box.tl())) * (1 << kShift);
      poly[k] = cv::Point(int(std::lround(q.x)), int(std::lround(q.y)));
    }
    cv::fillConvexPoly(g.mesh_triangle_of, poly.data(), 3, cv::Scalar(index), cv::LINE_8, kShift);
  }
}

std::optional<Geometry> Measure(const cv::Mat& framed, const std::vector<cv::Point2f>& frame_lm,
                                double open_fraction, bool mesh) {
  if (frame_lm.size() != size_t(image::kLandmarkCount)) return std::nullopt;
  const cv::Rect2d frame(0, 0, framed.cols, framed.rows);
  for (const cv::Point2f& p : frame_lm) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !frame.contains(p)) return std::nullopt;
  }
  Geometry g;
  // The face's own axes: a tilted head opens its mouth and closes its eyes along its tilt.
  // The mouth and eyes are measured, and warped, in upright coordinates about the centre.
  double x0 = frame_lm[0].x, x1 = x0, y0 = frame_lm[0].y, y1 = y0;
  for (const cv::Point2f& p : frame_lm) {
    x0 = std::min<double>(x0, p.x), x1 = std::max<double>(x1, p.x);
    y0 = std::min<double>(y0, p.y), y1 = std::max<double>(y1, p.y);
  }
  g.centre = {(x0 + x1) / 2, (y0 + y1) / 2};
  cv::Point2d eye_centre[2];
  for (int i = 36; i < 48; ++i) eye_centre[i < 42 ? 0 : 1] += cv::Point2d(frame_lm[size_t(i)]) / 6;
  const cv::Point2d across = eye_centre[1] - eye_centre[0];
  if (across.x <= 0) return std::nullopt;
  const double roll = std::atan2(across.y, across.x);
  g.roll_cos = std::cos(roll);
  g.roll_sin = std::sin(roll);
  std::vector<cv::Point2f> lm;
  for (const cv::Point2f& p : frame_lm) lm.emplace_back(g.Upright(p));
  auto P = [&](int i) { return cv::Point2d(lm[size_t(i)]); };
  const double mouth_width = P(kOuterRight).x - P(kOuterLeft).x;
  const double nose_to_chin = P(kChin).y - P(kNoseBottom).y;
  if (mouth_width < kMinMouthWidth || nose_to_chin < kMinNoseToChin) return std::nullopt;
  if (P(kInnerRight).x - P(kInnerLeft).x < kMinMouthWidth / 2) return std::nullopt;

  auto lower = CurveThrough(lm, kLowerInner);
  std::array<int, kJawLast - kJawFirst + 1> jaw_at;
  for (int i = kJawFirst; i <= kJawLast; ++i) jaw_at[size_t(i - kJawFirst)] = i;
  auto jaw = CurveThrough(lm, jaw_at);
  if (!lower || !jaw) return std::nullopt;
  g.lower_inner = *lower;
  g.jaw = *jaw;
  g.cx = (P(kOuterLeft).x + P(kOuterRight).x) / 2;
  g.half_outer = mouth_width / 2;
  g.inner_cx = (P(kInnerLeft).x + P(kInnerRight).x) / 2;
  g.inner_half = (P(kInnerRight).x - P(kInnerLeft).x) / 2;
  g.corner_left_y = P(kInnerLeft).y;
  g.corner_right_y = P(kInnerRight).y;
  const double jaw_side = std::min(g.cx - P(kJawFirst).x, P(kJawLast).x - g.cx);
  g.jaw_half =
      std::max(g.half_outer * 1.3, g.half_outer + kJawSideReach * (jaw_side - g.half_outer));
  g.max_open = open_fraction * nose_to_chin;
  g.lip_top = P(kOuterTop).y;
  g.lip_bottom = P(kOuterBottom).y;
  g.squeeze_fade_bottom = kSqueezeFade * g.half_outer;
  g.squeeze_fade_top = std::clamp(g.lip_top - P(kNoseBottom).y, 1.0, g.squeeze_fade_bottom);
  g.ramp = std::max(2.0, kJawRamp * (P(kChin).y - P(66).y));
  g.neck_fade = kNeckFade * nose_to_chin;
  g.min_gap = kMinGap * image::FrameUnit(framed.rows);
  g.cavity_feather = kCavityFeather * image::FrameUnit(framed.rows);

  for (int e = 0; e < 2; ++e) {
    auto upper_lid = CurveThrough(lm, kEyeUpper[size_t(e)]);
    auto lower_lid = CurveThrough(lm, kEyeLower[size_t(e)]);
    if (!upper_lid || !lower_lid) return std::nullopt;
    Eye& eye = g.eyes[size_t(e)];
    eye.upper = *upper_lid;
    eye.lower = *lower_lid;
    eye.left = eye.upper.points.front().x;
    eye.right = eye.upper.points.back().x;
    if (eye.right - eye.left < kMinEyeWidth) return std::nullopt;
    eye.stretch = kLidStretch * (eye.right - eye.left);
    eye.lash_width = kLashWidth * image::FrameUnit(framed.rows);
    eye.lid_edge = kLidEdge * image::FrameUnit(framed.rows);
    double top = eye.upper.points[0].y, bottom = top;
    for (const auto& p : eye.upper.points) top = std::min(top, p.y);
    for (const auto& p : eye.lower.points) bottom = std::max(bottom, p.y);
    g.eye_box[e] =
        cv::Rect2d(eye.left, top - eye.stretch, eye.right - eye.left, bottom - top + eye.stretch);
  }
  double brow_top = P(kChin).y;
  for (int e = 0; e < 2; ++e) {
    std::array<int, 5> at;
    for (int i = 0; i < 5; ++i) at[size_t(i)] = kBrowFirst + 5 * e + i;
    auto line = CurveThrough(lm, at);
    if (!line) return std::nullopt;
    Brow& brow = g.brows[size_t(e)];
    brow.line = *line;
    brow.left = line->points.front().x;
    brow.right = line->points.back().x;
    const Eye& eye = g.eyes[size_t(e)];
    const double middle = (eye.left + eye.right) / 2;
    brow.gap = eye.upper.At(middle) - brow.line.At(middle);
    if (brow.right - brow.left < kMinEyeWidth || brow.gap < 2) return std::nullopt;
    double low = line->points[0].y, high = low;
    for (const auto& p : line->points) low = std::max(low, p.y), high = std::min(high, p.y);
    brow_top = std::min(brow_top, high);
    const double side = kBrowSide * (brow.right - brow.left);
    // The line carries on beyond the brow's ends, where the raise fades out.
    for (const double x : {brow.left - side, brow.right + side}) {
      low = std::max(low, BrowLine(brow, x)), high = std::min(high, BrowLine(brow, x));
    }
    // The box holds every point the raise moves (its weight is zero outside).
    const double up = (kBrowAbove + kBrowFadeUp) * brow.gap;
    g.brow_box[e] = cv::Rect2d(brow.left - side, high - up, brow.right - brow.left + 2 * side,
                               low + kBrowFadeDown * brow.gap - (high - up));
  }
  g.face_height = P(kChin).y - brow_top;
  for (int e = 0; e < 2; ++e) {
    Eye& eye = g.eyes[size_t(e)];
    eye.stretch = std::min(eye.stretch, kLidToBrow * g.brows[size_t(e)].gap);
  }

  // The head and where its motion reaches.
  const double w = x1 - x0, h = y1 - y0;
  const cv::Point2d head(g.centre.x, g.centre.y - kHeadCentreRaise * h);
  const double rx = kHeadRadiusX * w, ry = kHeadRadiusY * h;
  const cv::Point2d chin(frame_lm[kChin]);
  g.pivot = {chin.x, chin.y + kNeckPivot * h};
  g.nod_radius = cv::norm(g.centre - g.pivot);
  const cv::Rect2d reach(head.x - kHeadFadeRadius * rx, head.y - kHeadFadeRadius * ry,
                         2 * kHeadFadeRadius * rx, 2 * kHeadFadeRadius * ry);
  // Where the jaw and lips move: the squeeze's reach around the mouth, and the jaw's down to
  // where its displacement has faded out over the neck (perhaps below the head's reach).
  const double half = std::max(g.jaw_half, kSqueezeReach * g.half_outer) + 2;
  const double top =
      std::min({g.lip_top - g.squeeze_fade_top, g.corner_left_y, g.corner_right_y}) - 2;
  g.mouth_box =
      cv::Rect2d(g.cx - half, top, 2 * half, P(kChin).y + g.max_open + g.neck_fade + 2 - top);
  // The mouth's, eyes' and brows' boxes are upright: their corners in the frame bound where
  // they act.
  auto area = [&](std::initializer_list<cv::Rect2d> boxes) {
    std::vector<cv::Point2f> corners;
    for (const cv::Rect2d& box : boxes) {
      for (const cv::Point2d& c : {box.tl(), box.br(), cv::Point2d(box.x + box.width, box.y),
                                   cv::Point2d(box.x, box.y + box.height)}) {
        corners.emplace_back(g.FromUpright(c));
      }
    }
    const cv::Rect r = cv::boundingRect(corners);
    return cv::Rect2d(r.x - 1, r.y - 1, r.width + 2, r.height + 2);
  };
  g.mouth_area = area({g.mouth_box});
  g.eyes_area = area({g.eye_box[0], g.eye_box[1]});
  g.brows_area = area({g.brow_box[0], g.brow_box[1]});
  const cv::Rect2d local = reach | g.mouth_area | g.eyes_area | g.brows_area;
  g.roi = cv::Rect(cv::Point(int(std::floor(local.x)), int(std::floor(local.y))),
                   cv::Point(int(std::ceil(local.br().x)), int(std::ceil(local.br().y)))) &
          cv::Rect(0, 0, framed.cols, framed.rows);
  g.head_weight.create(g.roi.size(), CV_32F);
  for (int y = 0; y < g.roi.height; ++y) {
    float* row = g.head_weight.ptr<float>(y);
    for (int x = 0; x < g.roi.width; ++x) {
      const double dx = (g.roi.x + x - head.x) / rx, dy = (g.roi.y + y - head.y) / ry;
      const double r = std::sqrt(dx * dx + dy * dy);
      row[x] = float(1 - Smooth((r - 1) / (kHeadFadeRadius - 1)));
    }
  }

  // Colours for the cavity, from the lips (the outer lip polygon less the inner one).
  std::vector<cv::Point> outer, inner;
  for (int i = 48; i <= 59; ++i) outer.emplace_back(frame_lm[size_t(i)]);
  for (int i = 60; i <= 67; ++i) inner.emplace_back(frame_lm[size_t(i)]);
  cv::Mat lips(framed.size(), CV_8U, cv::Scalar(0));
  cv::fillPoly(lips, std::vector{outer}, cv::Scalar(255));
  cv::fillPoly(lips, std::vector{inner}, cv::Scalar(0));
  cv::Scalar lip = cv::mean(framed, lips);
  if (cv::countNonZero(lips) == 0) lip = cv::Scalar(90, 90, 150);
  const cv::Vec3d lip_bgr(lip[0], lip[1], lip[2]);
  g.cavity_top = lip_bgr * kCavityTop;
  g.cavity_bottom = lip_bgr * kCavityBottom;
  // Teeth as bright as the face is lit, measured on the lower half of the nose.
  auto F = [&](int i) { return frame_lm[size_t(i)]; };
  const cv::Rect nose = cv::Rect(cv::Point(int(F(31).x), int(F(29).y)),
                                 cv::Point(int(F(35).x) + 1, int(F(33).y) + 1)) &
                        cv::Rect(0, 0, framed.cols, framed.rows);
  double brightness = 1;
  if (!nose.empty()) {
    const cv::Scalar skin = cv::mean(framed(nose));
    brightness =
        std::clamp((skin[0] + skin[1] + skin[2]) / 3 / kTeethSkin, kMinTeethBrightness, 1.1);
  }
  g.teeth = kTeethColour * brightness;
  double inner_gap = 0;
  for (size_t i = 1; i + 1 < kUpperInner.size(); ++i) {
    inner_gap += P(kLowerInner[i]).y - P(kUpperInner[i]).y;
  }
  inner_gap /= double(kUpperInner.size() - 2);
  g.teeth_hint = inner_gap < kClosedInnerGap * mouth_width;
  if (mesh) BuildMesh(g, lm);
  return g;
}

// What happens in one frame.
struct FrameState {
  MouthPose mouth;
  double blink = 0;
  double brow = 0;   // pixels up
  cv::Point2d gaze;  // pixels
  double angle = 0;  // radians
  cv::Point2d sway;
  double breath = 0;
  double zoom = 1;
};

// A pixel of the mouth cavity to blend over the warped picture.
struct CavityPixel {
  int x = 0, y = 0;  // in the patch
  cv::Vec3d colour;
  double alpha = 0;
};

// Where an output point of the mouth region comes from, and the cavity drawn over it.
struct MouthSample {
  cv::Point2d source;
  cv::Vec3d colour;  // of the cavity
  double alpha = 0;  // its coverage; 0: none
};

// The jaw and lips at upright point `p` (after the head's inverse).
MouthSample MouthInverse(const Geometry& g, const TalkingPhotoParams& params, const MouthPose& m,
                         cv::Point2d p) {
  MouthSample out;
  double& alpha = out.alpha;
  cv::Vec3d& colour = out.colour;
  // The lips widen or narrow towards the mouth's centre (their rows, fading above and below).
  const double open = m.open * g.max_open;
  double xs = p.x;
  if (m.spread != 0) {
    const double k = m.spread > 0 ? m.spread * params.max_widen : m.spread * params.max_narrow;
    const double ax = std::abs(p.x - g.cx) / g.half_outer;
    const double mx = 1 - Smooth((ax - 1) / (kSqueezeReach - 1));
    const double my = (1 - Smooth((g.lip_top - p.y) / g.squeeze_fade_top)) *
                      (1 - Smooth((p.y - g.lip_bottom - open) / g.squeeze_fade_bottom));
    xs = p.x - k * (p.x - g.cx) * mx * my;
  }
  out.source = {xs, p.y};
  if (open <= 0) return out;
  // Where the lower lip parts from the upper one: the inner lower lip between the corners,
  // level with the corners beside them.
  const double u = (xs - g.inner_cx) / g.inner_half;
  const bool inside = std::abs(u) < 1;
  const double tear =
      inside ? g.lower_inner.At(xs) : (xs < g.inner_cx ? g.corner_left_y : g.corner_right_y);
  const double v = inside ? 1 - u * u : 0;
  const double lens = v * (2 - v);  // the gap's profile: full in the middle, shut at corners
  const double gap = open * lens;
  if (gap > 0) {
    const double d = std::min(p.y - tear, tear + gap - p.y);
    alpha = std::clamp(d / g.cavity_feather + 0.5, 0.0, 1.0) * std::min(1.0, gap / g.min_gap);
    if (alpha > 0) {
      const double depth = std::clamp((p.y - tear) / gap, 0.0, 1.0);
      colour = g.cavity_top * (1 - depth) + g.cavity_bottom * depth;
      if (g.teeth_hint) {
        // The front teeth: in the middle of the mouth, not out to the corners, a little
        // shaded towards their edges.
        const double teeth = std::min(kTeethFraction * gap, kMaxTeethFraction * 2 * g.half_outer);
        const double below = p.y - tear;
        const double front = 1 - Smooth((std::abs(u) - kFrontTeeth) / kTeethFade);
        const double ta = std::clamp(teeth - below + 0.5, 0.0, 1.0) * kTeethOpacity * front;
        const double shade = 1 - kTeethShade * std::clamp(below / teeth, 0.0, 1.0);
        colour = colour * (1 - ta) + g.teeth * (shade * ta);
        // The lower teeth: a thinner band in the lower lip's shadow at the gap's bottom, which
        // comes down with the jaw; only once the mouth is open wide enough to show them.
        if (params.lower_teeth && gap > kLowerTeethFromGap * 2 * g.half_outer) {
          const double lower =
              std::min(kLowerTeethFraction * gap, kMaxLowerTeethFraction * 2 * g.half_outer);
          const double above = tear + gap - p.y;  // from the gap's bottom
          const double la = std::clamp(lower - above + 0.5, 0.0, 1.0) * kLowerTeethOpacity * front;
          colour = colour * (1 - la) + g.teeth * (kLowerTeethShade * la);
        }
      }
    }
  }
  if (p.y < tear) return out;
  if (p.y < tear + gap) {
    out.source.y = tear;
    return out;
  }
  // Below the gap the lower lip, chin and jaw come down: by the gap at the lip, growing to
  // the full opening towards the chin, fading out sideways and over the neck.
  const double side = std::abs(xs - g.cx);
  const double weight =
      side <= g.half_outer ? 1 : 1 - Smooth((side - g.half_outer) / (g.jaw_half - g.half_outer));
  if (weight <= 0) return out;
  const double vertical = lens + (1 - lens) * Smooth((p.y - tear - gap) / g.ramp);
  const double chin = g.jaw.At(xs) + open * weight;
  const double neck = 1 - Smooth((p.y - chin) / g.neck_fade);
  out.source.y = p.y - open * weight * vertical * neck;
  return out;
}

// The eyelids: the upper lid comes down by `blink` of the eye's height, its skin stretched
// from above; the eye below the lid stays where it is, covered.
cv::Point2d EyeInverse(const Eye& eye, double blink, cv::Point2d p) {
  if (p.x <= eye.left || p.x >= eye.right) return p;
  const double upper = eye.upper.At(p.x);
  const double height = std::max(0.0, eye.lower.At(p.x) - upper);
  const double edge = upper + blink * height;
  const double top = upper - eye.stretch;
  if (p.y < top || p.y >= edge + eye.lid_edge) return p;
  if (p.y >= edge) {
    // The lid's edge (the lashes) meets the eye it covers over a pixel, not in a step.
    return {p.x, upper + (p.y - edge) / eye.lid_edge * (edge + eye.lid_edge - upper)};
  }
  return {p.x, top + (p.y - top) * eye.stretch / (eye.stretch + blink * height)};
}

// The brows raised by `raise` pixels: the brow and the skin just above it move up whole, the
// forehead above takes up the move, and the skin between brow and lid stretches (the lid
// itself stays).
cv::Point2d BrowInverse(const Brow& brow, double raise, cv::Point2d p) {
  const double side = kBrowSide * (brow.right - brow.left);
  if (p.x <= brow.left - side || p.x >= brow.right + side) return p;
  const double dy = p.y - BrowLine(brow, p.x);
  double wy;
  if (dy < -kBrowAbove * brow.gap) {
    wy = 1 - Smooth((-dy - kBrowAbove * brow.gap) / (kBrowFadeUp * brow.gap));
  } else if (dy <= kBrowBelow * brow.gap) {
    wy = 1;
  } else {
    wy = 1 - Smooth((dy - kBrowBelow * brow.gap) / ((kBrowFadeDown - kBrowBelow) * brow.gap));
  }
  const double wx = p.x < brow.left    ? Smooth((p.x - brow.left + side) / side)
                    : p.x > brow.right ? Smooth((brow.right + side - p.x) / side)
                                       : 1;
  return {p.x, p.y + raise * wy * wx};
}

// The iris and pupil moved by `gaze` pixels inside the eye's opening; the lids and corners
// stay where they are.
cv::Point2d GazeInverse(const Eye& eye, cv::Point2d gaze, cv::Point2d p) {
  if (p.x <= eye.left || p.x >= eye.right) return p;
  const double upper = eye.upper.At(p.x), lower = eye.lower.At(p.x);
  if (p.y <= upper || p.y >= lower) return p;
  const double u = 2 * (p.x - eye.left) / (eye.right - eye.left) - 1;
  const double v = 2 * (p.y - upper) / (lower - upper) - 1;
  const double w = (1 - u * u) * (1 - u * u) * (1 - v * v);
  return {p.x - gaze.x * w, p.y - gaze.y * w};
}

// How much of the lash colour covers point `p` (upright) while the lid is `blink` down.
double LashAlpha(const Eye& eye, double blink, cv::Point2d p) {
  if (blink <= kLashFrom || p.x <= eye.left || p.x >= eye.right) return 0;
  const double upper = eye.upper.At(p.x);
  const double edge = upper + blink * std::max(0.0, eye.lower.At(p.x) - upper);
  const double d = edge - p.y;  // above the edge: on the lid
  if (d < -0.5 || d > eye.lash_width) return 0;
  const double u = 2 * (p.x - eye.left) / (eye.right - eye.left) - 1;
  const double across = 1 - Smooth((std::abs(u) - 0.7) / 0.3);  // thinner at the corners
  const double depth = std::clamp((eye.lash_width - d) / eye.lash_width, 0.0, 1.0);
  return kLashOpacity * std::min(1.0, (blink - kLashFrom) / 0.35) * across * depth;
}

// A drawing thread's working buffers, kept from frame to frame: at 1080x1920 the head's maps
// are tens of megabytes a frame, and getting them fresh from the allocator each time (pages
// handed back to the system and faulted in again) cost more than drawing into them.
// Each buffer is kept at the largest size asked for, and a frame uses its top-left corner.
struct Scratch {
  cv::Mat grid, map;
};
cv::Mat Corner(cv::Mat& buffer, cv::Size size, int type) {
  if (buffer.type() != type || buffer.cols < size.width || buffer.rows < size.height) {
    buffer.create(std::max(buffer.rows, size.height), std::max(buffer.cols, size.width), type);
  }
  return buffer(cv::Rect(cv::Point(0, 0), size));
}
Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

// One frame's warp: the camera's affine map everywhere, the head's map over `patch`.
struct TalkingPhoto::FrameWarp {
  // Output pixel (x, y) takes its colour from (ax x + bx, ay y + by) outside the patch.
  double ax = 1, bx = 0, ay = 1, by = 0;
  cv::Rect patch;  // the output pixels the head's map draws; empty: none
  // CV_32FC2 over the patch: where each takes its colour from. It lives in the calling
  // thread's scratch (see Scratch), valid until that thread's next Warp.
  cv::Mat map;
  std::vector<std::vector<CavityPixel>> overlay;  // the cavity, teeth and lashes, by patch row
};

Status TalkingPhotoParams::Validate() const {
  if (!(max_open_fraction >= 0 && max_open_fraction <= 0.3)) {
    return Status::InvalidArgument("max_open_fraction must be within [0, 0.3]");
  }
  if (!(max_widen >= 0 && max_widen <= 0.3 && max_narrow >= 0 && max_narrow <= 0.3)) {
    return Status::InvalidArgument("max_widen and max_narrow must be within [0, 0.3]");
  }
  VMSG_RETURN_IF_ERROR(motion.Validate());
  if (!(max_sway_pixels >= 0 && max_sway_pixels <= 10 && max_breath_stretch >= 0 &&
        max_breath_stretch <= 0.02 && breath_seconds > 0)) {
    return Status::InvalidArgument("sway and breathing must be small and positive");
  }
  if (!(start_zoom >= 0 && zoom_growth >= 0 && start_zoom + zoom_growth <= 0.05)) {
    return Status::InvalidArgument("the zoom may reach at most 5 %");
  }
  if (!(mouth.fps > 0 && mouth.smoothing_seconds > 0 && mouth.closure_seconds > 0)) {
    return Status::InvalidArgument("viseme track timings must be positive");
  }
  return Status::Ok();
}

Result<std::unique_ptr<TalkingPhoto>> TalkingPhoto::Make(const TalkingPhotoInput& input,
                                                         const TalkingPhotoParams& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  VMSG_RETURN_IF_ERROR(CheckVideoPicture(input.framed, "the talking photo"));
  if (!input.landmarks.empty() && input.landmarks.size() != size_t(image::kLandmarkCount)) {
    return Status::InvalidArgument("landmarks must be none or 68");
  }
  if (!(input.duration_seconds > 0) || !std::isfinite(input.duration_seconds)) {
    return Status::InvalidArgument("the video needs a positive duration");
  }
  std::unique_ptr<TalkingPhoto> photo(new TalkingPhoto());
  photo->params_ = params;
  photo->framed_ = input.framed.clone();
  const int frames = std::max(1, int(std::lround(input.duration_seconds * kVideoFps)));
  try {
    if (auto geometry = Measure(photo->framed_, input.landmarks, params.max_open_fraction,
                                params.face_warp == FaceWarp::kMesh)) {
      photo->face_ = std::make_unique<const Geometry>(std::move(*geometry));
    }
  } catch (const cv::Exception& e) {
    return image::OpenCvError("measuring the face", e);
  }
  if (photo->face_ && input.speech != nullptr) {
    VisemeTrackParams track = params.mouth;
    track.fps = kVideoFps;
    photo->mouth_ = MouthTrack(*input.speech, input.speech_offset_seconds, frames, track);
  } else {
    photo->mouth_.assign(size_t(frames), MouthPose{});
  }

  // The thumbnail: the first frame at rest between frames at rest, else the least open one.
  int thumbnail = 0;
  for (int i = 0; i < frames; ++i) {
    if (photo->mouth_[size_t(i)].open < photo->mouth_[size_t(thumbnail)].open) thumbnail = i;
    const bool rest = photo->mouth_[size_t(i)].open <= kRestOpen &&
                      (i == 0 || photo->mouth_[size_t(i - 1)].open <= kRestOpen) &&
                      (i + 1 == frames || photo->mouth_[size_t(i + 1)].open <= kRestOpen);
    if (rest) {
      thumbnail = i;
      break;
    }
  }
  photo->thumbnail_ = thumbnail;

  std::mt19937_64 rng(input.seed);
  for (size_t i = 0; i < kPhaseCount; ++i) {
    photo->phases_.push_back(Uniform(rng, 0, 2 * std::numbers::pi));
  }
  FaceMotionParams motion = params.motion;
  if (!photo->face_) motion.blinks = false;
  VMSG_ASSIGN_OR_RETURN(FaceMotion plan,
                        FaceMotion::Plan({.speech = photo->face_ ? input.speech : nullptr,
                                          .speech_offset_seconds = input.speech_offset_seconds,
                                          .duration_seconds = double(frames) / kVideoFps,
                                          .thumbnail_seconds = double(thumbnail) / kVideoFps,
                                          .seed = input.seed},
                                         motion));
  photo->motion_ = std::make_unique<const FaceMotion>(std::move(plan));
  return photo;
}

TalkingPhoto::~TalkingPhoto() = default;

int TalkingPhoto::frame_count() const { return int(mouth_.size()); }
bool TalkingPhoto::face_animated() const { return face_ != nullptr; }
int TalkingPhoto::thumbnail_frame() const { return thumbnail_; }

MouthPose TalkingPhoto::mouth(int index) const {
  return index >= 0 && index < frame_count() ? mouth_[size_t(index)] : MouthPose{};
}

double TalkingPhoto::blink(int index) const { return motion_->At(double(index) / kVideoFps).blink; }

Result<TalkingPhoto::FrameWarp> TalkingPhoto::Warp(int index) const {
  if (index < 0 || index >= frame_count()) {
    return Status::InvalidArgument("frame " + std::to_string(index) + " is out of range");
  }
  const double t = double(index) / kVideoFps;
  const double duration = double(frame_count()) / kVideoFps;
  const auto& ph = phases_;
  const double two_pi = 2 * std::numbers::pi;
  auto wave = [&](size_t i) { return std::sin(two_pi * kMotionHz[i] * t + ph[i]); };
  FrameState s;
  s.mouth = mouth_[size_t(index)];
  if (face_) {
    // The plan's pose in this face's pixels. A nod pitches the head about the neck: seen from
    // the front, the face comes down by its distance from the pivot times the sine.
    const FacePose pose = motion_->At(t);
    const Geometry& g = *face_;
    const double degrees = std::numbers::pi / 180;
    s.blink = pose.blink;
    s.brow = pose.brow * g.face_height;
    const double eye_width = g.eyes[0].right - g.eyes[0].left;
    s.gaze = {pose.gaze_x * eye_width, pose.gaze_y * eye_width};
    s.angle = pose.roll * degrees;
    s.sway = {pose.drift_x * g.face_height,
              pose.drift_y * g.face_height + g.nod_radius * std::sin(pose.pitch * degrees)};
  } else {
    const double sway = params_.max_sway_pixels * image::FrameUnit(framed_.rows);
    s.sway = {sway * (kFirstWave * wave(0) + kSecondWave * wave(1)),
              kVerticalSway * sway * wave(2)};
  }
  s.breath = params_.max_breath_stretch * 0.5 *
             (1 - std::cos(two_pi * t / params_.breath_seconds + ph[kPhaseCount - 1]));
  s.zoom = 1 + params_.start_zoom + params_.zoom_growth * Smooth(t / duration);

  try {
    // The camera, as an inverse map q -> (ax * qx + bx, ay * qy + by): the zoom about the
    // face, the breath's stretch about the bottom edge, and (without a face to move) the sway.
    const int width = framed_.cols, height = framed_.rows;
    const cv::Point2d centre =
        face_ ? face_->centre : cv::Point2d(width / 2.0, kNoFaceZoomCentreY * height);
    const cv::Point2d sway = face_ ? cv::Point2d() : s.sway;
    const double bottom = height;
    const double ax = 1 / s.zoom, bx = centre.x - centre.x / s.zoom - sway.x;
    // y = bottom - (bottom - y1) / (1 + breath), y1 = centre.y + (q - centre.y) / zoom - sway.y
    const double ay = 1 / (s.zoom * (1 + s.breath));
    const double by = bottom - (bottom - (centre.y - centre.y / s.zoom - sway.y)) / (1 + s.breath);
    FrameWarp warp{.ax = ax, .bx = bx, .ay = ay, .by = by};
    const cv::Rect frame(0, 0, width, height);
    if (!face_) return warp;
    const Geometry& g = *face_;

    // The output pixels whose camera source lies in the head's region: the head's own map
    // draws them; the camera draws the rest (four strips around them), each pixel once.
    const cv::Rect patch = cv::Rect(cv::Point(int(std::floor((g.roi.x - bx) / ax)),
                                              int(std::floor((g.roi.y - by) / ay))),
                                    cv::Point(int(std::ceil((g.roi.br().x - bx) / ax)) + 1,
                                              int(std::ceil((g.roi.br().y - by) / ay)) + 1)) &
                           frame;
    if (patch.empty()) return warp;
    const double cos_a = std::cos(s.angle), sin_a = std::sin(s.angle);
    // The head's turn and sway are smooth: worked out on a grid of every kMotionGrid pixels
    // and interpolated, which costs a sixteenth of doing it at every pixel; the mouth and eyes
    // (their warps have edges) are exact at every pixel of the features' box.
    auto head_moved = [&](double qx, double qy) {
      cv::Point2d p(ax * qx + bx, ay * qy + by);
      // The weight between the four pixels around p (the nearest one's would step).
      // Beyond the region the weight is its edge's: nothing where the edge is the head's
      // reach, the head's where the picture's edge cut the region.
      const double fx = std::clamp(p.x - g.roi.x, 0.0, g.roi.width - 1.0);
      const double fy = std::clamp(p.y - g.roi.y, 0.0, g.roi.height - 1.0);
      const int wx = std::min(int(fx), g.roi.width - 2), wy = std::min(int(fy), g.roi.height - 2);
      const float* upper = g.head_weight.ptr<float>(wy);
      const float* lower = g.head_weight.ptr<float>(wy + 1);
      const double ux = fx - wx, uy = fy - wy;
      const double w = (upper[wx] * (1 - ux) + upper[wx + 1] * ux) * (1 - uy) +
                       (lower[wx] * (1 - ux) + lower[wx + 1] * ux) * uy;
      if (w > 0) {
        // Undo the head's turn about the neck and its sway, weighted.
        const cv::Point2d r = p - g.pivot - s.sway;
        const cv::Point2d turned(cos_a * r.x + sin_a * r.y + g.pivot.x,
                                 -sin_a * r.x + cos_a * r.y + g.pivot.y);
        p += w * (turned - p);
      }
      return p;
    };
    // The head's map (the camera's and the head's motion together), worked out on a grid of
    // points at the middle of each kMotionGrid square, one square beyond the patch on every
    // side, so that cv::resize (which reads output pixel x at (x + 0.5) / kMotionGrid - 0.5 of
    // its input) spreads it to every pixel of the patch between true grid points, and draws
    // the map itself. The camera's part is linear, which the spreading keeps exactly.
    constexpr double kGridOffset = (kMotionGrid - 1) / 2.0;
    const int grid_w = (patch.width + kMotionGrid - 1) / kMotionGrid + 2;
    const int grid_h = (patch.height + kMotionGrid - 1) / kMotionGrid + 2;
    Scratch& scratch = ThreadScratch();
    cv::Mat grid = Corner(scratch.grid, cv::Size(grid_w, grid_h), CV_32FC2);
    double largest = 0;  // the head's largest displacement from the camera's map
    for (int gy = 0; gy < grid_h; ++gy) {
      cv::Vec2f* row = grid.ptr<cv::Vec2f>(gy);
      const double qy = patch.y + (gy - 1) * kMotionGrid + kGridOffset;
      for (int gx = 0; gx < grid_w; ++gx) {
        const double qx = patch.x + (gx - 1) * kMotionGrid + kGridOffset;
        const cv::Point2d p = head_moved(qx, qy);
        row[gx] = cv::Vec2f(float(p.x), float(p.y));
        largest =
            std::max({largest, std::abs(p.x - (ax * qx + bx)), std::abs(p.y - (ay * qy + by))});
      }
    }
    const cv::Size spread(grid_w * kMotionGrid, grid_h * kMotionGrid);
    cv::Mat spread_map = Corner(scratch.map, spread, CV_32FC2);
    cv::resize(grid, spread_map, spread, 0, 0, cv::INTER_LINEAR);
    warp.patch = patch;
    warp.map = spread_map(cv::Rect(cv::Point(kMotionGrid, kMotionGrid), patch.size()));
    // At rest (the mouth closed to the photo's own, brows down, eyes open and straight) the
    // features warp nothing.
    const bool moves_mouth = s.mouth.open > 0 || s.mouth.spread != 0;
    const bool moves_eyes = s.blink > 0 || s.gaze != cv::Point2d();
    // Where the features act in this frame (the eyes alone, most of the time).
    cv::Rect2d active;
    if (moves_mouth) active |= g.mouth_area;
    if (moves_eyes) active |= g.eyes_area;
    if (s.brow != 0) active |= g.brows_area;
    const bool moves_features = !active.empty();
    // The features' chain at upright point `u`: the mouth, then each brow and eye. The
    // cavity and lashes it draws over output pixel (x, y) go to `overlay` (none when null).
    auto features = [&](cv::Point2d u, int x, int y, std::vector<CavityPixel>* overlay) {
      if (moves_mouth && g.mouth_box.contains(u)) {
        const MouthSample sample = MouthInverse(g, params_, s.mouth, u);
        u = sample.source;
        if (overlay != nullptr && sample.alpha > 0) {
          overlay->push_back({x, y, sample.colour, sample.alpha});
        }
      }
      for (int e = 0; e < 2; ++e) {
        if (s.brow != 0 && g.brow_box[e].contains(u)) {
          u = BrowInverse(g.brows[size_t(e)], s.brow, u);
        }
        if (!g.eye_box[e].contains(u)) continue;
        const Eye& eye = g.eyes[size_t(e)];
        if (s.blink > 0) {
          if (const double lash = LashAlpha(eye, s.blink, u); overlay != nullptr && lash > 0) {
            overlay->push_back({x, y, kLashColour, lash});
          }
          u = EyeInverse(eye, s.blink, u);
        }
        if (s.gaze != cv::Point2d()) u = GazeInverse(eye, s.gaze, u);
      }
      return u;
    };
    // The mesh: the chain at its vertices only, interpolated in each triangle.
    const bool mesh = moves_features && !g.mesh_triangles.empty();
    std::vector<cv::Point2d> moved;
    if (mesh) {
      for (const cv::Point2d& v : g.mesh_vertices) moved.push_back(features(v, 0, 0, nullptr));
    }
    auto on_mesh = [&](cv::Point2d u) {
      const cv::Point at(int(std::lround(u.x)) - g.mesh_box.x,
                         int(std::lround(u.y)) - g.mesh_box.y);
      if (at.x < 0 || at.y < 0 || at.x >= g.mesh_box.width || at.y >= g.mesh_box.height) return u;
      const int triangle = g.mesh_triangle_of.at<int>(at);
      if (triangle < 0) return u;
      const cv::Vec3d w = g.mesh_weights[size_t(triangle)] * cv::Vec3d(u.x, u.y, 1);
      const std::array<int, 3>& corner = g.mesh_triangles[size_t(triangle)];
      return w[0] * moved[size_t(corner[0])] + w[1] * moved[size_t(corner[1])] +
             w[2] * moved[size_t(corner[2])];
    };
    // The output pixels whose source may lie where the features act: `active` taken back
    // through the camera, grown by the head's largest displacement (a pixel's source is its
    // camera source plus its displacement). Only these are tested against `active` itself. The
    // mesh moves every pixel of its triangles: all of the patch.
    cv::Rect reach;
    if (mesh) {
      reach = cv::Rect(0, 0, patch.width, patch.height);
    } else if (moves_features) {
      const double grow = largest + 2;
      reach = cv::Rect(cv::Point(int(std::floor((active.x - grow - bx) / ax)) - patch.x,
                                 int(std::floor((active.y - grow - by) / ay)) - patch.y),
                       cv::Point(int(std::ceil((active.br().x + grow - bx) / ax)) - patch.x + 1,
                                 int(std::ceil((active.br().y + grow - by) / ay)) - patch.y + 1)) &
              cv::Rect(0, 0, patch.width, patch.height);
    }
    // The features, on the head's map where they may act. Rows are independent: split over
    // the cores (the encoder's threads leave room), each row's overlay pixels kept apart.
    if (moves_features) warp.overlay.resize(size_t(patch.height));
    cv::parallel_for_(cv::Range(reach.y, reach.br().y), [&](const cv::Range& rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        cv::Vec2f* row = warp.map.ptr<cv::Vec2f>(y);
        for (int x = reach.x; x < reach.br().x; ++x) {
          cv::Point2d p(row[x][0], row[x][1]);
          if (mesh) {
            const cv::Point2d upright = g.Upright(p);
            // The overlays as the field draws them; the geometry from the mesh.
            if (active.contains(p)) features(upright, x, y, &warp.overlay[size_t(y)]);
            const cv::Point2d u = on_mesh(upright);
            if (u != upright) p = g.FromUpright(u);
          } else if (moves_features && active.contains(p)) {
            const cv::Point2d upright = g.Upright(p);
            const cv::Point2d u = features(upright, x, y, &warp.overlay[size_t(y)]);
            if (u != upright) p = g.FromUpright(u);
          }
          row[x] = cv::Vec2f(float(p.x), float(p.y));
        }
      }
    });
    return warp;
  } catch (const cv::Exception& e) {
    return image::OpenCvError("drawing a frame", e);
  }
}

Result<cv::Mat> TalkingPhoto::Frame(int index) const {
  VMSG_ASSIGN_OR_RETURN(const FrameWarp warp, Warp(index));
  try {
    cv::Mat out(framed_.size(), framed_.type());
    // The camera's picture of the output rectangle `dst`.
    auto camera = [&](const cv::Rect& dst) {
      if (dst.empty()) return;
      const cv::Matx23d inverse(warp.ax, 0, warp.ax * dst.x + warp.bx, 0, warp.ay,
                                warp.ay * dst.y + warp.by);
      cv::Mat region = out(dst);
      cv::warpAffine(framed_, region, inverse, dst.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                     cv::BORDER_REPLICATE);
    };
    const cv::Rect& patch = warp.patch;
    if (patch.empty()) {
      camera(cv::Rect(0, 0, out.cols, out.rows));
      return out;
    }
    // The head's map draws the patch; the camera the four strips around it, each pixel once.
    camera(cv::Rect(0, 0, out.cols, patch.y));
    camera(cv::Rect(0, patch.br().y, out.cols, out.rows - patch.br().y));
    camera(cv::Rect(0, patch.y, patch.x, patch.height));
    camera(cv::Rect(patch.br().x, patch.y, out.cols - patch.br().x, patch.height));
    cv::Mat region = out(patch);
    cv::remap(framed_, region, warp.map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    for (const std::vector<CavityPixel>& row : warp.overlay) {
      for (const CavityPixel& c : row) {
        cv::Vec3b& px = region.at<cv::Vec3b>(c.y, c.x);
        for (int ch = 0; ch < 3; ++ch) {
          px[ch] = cv::saturate_cast<uchar>(px[ch] * (1 - c.alpha) + c.colour[ch] * c.alpha);
        }
      }
    }
    return out;
  } catch (const cv::Exception& e) {
    return image::OpenCvError("drawing a frame", e);
  }
}

Result<cv::Mat> TalkingPhoto::SourceMap(int index) const {
  VMSG_ASSIGN_OR_RETURN(const FrameWarp warp, Warp(index));
  cv::Mat map(framed_.size(), CV_32FC2);
  for (int y = 0; y < map.rows; ++y) {
    cv::Vec2f* row = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < map.cols; ++x) {
      row[x] = cv::Vec2f(float(warp.ax * x + warp.bx), float(warp.ay * y + warp.by));
    }
  }
  if (!warp.patch.empty()) warp.map.copyTo(map(warp.patch));
  return map;
}

}  // namespace vmsg::video
