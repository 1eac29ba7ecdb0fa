// See backgrounds.h. Every size below is a fraction of the picture's shorter side (a
// portrait's width) so that a preset looks the same at 1080x1920 and at 512x910, and its
// shapes keep their size in a square or landscape picture; randomness comes from a generator seeded
// by the preset's id, so the pictures never change between set-ups.
#include "image/backgrounds.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

namespace vmsg::image {
namespace {

constexpr int kJpegQuality = 92;

// A seed that is the same on every platform and library (std::hash is not).
uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

class Painter {
 public:
  Painter(cv::Mat& canvas, std::string_view id) : canvas_(canvas), rng_(Fnv1a(id)) {}

  double U(double lo = 0, double hi = 1) { return std::uniform_real_distribution<>(lo, hi)(rng_); }
  int W() const { return canvas_.cols; }
  int H() const { return canvas_.rows; }
  int S() const { return std::min(canvas_.cols, canvas_.rows); }
  // A length as a fraction of the shorter side.
  int L(double fraction) const { return std::max(1, int(std::lround(fraction * S()))); }
  cv::Point P(double fx, double fy) const { return {int(fx * W()), int(fy * H())}; }
  cv::Point RandomPoint() { return P(U(), U()); }

  // Vertical gradient through `stops` (colours spread evenly from top to bottom).
  void Gradient(const std::vector<cv::Scalar>& stops) {
    for (int y = 0; y < H(); ++y) {
      const double t = double(y) / std::max(1, H() - 1) * double(stops.size() - 1);
      const size_t i = std::min(stops.size() - 2, size_t(t));
      const double f = t - double(i);
      canvas_.row(y).setTo(stops[i] * (1 - f) + stops[i + 1] * f);
    }
  }

  // Draws with `draw` and blends the result in with `opacity`, softened by a blur of `blur`
  // (fraction of the shorter side). Normal layers are drawn onto a copy of the canvas, so
  // anti-aliased edges blend with what is below them; `additive` layers are drawn on black
  // and add light (bokeh, glow).
  void Layer(const std::function<void(cv::Mat&)>& draw, double blur, double opacity,
             bool additive = false) {
    const double sigma = blur * S();
    if (additive) {
      cv::Mat layer = cv::Mat::zeros(canvas_.size(), CV_8UC3);
      draw(layer);
      if (sigma > 0) cv::GaussianBlur(layer, layer, cv::Size(0, 0), sigma);
      cv::addWeighted(canvas_, 1.0, layer, opacity, 0, canvas_);
      return;
    }
    cv::Mat drawn = canvas_.clone();
    draw(drawn);
    if (sigma <= 0) {
      cv::addWeighted(canvas_, 1 - opacity, drawn, opacity, 0, canvas_);
      return;
    }
    // Soften only where something was drawn.
    cv::Mat diff, changed;
    cv::absdiff(drawn, canvas_, diff);
    cv::cvtColor(diff, changed, cv::COLOR_BGR2GRAY);
    changed = (changed > 0);
    cv::GaussianBlur(drawn, drawn, cv::Size(0, 0), sigma);
    cv::Mat alpha;
    cv::GaussianBlur(changed, changed, cv::Size(0, 0), sigma);
    changed.convertTo(alpha, CV_32F, opacity / 255.0);
    cv::Mat a3, c, d;
    cv::cvtColor(alpha, a3, cv::COLOR_GRAY2BGR);
    canvas_.convertTo(c, CV_32FC3);
    drawn.convertTo(d, CV_32FC3);
    cv::Mat out = c.mul(cv::Scalar::all(1) - a3) + d.mul(a3);
    out.convertTo(canvas_, CV_8UC3);
  }

  cv::Scalar Pick(const std::vector<cv::Scalar>& palette) {
    return palette[size_t(U(0, double(palette.size()))) % palette.size()];
  }

  cv::Mat& canvas_;
  std::mt19937_64 rng_;
};

// Colours are BGR.
const cv::Scalar kWhite(255, 255, 255);

void PastelConfetti(Painter& p) {
  p.Gradient({{235, 225, 255}, {250, 230, 240}, {240, 245, 225}});
  const std::vector<cv::Scalar> palette = {
      {200, 170, 255}, {255, 200, 170}, {170, 230, 255}, {200, 255, 200}, {255, 180, 220}};
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 260; ++i) {
          const cv::RotatedRect piece(p.RandomPoint(), cv::Size2f(p.L(0.025), p.L(0.01)),
                                      float(p.U(0, 180)));
          cv::Point2f corners[4];
          piece.points(corners);
          std::vector<cv::Point> poly(corners, corners + 4);
          if (i % 3 == 0) {
            cv::circle(m, p.RandomPoint(), p.L(0.008), p.Pick(palette), cv::FILLED, cv::LINE_AA);
          } else {
            cv::fillConvexPoly(m, poly, p.Pick(palette), cv::LINE_AA);
          }
        }
      },
      0, 0.9);
}

