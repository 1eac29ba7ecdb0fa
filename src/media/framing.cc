// See framing.h. Only the part of the photo that lands in the frame is resized, so a 12 MP
// photo costs what a 512x910 one does.
#include "media/framing.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace vmsg::media {
namespace {

// A face box is about this fraction of the person box's height when there is no face.
constexpr double kAssumedFaceFraction = 0.2;
// Rounding when the cutout was scaled: its height may be off by this many pixels.
constexpr double kScaleSlack = 1.5;

struct Transform {
  double scale = 1;
  double tx = 0, ty = 0;  // frame = original * scale + t
  cv::Rect2d ToFrame(const cv::Rect2d& r) const {
    return {r.x * scale + tx, r.y * scale + ty, r.width * scale, r.height * scale};
  }
  cv::Rect2d ToOriginal(const cv::Rect2d& r) const {
    return {(r.x - tx) / scale, (r.y - ty) / scale, r.width / scale, r.height / scale};
  }
};

cv::Rect Round(const cv::Rect2d& r) {
  return cv::Rect(cv::Point(int(std::floor(r.x)), int(std::floor(r.y))),
                  cv::Point(int(std::ceil(r.x + r.width)), int(std::ceil(r.y + r.height))));
}

// Draws `source` (a region of some image, whose top-left lies at `origin` in that image's
// coordinates) transformed by `t` into `frame`; returns the frame region drawn and the
// resized pixels.
std::pair<cv::Rect, cv::Mat> Place(const cv::Mat& source, cv::Point origin, const Transform& t,
                                   cv::Size frame) {
  const cv::Rect frame_rect(0, 0, frame.width, frame.height);
  // The part of `source` that lands in the frame, with a pixel of margin for the filter.
  const cv::Rect2d visible = t.ToOriginal(cv::Rect2d(frame_rect));
  cv::Rect src = Round(visible) - origin;
  src.x -= 1;
  src.y -= 1;
  src.width += 2;
  src.height += 2;
  src &= cv::Rect(0, 0, source.cols, source.rows);
  if (src.empty()) return {};
  const cv::Rect dst = Round(t.ToFrame(cv::Rect2d(src + origin))) & frame_rect;
  if (dst.empty()) return {};
  // Resize the visible source so that it maps exactly onto its frame position, then cut the
  // part inside the frame.
  const cv::Rect2d whole = t.ToFrame(cv::Rect2d(src + origin));
  const cv::Size size(std::max(1, int(std::lround(whole.width))),
                      std::max(1, int(std::lround(whole.height))));
  cv::Mat resized;
  cv::resize(source(src), resized, size, 0, 0, t.scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  const cv::Point at(int(std::lround(whole.x)), int(std::lround(whole.y)));
  const cv::Rect inside = cv::Rect(at, size) & frame_rect;
  if (inside.empty()) return {};
  return {inside, resized(inside - at)};
}

void Composite(cv::Mat& frame, const cv::Rect& where, const cv::Mat& bgra) {
  for (int y = 0; y < where.height; ++y) {
    cv::Vec3b* out = frame.ptr<cv::Vec3b>(where.y + y) + where.x;
    const cv::Vec4b* in = bgra.ptr<cv::Vec4b>(y);
    for (int x = 0; x < where.width; ++x) {
      const int a = in[x][3];
      if (a == 0) continue;
      for (int c = 0; c < 3; ++c) {
        out[x][c] = uchar((in[x][c] * a + out[x][c] * (255 - a) + 127) / 255);
      }
    }
  }
}

}  // namespace

cv::Mat CoverResize(const cv::Mat& image, cv::Size size) {
  const double scale = std::max(double(size.width) / image.cols, double(size.height) / image.rows);
  cv::Mat resized;
  cv::resize(image, resized,
             cv::Size(std::max(size.width, int(std::ceil(image.cols * scale))),
                      std::max(size.height, int(std::ceil(image.rows * scale)))),
             0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  const cv::Rect crop((resized.cols - size.width) / 2, (resized.rows - size.height) / 2, size.width,
                      size.height);
  return resized(crop).clone();
}

namespace {

Result<Framed> FramePortraitOrThrow(const FrameRequest& r);

}  // namespace

Result<Framed> FramePortrait(const FrameRequest& request) {
  // OpenCV reports failures by exception; none may leave this module.
  try {
    return FramePortraitOrThrow(request);
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("framing failed: ") + e.what());
  }
}

namespace {

Result<Framed> FramePortraitOrThrow(const FrameRequest& r) {
  if (r.original.empty() || r.original.type() != CV_8UC3) {
    return Status::InvalidArgument("framing needs the original BGR photo");
  }
  if (r.cutout.empty() || r.cutout.type() != CV_8UC4 || r.cutout_rect.empty()) {
    return Status::InvalidArgument("framing needs a BGRA cutout and its rectangle");
  }
  const double cutout_scale = double(r.cutout.cols) / r.cutout_rect.width;
  if (std::abs(r.cutout_rect.height * cutout_scale - r.cutout.rows) > kScaleSlack) {
    return Status::InvalidArgument("the cutout's shape does not match its rectangle");
  }
  if (r.background == FrameBackground::kImage && r.background_image.empty()) {
    return Status::InvalidArgument("framing needs a background image");
  }
  const cv::Size frame_size(kFrameWidth, kFrameHeight);
  cv::Rect2d face(r.face);
  if (r.face.empty()) {
    // No face: treat the top of the person box as the head.
    const double side = r.cutout_rect.height * kAssumedFaceFraction;
    face =
        cv::Rect2d(r.cutout_rect.x + (r.cutout_rect.width - side) / 2, r.cutout_rect.y, side, side);
  }

  const cv::Point2d centre(face.x + face.width / 2, face.y + face.height / 2);
  const bool body_leaves_photo = r.cutout_rect.y + r.cutout_rect.height >= r.original.rows;
  const double below_face = r.cutout_rect.y + r.cutout_rect.height - centre.y;
  Transform t;
  t.scale = kFaceHeightFraction * kFrameHeight / face.height;
  if (body_leaves_photo && below_face > 0) {
    // A body cut by the photo's bottom edge should reach the frame's bottom edge too, rather
    // than end mid-frame: a larger face, within limits, then a lower one.
    const double reach = (1 - kLowestFaceCentreY) * kFrameHeight / below_face;
    t.scale = std::clamp(reach, t.scale, kMaxFaceHeightFraction * kFrameHeight / face.height);
  }
  t.scale = std::min(t.scale, kMaxUpscale);
  t.tx = kFrameWidth / 2.0 - centre.x * t.scale;
  t.ty = kFaceCentreY * kFrameHeight - centre.y * t.scale;
  const double cutout_bottom = (r.cutout_rect.y + r.cutout_rect.height) * t.scale + t.ty;
  if (body_leaves_photo && cutout_bottom < kFrameHeight) {
    t.ty +=
        std::min(kFrameHeight - cutout_bottom, (kLowestFaceCentreY - kFaceCentreY) * kFrameHeight);
  }

  Framed framed;
  framed.scale = t.scale;
  if (r.background == FrameBackground::kImage) {
    framed.image = CoverResize(r.background_image, frame_size);
  } else {
    // The photo itself, with a blurred cover of it wherever the photo does not reach.
    framed.image = CoverResize(r.original, frame_size);
    cv::GaussianBlur(framed.image, framed.image, cv::Size(0, 0), kBackgroundBlurSigma);
    auto [where, pixels] = Place(r.original, {0, 0}, t, frame_size);
    if (!where.empty()) {
      pixels.copyTo(framed.image(where));
      if (r.background == FrameBackground::kBlurredOriginal) {
        cv::GaussianBlur(framed.image, framed.image, cv::Size(0, 0), kBackgroundBlurSigma);
      }
    }
  }
  // The cutout's own pixels map to the frame by the same transform after undoing its scale.
  Transform cutout_t = t;
  cutout_t.scale = t.scale / cutout_scale;
  const cv::Point cutout_origin(int(std::lround(r.cutout_rect.x * cutout_scale)),
                                int(std::lround(r.cutout_rect.y * cutout_scale)));
  auto [where, person] = Place(r.cutout, cutout_origin, cutout_t, frame_size);
  if (!where.empty()) {
    // Edges of the photo that end inside the frame fade out rather than end in a line.
    const int fade = int(kEdgeFadeFraction * kFrameHeight);
    const bool fade_bottom = where.y + where.height < kFrameHeight && where.height > fade;
    const bool fade_left = where.x > 0 && where.width > 2 * fade;
    const bool fade_right = where.x + where.width < kFrameWidth && where.width > 2 * fade;
    if (fade_bottom || fade_left || fade_right) {
      person = person.clone();  // Place may return a view of a buffer it shares
      for (int y = 0; y < where.height; ++y) {
        cv::Vec4b* row = person.ptr<cv::Vec4b>(y);
        const double keep_y = fade_bottom ? std::min(1.0, double(where.height - y) / fade) : 1;
        for (int x = 0; x < where.width; ++x) {
          double keep = keep_y;
          if (fade_left) keep = std::min(keep, double(x + 1) / fade);
          if (fade_right) keep = std::min(keep, double(where.width - x) / fade);
          if (keep < 1) row[x][3] = uchar(row[x][3] * keep);
        }
      }
    }
    Composite(framed.image, where, person);
  }
  framed.face = Round(t.ToFrame(face));
  for (const cv::Point2f& p : r.landmarks) {
    framed.landmarks.emplace_back(float(p.x * t.scale + t.tx), float(p.y * t.scale + t.ty));
  }
  return framed;
}

}  // namespace

}  // namespace vmsg::media
