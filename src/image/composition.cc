// See composition.h. The vertical placement is solved in closed form: each rule is a bound on
// the vertical offset that moves with the scale, so the smallest scale at which the bounds
// meet is a maximum of a few ratios. The horizontal placement then follows at that scale.
#include "image/composition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

namespace vmsg::image {
namespace {

// Per framing: the face's share of the frame's height and the eye line it aims for (the
// rules' ranges still bound what it gets).
struct Target {
  double face_share;
  double eye_line;
};
constexpr Target kAutoTarget{0.22, 0.35};
constexpr Target kBustTarget{0.28, 0.37};
constexpr Target kHalfTarget{0.15, 0.31};
// kFull: the person's box fills this much of the frame's height (or width), its top this far
// below the frame's top.
constexpr double kFullHeightShare = 0.86;
constexpr double kFullWidthShare = 0.92;
constexpr double kFullTopMargin = 0.06;

// Landmark indices (dlib's 68-point layout).
constexpr int kLandmarks = 68;
constexpr int kChin = 8;
constexpr int kFirstBrow = 17, kEndBrow = 27;
constexpr int kFirstEye = 36, kEndEye = 48;
constexpr int kEndOutline = 27;  // jaw line and brows
constexpr int kJawLeft = 0, kJawRight = 16, kNoseTip = 30;

// A face box from dlib spans about the brows to the chin; the eyes sit this far down it.
constexpr double kBoxEyeLine = 0.35;
// Without a face: a person box taller than this ratio is a standing person, whose head is
// kStandingHeads of its height; otherwise an upper body, kUpperBodyHeads.
constexpr double kStandingAspect = 1.9;
constexpr double kStandingHeads = 1.0 / 7.5;
constexpr double kUpperBodyHeads = 1.0 / 4.0;
constexpr double kFaceInHead = 0.75;  // brows to chin, of the head with its hair
constexpr double kEyeInFace = 0.35;

// The matte: a pixel is the person from half opacity.
constexpr int kOpaque = 128;
// A photo edge cuts the person when at least this many face heights of it are the person.
constexpr double kMinCutFaces = 0.05;
// The torso's width is measured this many face heights below the chin; where the rows fall
// below kTorsoEndWidth of it, the torso has ended; the photo's bottom edge cuts the torso when
// its last row holds kBottomCutWidth of it.
constexpr double kTorsoProbeFaces = 0.8;
constexpr double kTorsoEndWidth = 0.6;
constexpr double kBottomCutWidth = 0.25;
// A person whose matte reaches this many face heights below the chin, inside the photo, is
// seen whole (feet and all): their lower end is their own.
constexpr double kWholeBelowChinFaces = 4.5;

const Target& TargetOf(Framing framing) {
  switch (framing) {
    case Framing::kBust:
      return kBustTarget;
    case Framing::kHalf:
      return kHalfTarget;
    default:
      return kAutoTarget;
  }
}

// Clamps v into [lo, hi]; for an empty interval (lo > hi) the midpoint.
double ClampInto(double v, double lo, double hi) {
  if (lo > hi) return (lo + hi) / 2;
  return std::clamp(v, lo, hi);
}

// A closed interval of offsets; lo > hi when no offset satisfies every bound.
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool empty() const { return lo > hi; }
  Interval And(const Interval& o) const { return {std::max(lo, o.lo), std::min(hi, o.hi)}; }
};

// Places v in the first non-empty interval of `preferred` intersected with `must`, as close to v
// as it allows; falls back to `must` alone.
double Place(double v, const Interval& must, std::initializer_list<Interval> preferred) {
  Interval chosen = must;
  for (const Interval& p : preferred) {
    const Interval both = must.And(p);
    if (!both.empty()) {
      chosen = both;
      break;
    }
  }
  return ClampInto(v, chosen.lo, chosen.hi);
}

// The vertical offset: the eye line in its range, the torso's end at or below the frame's
// bottom, a top cut at or above the frame's top. When they cannot all hold (the photo too
// small to enlarge further), the cuts win, but the eyes sink no lower than
// kLowestEyeLineForCuts: a face at the very bottom would be worse than a torso that ends.
double PlaceVertically(const CompositionRequest& r, double scale, double eye_target) {
  const double h = r.frame.height;
  const double eye = r.face.eye_line * scale;
  Interval cuts;
  if (r.person.torso_end) cuts.lo = h - *r.person.torso_end * scale;
  if (r.person.cut_top) cuts.hi = 0;
  const Interval eyes{kMinEyeLine * h - eye, kMaxEyeLine * h - eye};
  const Interval cover{h - r.photo.height * scale, 0};
  const double ideal = eye_target * h - eye;
  const double lowest = kLowestEyeLineForCuts * h - eye;
  if (cuts.empty()) return std::min(cuts.lo, lowest);  // the torso's cut wins, within reason
  if (r.photo_background) return std::min(Place(ideal, cuts, {eyes.And(cover), eyes}), lowest);
  return std::min(Place(ideal, cuts, {eyes}), lowest);
}

// The line the face aims for: the centre, or in a landscape frame the third line that leaves
// room on the side the face turns to (or, facing the camera, the photo's side the person
// stands on, so that more of their own surroundings stay in view; the left one at the middle).
double AnchorOf(const CompositionRequest& r, double centre_x) {
  if (r.frame.width < kLandscapeAspect * r.frame.height) return 0.5;
  bool left;
  if (std::abs(r.face.turn) >= kTurnForLeadRoom) {
    left = r.face.turn > 0;  // turned towards larger x: room on the right
  } else {
    left = centre_x <= r.photo.width / 2.0;
  }
  return left ? 1.0 / 3 : 2.0 / 3;
}

// The horizontal offset at `vertical`: the face on its anchor line within the tolerance, side
// cuts (those the frame shows) on the frame's edges, which win over the anchor.
double PlaceHorizontally(const CompositionRequest& r, double scale, double ty, double centre_x,
                         double anchor) {
  const double w = r.frame.width;
  auto shows = [&](const std::optional<cv::Range>& rows) {
    return rows && rows->end * scale + ty > 0 && rows->start * scale + ty < r.frame.height;
  };
  Interval cuts;
  if (shows(r.person.cut_left)) cuts.hi = 0;
  if (shows(r.person.cut_right)) cuts.lo = w - r.photo.width * scale;
  const double ideal = anchor * w - centre_x * scale;
  if (cuts.empty()) return (cuts.lo + cuts.hi) / 2;  // narrower than the frame: centred
  const Interval centred{ideal - kCentreTolerance * w, ideal + kCentreTolerance * w};
  const Interval cover{w - r.photo.width * scale, 0};
  if (r.photo_background) return Place(ideal, cuts, {centred.And(cover), centred});
  return Place(ideal, cuts, {centred});
}

// The smallest scale at which the vertical bounds can all hold with the eye line at most
// kMaxEyeLine: each cut gives a lower bound.
double ScaleForCuts(const CompositionRequest& r) {
  const double h = r.frame.height;
  const double eye = r.face.eye_line;
  double need = 0;
  if (r.person.torso_end && *r.person.torso_end > eye) {
    need = std::max(need, (1 - kMaxEyeLine) * h / (*r.person.torso_end - eye));
  }
  if (r.person.cut_top && eye > 0) need = std::max(need, kMinEyeLine * h / eye);
  if (r.person.torso_end && r.person.cut_top && *r.person.torso_end > 0) {
    need = std::max(need, h / *r.person.torso_end);
  }
  return need;
}

Composition ComposeFull(const CompositionRequest& r) {
  const cv::Rect2d& box = r.person.box;
  const double wanted = std::min(kFullHeightShare * r.frame.height / box.height,
                                 kFullWidthShare * r.frame.width / box.width);
  Composition c;
  const double max_scale = MaxUpscale(r.frame);
  c.scale = std::min(wanted, max_scale);
  c.upscale_capped = wanted > max_scale;
  const double h = r.frame.height;
  Interval cuts;
  if (r.person.torso_end) cuts.lo = h - *r.person.torso_end * c.scale;
  if (r.person.cut_top) cuts.hi = 0;
  const double ideal = kFullTopMargin * h - box.y * c.scale;
  c.ty = cuts.empty() ? cuts.lo : ClampInto(ideal, cuts.lo, cuts.hi);
  const double centre_x = box.x + box.width / 2;
  c.anchor_x = AnchorOf(r, centre_x);
  c.tx = PlaceHorizontally(r, c.scale, c.ty, centre_x, c.anchor_x);
  return c;
}

}  // namespace