void PinkBalloons(Painter& p) {
  p.Gradient({{230, 200, 255}, {210, 170, 250}});
  const std::vector<cv::Scalar> palette = {
      {180, 105, 255}, {203, 192, 255}, {147, 20, 255}, {230, 216, 255}, {255, 255, 255}};
  struct Balloon {
    cv::Point centre;
    int r;
    cv::Scalar colour;
  };
  std::vector<Balloon> balloons;
  for (int i = 0; i < 14; ++i) {
    balloons.push_back(
        {p.P(p.U(0.05, 0.95), p.U(0.05, 0.75)), p.L(p.U(0.06, 0.1)), p.Pick(palette)});
  }
  p.Layer(
      [&](cv::Mat& m) {
        for (const Balloon& b : balloons) {
          cv::line(m, b.centre + cv::Point(0, int(b.r * 1.2)),
                   b.centre + cv::Point(p.L(0.02), b.r * 4), cv::Scalar(120, 120, 120),
                   std::max(1, p.L(0.002)), cv::LINE_AA);
          cv::ellipse(m, b.centre, cv::Size(b.r, int(b.r * 1.2)), 0, 0, 360, b.colour, cv::FILLED,
                      cv::LINE_AA);
        }
      },
      0, 0.95);
  p.Layer(
      [&](cv::Mat& m) {
        for (const Balloon& b : balloons) {
          cv::ellipse(m, b.centre - cv::Point(b.r / 3, b.r / 2), cv::Size(b.r / 6, b.r / 4), 30, 0,
                      360, kWhite, cv::FILLED, cv::LINE_AA);
        }
      },
      0.004, 0.5);
}

void GoldBokeh(Painter& p) {
  p.Gradient({{20, 30, 50}, {30, 60, 90}, {20, 35, 60}});
  for (int pass = 0; pass < 2; ++pass) {
    p.Layer(
        [&](cv::Mat& m) {
          for (int i = 0; i < 60; ++i) {
            const cv::Scalar gold(p.U(40, 90), p.U(160, 210), p.U(220, 255));
            cv::circle(m, p.RandomPoint(), p.L(pass == 0 ? p.U(0.04, 0.09) : p.U(0.01, 0.03)),
                       gold * p.U(0.4, 1.0), cv::FILLED, cv::LINE_AA);
          }
        },
        pass == 0 ? 0.012 : 0.003, pass == 0 ? 0.7 : 0.9, true);
  }
}

void BirthdayCake(Painter& p) {
  p.Gradient({{220, 240, 255}, {200, 225, 250}});
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 120; ++i) {
          cv::circle(m, p.RandomPoint(), p.L(0.006),
                     p.Pick({{180, 200, 255}, {255, 220, 180}, {200, 255, 220}}), cv::FILLED,
                     cv::LINE_AA);
        }
      },
      0, 0.8);
  // A two-tier cake at the bottom with candles.
  const int cx = p.W() / 2, base = int(p.H() * 0.97);
  const int w1 = p.L(0.8), h1 = p.L(0.18), w2 = p.L(0.56), h2 = p.L(0.15);
  p.Layer(
      [&](cv::Mat& m) {
        cv::rectangle(m, cv::Rect(cx - w1 / 2, base - h1, w1, h1), cv::Scalar(200, 220, 250),
                      cv::FILLED);
        cv::rectangle(m, cv::Rect(cx - w2 / 2, base - h1 - h2, w2, h2), cv::Scalar(210, 180, 250),
                      cv::FILLED);
        for (int k = 0; k < 12; ++k) {
          cv::circle(m, cv::Point(cx - w1 / 2 + (k * w1) / 11, base - h1), p.L(0.025), kWhite,
                     cv::FILLED, cv::LINE_AA);
        }
        for (int k = 0; k < 5; ++k) {
          const int x = cx - w2 / 2 + p.L(0.06) + k * (w2 - p.L(0.12)) / 4;
          const int top = base - h1 - h2 - p.L(0.1);
          cv::rectangle(m, cv::Rect(x - p.L(0.008), top, p.L(0.016), p.L(0.1)),
                        p.Pick({{255, 200, 150}, {150, 150, 255}, {150, 255, 200}}), cv::FILLED);
          cv::ellipse(m, cv::Point(x, top - p.L(0.02)), cv::Size(p.L(0.01), p.L(0.022)), 0, 0, 360,
                      cv::Scalar(60, 200, 255), cv::FILLED, cv::LINE_AA);
        }
      },
      0.001, 1.0);
}

