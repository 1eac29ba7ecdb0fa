// See face_motion.h. Everything random is drawn in Plan; At is a pure function of time.
#include "video/face_motion.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

#include "video/motion_math.h"

namespace vmsg::video {
namespace {

// Nods: at most one per this many seconds; each starts this long before its accent's vowel,
// reaches its deepest point over kNodRise and comes back over kNodFall.
constexpr double kMinNodGap = 0.9;
constexpr double kNodLead = 0.12, kNodRise = 0.25, kNodHold = 0.05, kNodFall = 0.45;
// A nod's size relative to the largest: the first accent after a pause gets it all, others a
// random share of at least kMinNodShare.
constexpr double kMinNodShare = 0.55;
// The brows: up over kBrowRise from just before the accent, held, down over kBrowFall.
constexpr double kBrowLead = 0.1, kBrowRise = 0.15, kBrowHold = 0.3, kBrowFall = 0.4;
// A question's last vowel raises them too, from a little earlier and held a little longer.
constexpr double kQuestionBrowLead = 0.2, kQuestionBrowHold = 0.45;
// A pause this long after speech ends a phrase: the head settles (tilts a little and dips)
// and, before speech resumes, lifts as with a breath.
constexpr double kSettlePause = 0.25;
constexpr double kSettleRise = 0.35, kSettleFall = 0.5, kSettleRoll = 0.8, kSettleDip = 0.5;
constexpr double kLiftLead = 0.45, kLiftRise = 0.3, kLiftFall = 0.4, kLiftDegrees = 0.7;
// The drift: sines an octave apart from kDriftLowestHz, amplitudes falling as 1/sqrt(f) (a
// 1/f power spectrum).
constexpr int kDriftOctaves = 6;
constexpr double kDriftLowestHz = 0.04;
constexpr int kDriftAxes = 3;  // x, y, roll
// Gaze: a jump every kGazeMin-kGazeMax seconds to a point within kGazeX / kGazeY of the eye's
// width, back towards the centre one time in kGazeHome; each jump takes kGazeMove seconds.
constexpr double kGazeMin = 1.0, kGazeMax = 3.0, kGazeX = 0.07, kGazeY = 0.025;
constexpr double kGazeHome = 0.4, kGazeMove = 0.05;
// Blinks: one just after a phrase ends, kPhraseEndBlink of the time; elsewhere the first this
// far in, then every kBlinkGapMin-kBlinkGapMax seconds where none is nearer than kBlinkGapMin;
// never two starting within kMinBlinkGap; each kBlinkMin-kBlinkMax long, closing over
// kBlinkClosing of it, shut for kBlinkShut, opening (slower) over the rest.
constexpr double kPhraseEndBlink = 0.85;
constexpr double kFirstBlinkMin = 0.8, kFirstBlinkMax = 2.2;
constexpr double kBlinkGapMin = 2.0, kBlinkGapMax = 4.0, kMinBlinkGap = 1.2;
constexpr double kBlinkMin = 0.15, kBlinkMax = 0.3, kBlinkClosing = 0.3, kBlinkShut = 0.2;
constexpr double kThumbnailMargin = 0.2;

struct Pause {
  double start = 0, end = 0;  // video seconds
  bool after_speech = false, before_speech = false;
};

std::vector<Pause> Pauses(const speech::Speech& speech, double offset) {
  std::vector<Pause> out;
  const auto& ph = speech.phonemes;
  for (size_t i = 0; i < ph.size(); ++i) {
    if (ph[i].symbol != speech::kPauseSymbol) continue;
    out.push_back({offset + ph[i].start, offset + ph[i].end, i > 0, i + 1 < ph.size()});
  }
  return out;
}

}  // namespace

double MotionEnergy(speech::ProsodyPreset preset) {
  switch (preset) {
    case speech::ProsodyPreset::kCalm:
      return 0.6;
    case speech::ProsodyPreset::kNeutral:
      return 1;
    case speech::ProsodyPreset::kJoyful:
      return 1.25;
    case speech::ProsodyPreset::kEnergetic:
      return 1.4;
    case speech::ProsodyPreset::kCelebration:
      return 1.5;
  }
  return 1;
}

Status FaceMotionParams::Validate() const {
  if (!(energy >= 0.3 && energy <= 2)) return Status::InvalidArgument("energy must be 0.3-2");
  if (!(max_nod_degrees >= 0 && max_nod_degrees <= 5 && max_brow >= 0 && max_brow <= 0.05 &&
        drift >= 0 && drift <= 0.05 && drift_roll >= 0 && drift_roll <= 3)) {
    return Status::InvalidArgument("nods, brows and drift must be small and not negative");
  }
  return Status::Ok();
}

double FaceMotion::Pulse::At(double t) const {
  const double u = t - start;
  if (u <= 0 || u >= rise + hold + fall) return 0;
  if (u < rise) return size * Smooth(u / rise);
  if (u < rise + hold) return size;
  return size * (1 - Smooth((u - rise - hold) / fall));
}

Result<FaceMotion> FaceMotion::Plan(const FaceMotionInput& input, const FaceMotionParams& params) {
  VMSG_RETURN_IF_ERROR(params.Validate());
  if (!(input.duration_seconds > 0) || !std::isfinite(input.duration_seconds)) {
    return Status::InvalidArgument("the motion needs a positive duration");
  }
  FaceMotion m;
  m.params_ = params;
  std::mt19937_64 rng(input.seed);
  for (int i = 0; i < kDriftOctaves * kDriftAxes; ++i) {
    m.phases_.push_back(Uniform(rng, 0, 2 * std::numbers::pi));
  }

  std::vector<Pause> pauses;
  if (input.speech != nullptr) {
    const double offset = input.speech_offset_seconds;
    pauses = Pauses(*input.speech, offset);
    // A phrase starts where speech starts and after every pause long enough to end one.
    std::vector<double> phrase_starts = {offset};
    for (const Pause& p : pauses) {
      if (p.end - p.start >= kSettlePause && p.before_speech) phrase_starts.push_back(p.end);
    }
    size_t next_phrase = 0;
    double last_nod = -1e9;
    for (const speech::Phoneme& p : input.speech->phonemes) {
      if (!p.nucleus) continue;
      const double t = offset + p.start;
      m.accents_.push_back(t);
      bool first_in_phrase = false;
      while (next_phrase < phrase_starts.size() && phrase_starts[next_phrase] <= t) {
        first_in_phrase = true;
        ++next_phrase;
      }
      if (first_in_phrase) {
        m.brow_pulses_.push_back(
            {t - kBrowLead, kBrowRise, kBrowHold, kBrowFall, params.max_brow * params.energy});
      }
      if (t - last_nod < kMinNodGap) continue;
      last_nod = t;
      const double share = first_in_phrase ? 1 : Uniform(rng, kMinNodShare, 1);
      const Pulse nod{t - kNodLead, kNodRise, kNodHold, kNodFall,
                      params.max_nod_degrees * params.energy * share};
      m.nod_pulses_.push_back(nod);
      m.nod_peaks_.push_back(nod.start + nod.rise);
    }
    for (const speech::Phoneme& p : input.speech->phonemes) {
      if (!p.question) continue;
      m.brow_pulses_.push_back({offset + p.start - kQuestionBrowLead, kBrowRise, kQuestionBrowHold,
                                kBrowFall, params.max_brow * params.energy});
    }
    for (const Pause& p : pauses) {
      const double length = p.end - p.start;
      if (length < kSettlePause) continue;
      if (p.after_speech) {
        const double hold = std::max(0.0, length - kSettleRise - kSettleFall);
        m.settle_pulses_.push_back({p.start, kSettleRise, hold, kSettleFall, params.energy});
        m.settle_sides_.push_back(rng() % 2 == 0 ? 1 : -1);
      }
      if (p.before_speech) {
        m.lift_pulses_.push_back(
            {p.end - kLiftLead, kLiftRise, 0, kLiftFall, kLiftDegrees * params.energy});
      }
    }
  }

  // Gaze jumps.
  double x = 0;
  for (double t = Uniform(rng, kGazeMin, kGazeMax); t < input.duration_seconds;
       t += Uniform(rng, kGazeMin, kGazeMax)) {
    const bool home = Uniform(rng, 0, 1) < kGazeHome;
    x = home ? 0.3 * x : Uniform(rng, -kGazeX, kGazeX);
    m.gaze_jumps_.push_back({t, x, home ? 0 : Uniform(rng, -kGazeY, kGazeY)});
  }

  if (params.blinks) {
    // Phrase ends first (most of them get a blink just after the voice stops), then blinks
    // every kBlinkGapMin-kBlinkGapMax seconds wherever none is near.
    std::vector<double> starts;
    for (const Pause& p : pauses) {
      if (p.after_speech && p.end - p.start >= kSettlePause &&
          Uniform(rng, 0, 1) < kPhraseEndBlink) {
        starts.push_back(p.start + Uniform(rng, 0.03, 0.15));
      }
    }
    const size_t phrase_ends = starts.size();
    for (double t = Uniform(rng, kFirstBlinkMin, kFirstBlinkMax); t < input.duration_seconds;
         t += Uniform(rng, kBlinkGapMin, kBlinkGapMax)) {
      // Near a phrase end's blink, the rhythm goes on from that one.
      const auto near = std::find_if(starts.begin(), starts.begin() + long(phrase_ends),
                                     [&](double s) { return std::abs(s - t) < kBlinkGapMin; });
      if (near == starts.begin() + long(phrase_ends)) {
        starts.push_back(t);
      } else {
        t = std::max(t - kBlinkGapMin, *near);
      }
    }
    std::sort(starts.begin(), starts.end());
    double last_start = -1e9;
    for (const double at : starts) {
      const double length = Uniform(rng, kBlinkMin, kBlinkMax);
      const bool over_thumbnail = at < input.thumbnail_seconds + kThumbnailMargin &&
                                  at + length > input.thumbnail_seconds - kThumbnailMargin;
      if (over_thumbnail || at - last_start < kMinBlinkGap ||
          at + length > input.duration_seconds) {
        continue;
      }
      m.blinks_.emplace_back(at, at + length);
      last_start = at;
    }
  }
  return m;
}

FacePose FaceMotion::At(double t) const {
  FacePose pose;
  for (const Pulse& p : nod_pulses_) pose.pitch += p.At(t);
  for (const Pulse& p : lift_pulses_) pose.pitch -= p.At(t);
  for (size_t i = 0; i < settle_pulses_.size(); ++i) {
    const double s = settle_pulses_[i].At(t);
    pose.roll += kSettleRoll * s * settle_sides_[i];
    pose.pitch += kSettleDip * s;
  }
  for (const Pulse& p : brow_pulses_) pose.brow += p.At(t);
  pose.brow = std::min(pose.brow, params_.max_brow * params_.energy);  // overlapping raises

  // The drift: per axis, octave-spaced sines with 1/sqrt(f) amplitudes, scaled so that the
  // sum's standard deviation is the parameter's.
  static const double norm = [] {
    double sum = 0;
    for (int k = 0; k < kDriftOctaves; ++k) sum += 1.0 / (kDriftLowestHz * std::exp2(k)) / 2;
    return 1 / std::sqrt(sum);
  }();
  std::array<double, kDriftAxes> drift{};
  for (int axis = 0; axis < kDriftAxes; ++axis) {
    for (int k = 0; k < kDriftOctaves; ++k) {
      const double hz = kDriftLowestHz * std::exp2(k);
      drift[size_t(axis)] +=
          std::sin(2 * std::numbers::pi * hz * t + phases_[size_t(axis * kDriftOctaves + k)]) /
          std::sqrt(hz);
    }
    drift[size_t(axis)] *= norm * std::sqrt(params_.energy);
  }
  pose.drift_x = params_.drift * drift[0];
  pose.drift_y = 0.5 * params_.drift * drift[1];
  pose.roll += params_.drift_roll * drift[2];

  // Gaze: the last jump's target, reached over kGazeMove from the one before.
  double from_x = 0, from_y = 0;
  for (const GazeJump& jump : gaze_jumps_) {
    if (jump.at > t) break;
    const double u = Smooth((t - jump.at) / kGazeMove);
    pose.gaze_x = from_x + (jump.x - from_x) * u;
    pose.gaze_y = from_y + (jump.y - from_y) * u;
    from_x = jump.x;
    from_y = jump.y;
  }

  for (const auto& [start, end] : blinks_) {
    if (t < start || t >= end) continue;
    const double phase = (t - start) / (end - start);
    const double opening = kBlinkClosing + kBlinkShut;
    pose.blink = phase < kBlinkClosing ? Smooth(phase / kBlinkClosing)
                 : phase < opening     ? 1
                                       : 1 - Smooth((phase - opening) / (1 - opening));
  }
  return pose;
}

}  // namespace vmsg::video