Result<FaceGeometry> FaceFromLandmarks(const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.size() != size_t(kLandmarks)) {
    return Status::InvalidArgument("a face needs dlib's 68 landmarks");
  }
  FaceGeometry face;
  double left = landmarks[0].x, right = landmarks[0].x, eyes = 0;
  face.top = landmarks[kFirstBrow].y;
  for (int i = 0; i < kEndOutline; ++i) {
    left = std::min(left, double(landmarks[i].x));
    right = std::max(right, double(landmarks[i].x));
  }
  for (int i = kFirstBrow; i < kEndBrow; ++i) face.top = std::min(face.top, double(landmarks[i].y));
  for (int i = kFirstEye; i < kEndEye; ++i) eyes += landmarks[i].y;
  face.centre_x = (left + right) / 2;
  face.width = right - left;
  face.eye_line = eyes / (kEndEye - kFirstEye);
  face.chin = landmarks[kChin].y;
  if (face.width > 0) {
    const double jaw_centre = (landmarks[kJawLeft].x + landmarks[kJawRight].x) / 2.0;
    face.turn = (landmarks[kNoseTip].x - jaw_centre) / face.width;
  }
  if (!(face.top < face.eye_line && face.eye_line < face.chin)) {
    return Status::InvalidArgument("the landmarks are not laid out as a face");
  }
  return face;
}

