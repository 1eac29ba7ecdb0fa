// The framing engine: where the chosen person goes in the frame. Given the face (its 68
// landmarks, or a box), what the person's matte says about their shape (where the photo's
// own edges cut them, where their torso ends) and the output size, it chooses one scale and
// offset that map the photo onto the frame, following the composition rules of DESIGN.md
// ("Composition: a portrait, not a sticker"):
//   - the face centred horizontally (within kCentreTolerance of the frame's width), unless
//     the photo has no pixels there: a person cut by the photo's side edge keeps that cut on
//     the frame's edge instead; in a landscape frame the face sits on a third line instead
//     (the one that leaves room on the side the face turns to, else the side of the photo
//     the person stands on);
//   - the eye line between kMinEyeLine and kMaxEyeLine of the frame's height from the top;
//   - the face (brows to chin) between kMinFaceShare and kMaxFaceShare of the frame's height;
//   - a person cut by the photo's edge (or whose torso ends where something hides it) reaches
//     the frame's edge: the cut lies on or beyond the frame's edge, never inside it;
//   - at most kMaxUpscale of the photo's pixels per frame pixel of the 910-high portrait
//     (MaxUpscale: a larger frame shows a small photo framed as the portrait does, no
//     sharper, rather than the person shrunk and cut off above the frame's bottom).
// When the rules cannot all hold, the cut rule wins over the face's size (a tightly cropped
// head-and-neck photo becomes a close-up, up to kMaxCloseUpShare), and the upscale limit wins
// over the face's size (a tiny face stays smaller than kMinFaceShare; `upscale_capped` says
// so); the cut rule then wins over the eye line, down to kLowestEyeLineForCuts. Pure geometry: no
// pixels are touched here, so every rule is testable on numbers.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/framing_mode.h"
#include "image/output_format.h"

namespace vmsg::image {

// The rules, as fractions of the frame.
inline constexpr double kMinEyeLine = 0.30;
inline constexpr double kMaxEyeLine = 0.40;
inline constexpr double kMinFaceShare = 0.14;
inline constexpr double kMaxFaceShare = 0.30;
inline constexpr double kCentreTolerance = 0.04;
// A photo cropped so tightly that its bottom edge cuts the neck can only reach the frame's
// bottom with a larger face: up to this share of the height, and the face's width up to
// kMaxCloseUpWidth of the frame's (the whole face stays in the picture); beyond that the eye
// line gives way.
inline constexpr double kMaxCloseUpShare = 0.6;
inline constexpr double kMaxCloseUpWidth = 0.9;
inline constexpr double kMaxUpscale = 3.0;
// The enlargement limit for a frame of `frame` size: kMaxUpscale per portrait pixel.
inline double MaxUpscale(cv::Size frame) {
  return kMaxUpscale * std::max(1.0, FrameUnit(frame.height));
}
// When the cut rule can only hold with the eyes below kMaxEyeLine (the photo cannot be
// enlarged further), they may sink to this, no lower.
inline constexpr double kLowestEyeLineForCuts = 0.5;

// The face as the rules measure it, in photo coordinates.
struct FaceGeometry {
  double centre_x = 0;
  double width = 0;     // ear to ear (the jaw line's extent), or the face box's width
  double eye_line = 0;  // the eyes' height
  double top = 0;       // the brows
  double chin = 0;
  // Where the face turns: the nose tip's offset from the jaw line's centre, as a fraction of
  // the face's width (positive: towards larger x). 0 without landmarks.
  double turn = 0;
  double height() const { return chin - top; }
};

// From dlib's 68 landmarks: the centre and extent of the jaw line and brows, the eyes' mean
// height, the brows' top, the chin (point 8). InvalidArgument for another number of points, or
// points not laid out as a face (the chin not below the brows, the eyes not between them).
Result<FaceGeometry> FaceFromLandmarks(const std::vector<cv::Point2f>& landmarks);
// From a face box whose top lies at the brows and bottom at the chin (dlib's frontal box, and
// near enough the profile cascade's).
FaceGeometry FaceFromBox(const cv::Rect2d& face);
// Without a face: the head assumed at the top of a person box (a head is about an eighth of a
// standing person's height and a fifth of an upper body's; the box's shape tells which).
FaceGeometry FaceFromBody(const cv::Rect2d& body);

// What the person's matte says about them, in photo coordinates.
struct PersonShape {
  cv::Rect2d box;  // the matte's bounding box (alpha at least half)
  // The photo row that must lie on or below the frame's bottom edge: the photo's bottom when
  // it cuts the torso, else the row where the torso ends (hidden by a table, say) for a person
  // not seen whole; absent for a whole (full-length) person standing in the photo.
  std::optional<double> torso_end;
  // Spans of the photo's edges that cut the person (rows for left/right, columns for top);
  // absent where the person does not touch that edge.
  std::optional<cv::Range> cut_left, cut_right, cut_top;
  bool whole = false;  // the person's lower end lies inside the photo, far below the face
};

// Measures `alpha` (CV_8UC1, the matte of the photo region `where`, possibly scaled: its size
// may differ from where's) in a photo of size `photo`. InvalidArgument for an empty or
// non-8-bit matte or a region outside the photo.
Result<PersonShape> MeasurePerson(const cv::Mat& alpha, const cv::Rect& where, cv::Size photo,
                                  const FaceGeometry& face);

struct CompositionRequest {
  cv::Size photo;
  cv::Size frame{512, 910};  // the portrait format's
  FaceGeometry face;
  PersonShape person;
  Framing framing = Framing::kAuto;
  // The photo itself is the background (original or blurred): where the rules leave room,
  // prefer a frame the photo fills, so that less of it is filled in.
  bool photo_background = false;
};

// A frame this much wider than high is a landscape: the face goes on a third line.
inline constexpr double kLandscapeAspect = 1.2;
// In a landscape frame the face turns this far (FaceGeometry::turn) before the room it looks
// into decides the side; below it, the side the person stands on in the photo does.
inline constexpr double kTurnForLeadRoom = 0.06;

// frame = photo * scale + (tx, ty).
struct Composition {
  double scale = 1;
  double tx = 0;
  double ty = 0;
  // The vertical line the face centre aims for, as a fraction of the frame's width: 1/2, or
  // 1/3 or 2/3 in a landscape frame.
  double anchor_x = 0.5;
  bool upscale_capped = false;  // the face wanted more than MaxUpscale
  cv::Point2d ToFrame(cv::Point2d p) const { return {p.x * scale + tx, p.y * scale + ty}; }
  cv::Rect2d ToFrame(const cv::Rect2d& r) const {
    return {r.x * scale + tx, r.y * scale + ty, r.width * scale, r.height * scale};
  }
  cv::Rect2d ToPhoto(const cv::Rect2d& r) const {
    return {(r.x - tx) / scale, (r.y - ty) / scale, r.width / scale, r.height / scale};
  }
};

// Chooses the composition. InvalidArgument for empty sizes or a face without height.
Result<Composition> Compose(const CompositionRequest& request);

// The rules' figures for a face placed by `c` in a frame of `frame` size: the face's height
// share, the eye line and the face centre's offset from the line it aims for (c.anchor_x:
// the centre line, or a third line in landscape), each as a fraction of the frame (for logs
// and tests).
struct CompositionFigures {
  double face_share = 0;
  double eye_line = 0;
  double centre_offset = 0;
};
CompositionFigures Figures(const Composition& c, const FaceGeometry& face, cv::Size frame);

}  // namespace vmsg::image
