// The talking photo's motion plan: where the head, brows, eyes and lids are at every moment
// of the video, worked out once from the speech's own structure and a seed. See
// docs/video.md, "Motion".
//
// - Nods (the head pitching down, then back) start just before each accented syllable (a
//   phoneme marked `nucleus`) and peak just after it, at most one per kMinNodGap seconds.
// - The brows rise on the first accent after a pause (a phrase's emphasis) and at the end of
//   a question (a phoneme marked `question`).
// - At a phrase's end (a pause of kSettlePause or more after speech) the head settles with a
//   small tilt; before speech resumes it lifts a little, as with a breath.
// - Always, speaking or not: a slow 1/f drift of the head's position and tilt, and gaze
//   micro-saccades (the irises jumping a pixel or two every 1-3 s).
// - Blinks: more at pauses and phrase ends, 12 to 30 a minute overall, each 0.12-0.3 s,
//   none over the thumbnail.
// `energy` (from the prosody preset: calm < 1 < celebration) scales nods, brows and drift.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/result.h"
#include "speech/prosody.h"
#include "speech/speech.h"

namespace vmsg::video {

// The face's state at one moment. Angles in degrees; distances as stated.
struct FacePose {
  double pitch = 0;    // nod: positive turns the face down
  double roll = 0;     // tilt: positive clockwise on screen
  double drift_x = 0;  // slow sideways drift (fraction of the face's height)
  double drift_y = 0;  // and vertical
  double brow = 0;     // brow raise (fraction of the face's height)
  double gaze_x = 0;   // iris shift (fraction of the eye's width)
  double gaze_y = 0;   // (fraction of the eye's width)
  double blink = 0;    // 0 open .. 1 shut
};

struct FaceMotionParams {
  double energy = 1;             // 0.3 .. 2
  double max_nod_degrees = 2.5;  // at energy 1
  double max_brow = 0.02;        // of the face height, at energy 1
  double drift = 0.01;           // standard deviation of the drift, of the face height
  double drift_roll = 0.6;       // degrees, standard deviation
  bool blinks = true;

  Status Validate() const;
};

struct FaceMotionInput {
  const speech::Speech* speech = nullptr;  // null: no speech, only drift, gaze and blinks
  double speech_offset_seconds = 0;
  double duration_seconds = 0;
  double thumbnail_seconds = 0;  // no blink near it
  uint64_t seed = 0;
};

// The motion's energy for a prosody preset: calm 0.6, neutral 1, joyful 1.25, energetic
// 1.4, celebration 1.5.
double MotionEnergy(speech::ProsodyPreset preset);

class FaceMotion {
 public:
  static Result<FaceMotion> Plan(const FaceMotionInput& input, const FaceMotionParams& params = {});

  FacePose At(double seconds) const;

  // Times (video seconds) of the nods' deepest points, of the accents they follow, and the
  // blinks ([start, end)).
  const std::vector<double>& nods() const { return nod_peaks_; }
  const std::vector<double>& accents() const { return accents_; }
  const std::vector<std::pair<double, double>>& blinks() const { return blinks_; }

 private:
  struct Pulse {  // a rise over `rise`, hold over `hold`, fall over `fall` seconds
    double start = 0, rise = 0, hold = 0, fall = 0, size = 0;
    double At(double t) const;
  };

  FaceMotionParams params_;
  std::vector<Pulse> nod_pulses_, brow_pulses_, settle_pulses_, lift_pulses_;
  std::vector<double> settle_sides_;  // the tilt's direction per settle
  std::vector<double> nod_peaks_, accents_;
  std::vector<std::pair<double, double>> blinks_;
  struct GazeJump {
    double at = 0, x = 0, y = 0;  // when, and where to (fractions of the eye's width)
  };
  std::vector<GazeJump> gaze_jumps_;
  std::vector<double> phases_;  // the drift's sines
};

}  // namespace vmsg::video