FaceGeometry FaceFromBox(const cv::Rect2d& face) {
  return {.centre_x = face.x + face.width / 2,
          .width = face.width,
          .eye_line = face.y + kBoxEyeLine * face.height,
          .top = face.y,
          .chin = face.y + face.height};
}

FaceGeometry FaceFromBody(const cv::Rect2d& body) {
  const bool standing = body.height > kStandingAspect * body.width;
  const double head = body.height * (standing ? kStandingHeads : kUpperBodyHeads);
  const double face = head * kFaceInHead;
  const double top = body.y + head - face;
  return {.centre_x = body.x + body.width / 2,
          .width = face,
          .eye_line = top + kEyeInFace * face,
          .top = top,
          .chin = body.y + head};
}

Result<PersonShape> MeasurePerson(const cv::Mat& alpha, const cv::Rect& where, cv::Size photo,
                                  const FaceGeometry& face) {
  if (alpha.empty() || alpha.type() != CV_8UC1 || where.empty()) {
    return Status::InvalidArgument("measuring a person needs an 8-bit matte and its region");
  }
  if ((where & cv::Rect(0, 0, photo.width, photo.height)) != where) {
    return Status::InvalidArgument("the matte's region lies outside the photo");
  }
  const double sx = double(alpha.cols) / where.width, sy = double(alpha.rows) / where.height;
  auto photo_x = [&](double x) { return where.x + x / sx; };
  auto photo_y = [&](double y) { return where.y + y / sy; };
  const cv::Mat person = alpha >= kOpaque;
  std::vector<cv::Point> points;
  cv::findNonZero(person, points);
  PersonShape shape;
  if (points.empty()) {
    shape.box = cv::Rect2d(where);
    return shape;
  }
  const cv::Rect bounds = cv::boundingRect(points);
  shape.box =
      cv::Rect2d(photo_x(bounds.x), photo_y(bounds.y), bounds.width / sx, bounds.height / sy);

  const double face_px = std::max(1.0, face.height() * sy);  // in matte rows
  const int min_cut = std::max(2, int(std::lround(kMinCutFaces * face_px)));
  auto touching = [&](const cv::Mat& line, bool is_column) -> std::optional<cv::Range> {
    std::vector<cv::Point> on;
    cv::findNonZero(line, on);
    if (int(on.size()) < min_cut) return std::nullopt;
    int lo = std::numeric_limits<int>::max(), hi = 0;
    for (const cv::Point& p : on) {
      const int v = is_column ? p.y : p.x;
      lo = std::min(lo, v);
      hi = std::max(hi, v + 1);
    }
    return is_column ? cv::Range(int(photo_y(lo)), int(std::ceil(photo_y(hi))))
                     : cv::Range(int(photo_x(lo)), int(std::ceil(photo_x(hi))));
  };
  if (where.x == 0) shape.cut_left = touching(person.col(0), true);
  if (where.x + where.width == photo.width)
    shape.cut_right = touching(person.col(person.cols - 1), true);
  if (where.y == 0) shape.cut_top = touching(person.row(0), false);

  // The torso: its width a little below the chin, and the lowest row still that wide.
  auto row_width = [&](int y) { return cv::countNonZero(person.row(y)); };
  const int chin_row = std::clamp(int((face.chin - where.y) * sy), 0, person.rows - 1);
  const int probe = std::clamp(int((face.chin + kTorsoProbeFaces * face.height() - where.y) * sy),
                               bounds.y, bounds.y + bounds.height - 1);
  int torso_width = row_width(probe);
  if (torso_width == 0) {
    for (int y = bounds.y; y < bounds.y + bounds.height; ++y) {
      torso_width = std::max(torso_width, row_width(y));
    }
  }
  const bool reaches_bottom = where.y + where.height == photo.height;
  const int last = bounds.y + bounds.height - 1;
  if (reaches_bottom && last == person.rows - 1 &&
      row_width(last) >= kBottomCutWidth * torso_width) {
    shape.torso_end = double(photo.height);
    return shape;
  }
  if (shape.box.y + shape.box.height - face.chin >= kWholeBelowChinFaces * face.height()) {
    shape.whole = true;
    return shape;
  }
  int end = last;
  while (end > chin_row && row_width(end) < kTorsoEndWidth * torso_width) --end;
  shape.torso_end = photo_y(end + 1);
  return shape;
}

