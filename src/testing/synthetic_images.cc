// See synthetic_images.h.
#include "testing/synthetic_images.h"

#include <opencv2/imgproc.hpp>
#include <random>

namespace vmsg::test {

SyntheticPortrait MakeSyntheticPortrait(cv::Size size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  const int w = size.width, h = size.height;

  // Background: a cool gradient with soft blobs.
  cv::Mat image(size, CV_8UC3);
  const cv::Vec3d top(180 + 60 * unit(rng), 120 + 60 * unit(rng), 60 * unit(rng));
  const cv::Vec3d bottom(120 + 80 * unit(rng), 160 + 60 * unit(rng), 80 * unit(rng));
  for (int y = 0; y < h; ++y) {
    const cv::Vec3d c = top + (bottom - top) * (double(y) / h);
    image.row(y).setTo(cv::Scalar(c[0], c[1], c[2]));
  }
  cv::Mat blobs = cv::Mat::zeros(size, CV_8UC3);
  for (int i = 0; i < 12; ++i) {
    const cv::Point centre(int(unit(rng) * w), int(unit(rng) * h));
    const int radius = int((0.03 + 0.08 * unit(rng)) * w);
    cv::circle(blobs, centre, radius,
               cv::Scalar(150 + 100 * unit(rng), 100 * unit(rng), 100 * unit(rng)), cv::FILLED);
  }
  cv::GaussianBlur(blobs, blobs, cv::Size(0, 0), w * 0.01);
  cv::addWeighted(image, 1.0, blobs, 0.5, 0, image);

  // The person: hair, face, neck, shoulders.
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  const cv::Point face_centre(w / 2, int(h * 0.33));
  const cv::Size face_axes(int(w * 0.11), int(w * 0.145));
  const cv::Scalar skin(120, 160, 215);
  const cv::Scalar hair(30, 35, 50);
  const cv::Scalar shirt(60 + 40 * unit(rng), 40, 160 + 60 * unit(rng));
  auto draw = [&](auto&& shape, const cv::Scalar& colour) {
    shape(image, colour);
    shape(mask, cv::Scalar(255));
  };
  draw(
      [&](cv::Mat& m, const cv::Scalar& c) {
        cv::ellipse(m, face_centre - cv::Point(0, face_axes.height / 4),
                    cv::Size(int(face_axes.width * 1.2), int(face_axes.height * 1.1)), 0, 0, 360, c,
                    cv::FILLED, cv::LINE_8);
      },
      hair);
  draw(
      [&](cv::Mat& m, const cv::Scalar& c) {
        cv::rectangle(m,
                      cv::Rect(face_centre.x - face_axes.width / 2, face_centre.y, face_axes.width,
                               int(face_axes.height * 1.6)),
                      c, cv::FILLED);
      },
      skin);
  draw(
      [&](cv::Mat& m, const cv::Scalar& c) {
        const int shoulders = face_centre.y + int(face_axes.height * 1.6);
        const std::vector<cv::Point> body = {{w / 2 - int(w * 0.08), shoulders - int(h * 0.02)},
                                             {w / 2 + int(w * 0.08), shoulders - int(h * 0.02)},
                                             {w / 2 + int(w * 0.33), shoulders + int(h * 0.08)},
                                             {w / 2 + int(w * 0.36), h},
                                             {w / 2 - int(w * 0.36), h},
                                             {w / 2 - int(w * 0.33), shoulders + int(h * 0.08)}};
        cv::fillConvexPoly(m, body, c, cv::LINE_8);
      },
      shirt);
  draw(
      [&](cv::Mat& m, const cv::Scalar& c) {
        cv::ellipse(m, face_centre, face_axes, 0, 0, 360, c, cv::FILLED, cv::LINE_8);
      },
      skin);
  // Eyes and mouth, so the face is not a flat disc.
  cv::circle(image, face_centre + cv::Point(-face_axes.width / 2, -face_axes.height / 5),
             face_axes.width / 8, cv::Scalar(40, 30, 30), cv::FILLED);
  cv::circle(image, face_centre + cv::Point(face_axes.width / 2, -face_axes.height / 5),
             face_axes.width / 8, cv::Scalar(40, 30, 30), cv::FILLED);
  cv::ellipse(image, face_centre + cv::Point(0, face_axes.height / 2),
              cv::Size(face_axes.width / 3, face_axes.height / 10), 0, 0, 360,
              cv::Scalar(70, 60, 170), cv::FILLED);

  cv::Mat noise(size, CV_16SC3);
  cv::randn(noise, 0, 6);
  cv::Mat noisy;
  image.convertTo(noisy, CV_16SC3);
  noisy += noise;
  noisy.convertTo(image, CV_8UC3);

  const cv::Rect face(face_centre.x - face_axes.width, face_centre.y - int(face_axes.height * 0.8),
                      2 * face_axes.width, int(face_axes.height * 1.8));
  return {image, mask, face};
}

}  // namespace vmsg::test
