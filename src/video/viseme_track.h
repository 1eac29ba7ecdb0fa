// The mouth of the talking photo over time: from the phonemes of a Speech (with their
// visemes and timings) to one mouth pose per video frame. Each phoneme holds a target pose
// for its duration, blended a little towards its neighbours (coarticulation); the targets
// are then smoothed by a Gaussian (no frame-to-frame jitter), and lip closures (m, b, p)
// are laid over that with a narrower Gaussian so that the lips really meet for them. Before
// the first phoneme and after the last, the mouth is at rest (closed).
#pragma once

#include <vector>

#include "speech/speech.h"

namespace vmsg::video {

// One frame's mouth.
struct MouthPose {
  double open = 0;    // jaw opening, 0 (the photo's own mouth) .. 1 (a wide "a")
  double spread = 0;  // lip width: > 0 spread (i, e), < 0 rounded (u, o), -1 .. 1
};

// The pose a viseme aims at when it is held long enough.
MouthPose VisemeTarget(speech::Viseme viseme);

struct VisemeTrackParams {
  double fps = 25;
  // Each phoneme's target moves this fraction towards each neighbour's.
  double coarticulation = 0.15;
  // Standard deviation of the Gaussian that smooths the targets (about 70 ms at half
  // height), and of the narrower one that shapes lip closures.
  double smoothing_seconds = 0.03;
  double closure_seconds = 0.018;
  // The jaw target of a closed phoneme that is neither a pause nor a lip closure (N, cl):
  // nearly, not quite, shut.
  double nearly_closed_open = 0.1;
};

// Whether `phoneme` closes the lips (bilabials; English labiodentals). Pauses and the
// Japanese N and cl are closed visemes but not closures.
bool IsLipClosure(const speech::Phoneme& phoneme);

// The pose at `seconds` into the speech (negative: before it).
MouthPose MouthAt(const speech::Speech& speech, double seconds, const VisemeTrackParams& params);

// Poses for frames [0, frame_count) of a video in which the speech starts at
// `speech_offset_seconds`; frame i shows time i / fps.
std::vector<MouthPose> MouthTrack(const speech::Speech& speech, double speech_offset_seconds,
                                  int frame_count, const VisemeTrackParams& params = {});

}  // namespace vmsg::video