Result<Composition> Compose(const CompositionRequest& r) {
  if (r.photo.empty() || r.frame.empty()) {
    return Status::InvalidArgument("composing needs the photo's and the frame's sizes");
  }
  if (!(r.face.height() > 0) || r.person.box.empty()) {
    return Status::InvalidArgument("composing needs a face with a height and a person box");
  }
  if (r.framing == Framing::kFull) return ComposeFull(r);

  const Target& target = TargetOf(r.framing);
  const double h = r.frame.height;
  const double face_h = r.face.height();
  const double wanted = target.face_share * h / face_h;
  Composition c;
  const double max_scale = MaxUpscale(r.frame);
  c.upscale_capped = wanted > max_scale;
  c.scale = std::min(wanted, max_scale);
  // A larger face than the target when the cuts need it: within the rules' range first, then
  // as a close-up.
  const double needed = ScaleForCuts(r);
  if (needed > c.scale) {
    const double widest =
        r.face.width > 0 ? kMaxCloseUpWidth * r.frame.width / r.face.width : max_scale;
    c.scale =
        std::max(c.scale, std::min({needed, kMaxCloseUpShare * h / face_h, widest, max_scale}));
  }
  c.ty = PlaceVertically(r, c.scale, target.eye_line);
  c.anchor_x = AnchorOf(r, r.face.centre_x);
  c.tx = PlaceHorizontally(r, c.scale, c.ty, r.face.centre_x, c.anchor_x);
  return c;
}

CompositionFigures Figures(const Composition& c, const FaceGeometry& face, cv::Size frame) {
  return {.face_share = face.height() * c.scale / frame.height,
          .eye_line = (face.eye_line * c.scale + c.ty) / frame.height,
          .centre_offset = (face.centre_x * c.scale + c.tx) / frame.width - c.anchor_x};
}

}  // namespace vmsg::image