void PaperFlowers(Painter& p) {
  p.Gradient({{240, 248, 250}, {225, 240, 245}});
  const std::vector<cv::Scalar> palette = {
      {160, 140, 250}, {120, 200, 255}, {230, 170, 200}, {180, 230, 250}, {200, 160, 255}};
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 22; ++i) {
          const cv::Point c = p.RandomPoint();
          const int r = p.L(p.U(0.04, 0.08));
          const cv::Scalar colour = p.Pick(palette);
          for (int k = 0; k < 6; ++k) {
            const double a = k * CV_PI / 3;
            cv::ellipse(m, c + cv::Point(int(r * std::cos(a)), int(r * std::sin(a))),
                        cv::Size(r * 2 / 3, r / 3), a * 180 / CV_PI, 0, 360, colour, cv::FILLED,
                        cv::LINE_AA);
          }
          cv::circle(m, c, r / 3, cv::Scalar(90, 210, 250), cv::FILLED, cv::LINE_AA);
        }
      },
      0.001, 0.92);
}

void PartyStreamers(Painter& p) {
  p.Gradient({{250, 235, 215}, {245, 220, 230}});
  const std::vector<cv::Scalar> palette = {
      {80, 80, 240}, {240, 160, 60}, {60, 200, 250}, {200, 90, 200}, {100, 210, 120}};
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 9; ++i) {
          std::vector<cv::Point> curve;
          const double x0 = p.U(), amplitude = p.U(0.04, 0.1), phase = p.U(0, 6.28);
          const double length = p.U(0.4, 1.0);
          for (double t = 0; t <= length; t += 0.005) {
            curve.push_back(p.P(x0 + amplitude * std::sin(phase + t * 14), t));
          }
          cv::polylines(m, curve, false, p.Pick(palette), p.L(0.018), cv::LINE_AA);
        }
      },
      0, 0.95);
}

void StarryPurple(Painter& p) {
  p.Gradient({{60, 10, 40}, {110, 30, 80}, {150, 60, 110}});
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 400; ++i) {
          cv::circle(m, p.RandomPoint(), std::max(1, p.L(p.U(0.0008, 0.003))),
                     kWhite * p.U(0.5, 1.0), cv::FILLED, cv::LINE_AA);
        }
        for (int i = 0; i < 14; ++i) {
          const cv::Point c = p.RandomPoint();
          const int r = p.L(p.U(0.015, 0.03));
          const int t = p.L(0.003);
          cv::line(m, c - cv::Point(r, 0), c + cv::Point(r, 0), kWhite, t, cv::LINE_AA);
          cv::line(m, c - cv::Point(0, r), c + cv::Point(0, r), kWhite, t, cv::LINE_AA);
        }
      },
      0.0005, 1.0, true);
}

void RosePetals(Painter& p) {
  p.Gradient({{235, 225, 250}, {215, 195, 245}});
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 70; ++i) {
          const int r = p.L(p.U(0.015, 0.035));
          cv::ellipse(m, p.RandomPoint(), cv::Size(r, r * 3 / 5), p.U(0, 180), 0, 360,
                      cv::Scalar(p.U(60, 130), p.U(40, 90), p.U(190, 240)), cv::FILLED,
                      cv::LINE_AA);
        }
      },
      0.002, 0.9);
}

void WarmSunset(Painter& p) {
  p.Gradient({{120, 60, 110}, {110, 110, 240}, {90, 170, 255}, {140, 200, 255}});
  p.Layer(
      [&](cv::Mat& m) {
        cv::circle(m, p.P(0.5, 0.72), p.L(0.3), cv::Scalar(120, 200, 255), cv::FILLED, cv::LINE_AA);
      },
      0.08, 0.6, true);
  p.Layer(
      [&](cv::Mat& m) {
        std::vector<cv::Point> hills = {p.P(0, 1), p.P(0, 0.86)};
        for (double x = 0; x <= 1.0; x += 0.02) {
          hills.push_back(p.P(x, 0.86 + 0.03 * std::sin(x * 9) + 0.01 * std::sin(x * 23)));
        }
        hills.push_back(p.P(1, 1));
        cv::fillPoly(m, std::vector<std::vector<cv::Point>>{hills}, cv::Scalar(70, 40, 60),
                     cv::LINE_AA);
      },
      0.001, 1.0);
}

