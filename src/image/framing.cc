// See framing.h. Only the part of the photo that lands in the frame is resized, so a 12 MP
// photo costs what a 512x910 one does.
#include "image/framing.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "image/matting.h"
#include "image/opencv_errors.h"

namespace vmsg::image {
namespace {

// Rounding when the cutout was scaled: its height may be off by this many pixels.
constexpr double kScaleSlack = 1.5;
// Source pixels of margin around what lands in the frame, for the resampling filters (Lanczos
// reads four on either side).
constexpr int kResampleMargin = 4;
// The unsharp mask after an enlargement: its amount, and its sigma per unit of scale.
constexpr double kUnsharpAmount = 0.35;
constexpr double kUnsharpSigmaPerScale = 0.5;
constexpr double kMinUpscaleToSharpen = 1.15;
// The most a matte's soft edge is steepened when it is enlarged.
constexpr double kMaxEdgeGain = 2.5;
// The photo fades into its fill over this many frame pixels at its edges inside the frame.
constexpr int kFillSeam = 9;
// Blurs wider than this are done at a smaller scale (WideBlur).
constexpr double kFullScaleBlurSigma = 8;

cv::Rect Round(const cv::Rect2d& r) {
  return cv::Rect(cv::Point(int(std::floor(r.x)), int(std::floor(r.y))),
                  cv::Point(int(std::ceil(r.x + r.width)), int(std::ceil(r.y + r.height))));
}

// A source image drawn into the frame: where it lands (within the frame) and its pixels there.
struct Placed {
  cv::Rect where;
  cv::Mat pixels;
};

// Draws `source` into a frame of `frame` size by frame = source * k + offset, resizing only the
// part that lands in the frame.
Placed Place(const cv::Mat& source, double k, cv::Point2d offset, cv::Size frame,
             int interpolation) {
  const cv::Rect frame_rect(0, 0, frame.width, frame.height);
  const cv::Rect2d visible(-offset.x / k, -offset.y / k, frame.width / k, frame.height / k);
  cv::Rect src = Round(visible);
  src.x -= kResampleMargin;
  src.y -= kResampleMargin;
  src.width += 2 * kResampleMargin;
  src.height += 2 * kResampleMargin;
  src &= cv::Rect(0, 0, source.cols, source.rows);
  if (src.empty()) return {};
  const cv::Rect2d whole(src.x * k + offset.x, src.y * k + offset.y, src.width * k, src.height * k);
  const cv::Size size(std::max(1, int(std::lround(whole.width))),
                      std::max(1, int(std::lround(whole.height))));
  cv::Mat resized;
  cv::resize(source(src), resized, size, 0, 0, interpolation);
  const cv::Point at(int(std::lround(whole.x)), int(std::lround(whole.y)));
  const cv::Rect inside = cv::Rect(at, size) & frame_rect;
  if (inside.empty()) return {};
  return {inside, resized(inside - at)};
}

int InterpolationFor(double scale) {
  if (scale < 1) return cv::INTER_AREA;
  return scale > 1 ? cv::INTER_LANCZOS4 : cv::INTER_LINEAR;
}

// A light unsharp mask for enlarged pixels: Lanczos keeps edges but spreads them over about a
// source pixel, which the mask tightens.
void Sharpen(cv::Mat& pixels, double scale) {
  if (scale < kMinUpscaleToSharpen) return;
  cv::Mat blurred;
  cv::GaussianBlur(pixels, blurred, cv::Size(0, 0), kUnsharpSigmaPerScale * scale);
  cv::addWeighted(pixels, 1 + kUnsharpAmount, blurred, -kUnsharpAmount, 0, pixels);
}

// A Gaussian blur of `sigma` done at a smaller scale when it is wide (the result is smooth at
// that scale anyway): a 54-pixel blur over a 1080x1920 frame takes a tenth of the time.
cv::Mat WideBlur(const cv::Mat& image, double sigma) {
  const int shrink = std::max(1, int(sigma / kFullScaleBlurSigma));
  cv::Mat out;
  if (shrink == 1) {
    cv::GaussianBlur(image, out, cv::Size(0, 0), sigma);
    return out;
  }
  cv::Mat small;
  cv::resize(image, small,
             cv::Size(std::max(1, image.cols / shrink), std::max(1, image.rows / shrink)), 0, 0,
             cv::INTER_AREA);
  cv::GaussianBlur(small, small, cv::Size(0, 0), sigma / shrink);
  cv::resize(small, out, image.size(), 0, 0, cv::INTER_LINEAR);
  return out;
}

// The whole frame from the photo's placed pixels: where the photo has none, its reflection
// blurred, with the photo fading into that fill over a few pixels.
cv::Mat FillFrame(const Placed& photo, cv::Size frame, double fill_sigma) {
  const cv::Rect& w = photo.where;
  if (w == cv::Rect(0, 0, frame.width, frame.height)) return photo.pixels.clone();
  cv::Mat padded, fill;
  cv::copyMakeBorder(photo.pixels, padded, w.y, frame.height - w.y - w.height, w.x,
                     frame.width - w.x - w.width, cv::BORDER_REFLECT_101);
  fill = WideBlur(padded, fill_sigma);
  cv::Mat covered(frame, CV_32F, cv::Scalar(0));
  covered(w).setTo(1);
  cv::boxFilter(covered, covered, CV_32F, cv::Size(kFillSeam, kFillSeam), cv::Point(-1, -1), true,
                cv::BORDER_REPLICATE);
  cv::Mat weight = cv::max(covered * 2 - 1, 0.0);
  cv::Mat weight3;
  cv::merge(std::vector<cv::Mat>{weight, weight, weight}, weight3);
  cv::Mat a, b, out;
  padded.convertTo(a, CV_32FC3);
  fill.convertTo(b, CV_32FC3);
  cv::Mat mixed = a.mul(weight3) + b.mul(cv::Scalar::all(1) - weight3);
  mixed.convertTo(out, CV_8UC3);
  return out;
}

// `foreground` over `background` by `alpha`, in place.
void Composite(cv::Mat& background, const cv::Mat& foreground, const cv::Mat& alpha) {
  for (int y = 0; y < background.rows; ++y) {
    cv::Vec3b* out = background.ptr<cv::Vec3b>(y);
    const cv::Vec3b* in = foreground.ptr<cv::Vec3b>(y);
    const uchar* a = alpha.ptr<uchar>(y);
    for (int x = 0; x < background.cols; ++x) {
      if (a[x] == 0) continue;
      for (int c = 0; c < 3; ++c) {
        out[x][c] = uchar((in[x][c] * a[x] + out[x][c] * (255 - a[x]) + 127) / 255);
      }
    }
  }
}

// The face the rules measure: from the landmarks, else the face box, else the top of the
// person's matte.
FaceGeometry FaceOf(const FrameRequest& r, const cv::Mat& alpha) {
  if (auto from_landmarks = FaceFromLandmarks(r.landmarks); from_landmarks.ok()) {
    return *from_landmarks;
  }
  if (!r.face.empty()) return FaceFromBox(cv::Rect2d(r.face));
  std::vector<cv::Point> points;
  cv::findNonZero(alpha > 0, points);
  cv::Rect2d body(r.cutout_rect);
  if (!points.empty()) {
    const cv::Rect b = cv::boundingRect(points);
    const double sx = double(r.cutout_rect.width) / alpha.cols;
    const double sy = double(r.cutout_rect.height) / alpha.rows;
    body = cv::Rect2d(r.cutout_rect.x + b.x * sx, r.cutout_rect.y + b.y * sy, b.width * sx,
                      b.height * sy);
  }
  return FaceFromBody(body);
}

Result<Framed> FramePortraitOrThrow(const FrameRequest& r) {
  if (r.original.empty() || r.original.type() != CV_8UC3) {
    return Status::InvalidArgument("framing needs the original BGR photo");
  }
  if (r.cutout.empty() || r.cutout.type() != CV_8UC4 || r.cutout_rect.empty()) {
    return Status::InvalidArgument("framing needs a BGRA cutout and its rectangle");
  }
  if (r.frame.width < 16 || r.frame.height < 16) {
    return Status::InvalidArgument("the frame must be at least 16x16");
  }
  const double cutout_scale = double(r.cutout.cols) / r.cutout_rect.width;
  if (std::abs(r.cutout_rect.height * cutout_scale - r.cutout.rows) > kScaleSlack) {
    return Status::InvalidArgument("the cutout's shape does not match its rectangle");
  }
  if (r.background == FrameBackground::kImage && r.background_image.empty()) {
    return Status::InvalidArgument("framing needs a background image");
  }
  cv::Mat cutout_alpha;
  cv::extractChannel(r.cutout, cutout_alpha, 3);
  const FaceGeometry face = FaceOf(r, cutout_alpha);
  VMSG_ASSIGN_OR_RETURN(PersonShape shape,
                        MeasurePerson(cutout_alpha, r.cutout_rect, r.original.size(), face));
  VMSG_ASSIGN_OR_RETURN(Composition c,
                        Compose({.photo = r.original.size(),
                                 .frame = r.frame,
                                 .face = face,
                                 .person = shape,
                                 .framing = r.framing,
                                 .photo_background = r.background != FrameBackground::kImage}));

  // The photo's pixels at the frame's scale, and the person's matte over them.
  Placed photo = Place(r.original, c.scale, {c.tx, c.ty}, r.frame, InterpolationFor(c.scale));
  if (photo.where.empty()) return Status::Internal("the composition shows none of the photo");
  Sharpen(photo.pixels, c.scale);
  const cv::Mat pixels = FillFrame(photo, r.frame, BlurSigma(kFillBlurFraction, r.frame));
  const double k = c.scale / cutout_scale;
  const Placed person =
      Place(cutout_alpha, k, {r.cutout_rect.x * c.scale + c.tx, r.cutout_rect.y * c.scale + c.ty},
            r.frame, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  Framed framed;
  framed.alpha = cv::Mat(r.frame, CV_8UC1, cv::Scalar(0));
  if (!person.where.empty()) {
    // Enlarging the matte widens its soft edge with it: steepen the ramp by the enlargement
    // (up to a limit), so the edge stays as soft as a photo's own edges at the frame's size.
    const double gain = std::clamp(k, 1.0, kMaxEdgeGain);
    person.pixels.convertTo(framed.alpha(person.where), CV_8U, gain, 127.5 * (1 - gain));
  }

  switch (r.background) {
    case FrameBackground::kOriginal:
      framed.image = pixels;
      break;
    case FrameBackground::kBlurredOriginal:
      framed.image = BlurBehind(pixels, framed.alpha, BlurSigma(kBackgroundBlurFraction, r.frame));
      Composite(framed.image, EstimateForeground(pixels, framed.alpha), framed.alpha);
      break;
    case FrameBackground::kImage:
      framed.image = CoverResize(r.background_image, r.frame);
      Composite(framed.image, EstimateForeground(pixels, framed.alpha), framed.alpha);
      break;
  }
  framed.composition = c;
  framed.figures = Figures(c, face, r.frame);
  const cv::Rect2d face_box = r.face.empty() ? cv::Rect2d(face.centre_x - face.height() / 2,
                                                          face.top, face.height(), face.height())
                                             : cv::Rect2d(r.face);
  framed.face = Round(c.ToFrame(face_box));
  for (const cv::Point2f& p : r.landmarks) {
    const cv::Point2d q = c.ToFrame(cv::Point2d(p));
    framed.landmarks.emplace_back(float(q.x), float(q.y));
  }
  return framed;
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

Result<Framed> FramePortrait(const FrameRequest& request) {
  // OpenCV reports failures by exception; none may leave this module.
  try {
    return FramePortraitOrThrow(request);
  } catch (const cv::Exception& e) {
    return OpenCvError("framing", e);
  }
}

}  // namespace vmsg::image