void SilverSparkle(Painter& p) {
  p.Gradient({{215, 210, 205}, {175, 170, 165}, {200, 195, 190}});
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 40; ++i) {
          cv::circle(m, p.RandomPoint(), p.L(p.U(0.02, 0.06)), kWhite * p.U(0.2, 0.5), cv::FILLED,
                     cv::LINE_AA);
        }
      },
      0.01, 0.8, true);
  p.Layer(
      [&](cv::Mat& m) {
        for (int i = 0; i < 60; ++i) {
          const cv::Point c = p.RandomPoint();
          const int r = p.L(p.U(0.006, 0.02));
          cv::line(m, c - cv::Point(r, 0), c + cv::Point(r, 0), kWhite, p.L(0.002), cv::LINE_AA);
          cv::line(m, c - cv::Point(0, r), c + cv::Point(0, r), kWhite, p.L(0.002), cv::LINE_AA);
        }
      },
      0.0005, 1.0, true);
}

struct Design {
  BackgroundPreset preset;
  void (*draw)(Painter&);
};

const std::vector<Design>& Designs() {
  static const std::vector<Design> designs = {
      {{"bg-pastel-confetti", "パステル紙吹雪", "Pastel confetti"}, PastelConfetti},
      {{"bg-pink-balloons", "ピンクの風船", "Pink balloons"}, PinkBalloons},
      {{"bg-gold-bokeh", "金色のボケ", "Gold bokeh"}, GoldBokeh},
      {{"bg-birthday-cake", "バースデーケーキ", "Birthday cake"}, BirthdayCake},
      {{"bg-paper-flowers", "ペーパーフラワー", "Paper flowers"}, PaperFlowers},
      {{"bg-party-streamers", "パーティーストリーマー", "Party streamers"}, PartyStreamers},
      {{"bg-starry-purple", "紫の星空", "Starry purple"}, StarryPurple},
      {{"bg-rose-petals", "バラの花びら", "Rose petals"}, RosePetals},
      {{"bg-warm-sunset", "暖かい夕焼け", "Warm sunset"}, WarmSunset},
      {{"bg-silver-sparkle", "シルバーのきらめき", "Silver sparkle"}, SilverSparkle},
  };
  return designs;
}

}  // namespace

const std::vector<BackgroundPreset>& BackgroundPresets() {
  static const std::vector<BackgroundPreset> presets = [] {
    std::vector<BackgroundPreset> out;
    for (const Design& d : Designs()) out.push_back(d.preset);
    return out;
  }();
  return presets;
}

Result<cv::Mat> RenderBackground(std::string_view id, cv::Size size) {
  for (const Design& d : Designs()) {
    if (d.preset.id != id) continue;
    cv::Mat canvas(size, CV_8UC3);
    Painter painter(canvas, id);
    d.draw(painter);
    return canvas;
  }
  return Status::NotFound("no background preset " + std::string(id), "unknown_background");
}

std::string BackgroundFileName(std::string_view id) { return std::string(id) + ".jpg"; }
std::string ThumbnailFileName(std::string_view id) { return std::string(id) + "_thumb.jpg"; }

Status WriteBackgrounds(const std::filesystem::path& dir, bool overwrite) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create " + dir.string() + ": " + ec.message());
  const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, kJpegQuality};
  for (const BackgroundPreset& preset : BackgroundPresets()) {
    const auto full = dir / BackgroundFileName(preset.id);
    const auto thumb = dir / ThumbnailFileName(preset.id);
    if (!overwrite && std::filesystem::exists(full) && std::filesystem::exists(thumb)) continue;
    VMSG_ASSIGN_OR_RETURN(cv::Mat image,
                          RenderBackground(preset.id, {kBackgroundWidth, kBackgroundHeight}));
    cv::Mat small;
    cv::resize(image, small, {kThumbnailWidth, kThumbnailHeight}, 0, 0, cv::INTER_AREA);
    // Written under a temporary name and renamed, so a reader never sees half a file.
    for (const auto& [path, picture] : {std::pair{full, image}, {thumb, small}}) {
      const auto partial = std::filesystem::path(path.string() + ".partial.jpg");
      if (!cv::imwrite(partial.string(), picture, params)) {
        return Status::Internal("cannot write " + partial.string());
      }
      std::filesystem::rename(partial, path, ec);
      if (ec) return Status::Internal("cannot rename to " + path.string() + ": " + ec.message());
    }
  }
  return Status::Ok();
}

}  // namespace vmsg::image
