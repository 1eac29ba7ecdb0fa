// See viseme_track.h. A Gaussian-smoothed step function has a closed form: each phoneme
// contributes its target times the Gaussian's mass inside [start, end), so a pose costs a
// pass over the phonemes near `seconds` and no sampling grid.
#include "video/viseme_track.h"

#include <algorithm>
#include <cmath>

namespace vmsg::video {
namespace {

// Phonemes further than this many standard deviations away contribute nothing visible.
constexpr double kGaussianReach = 4;

// The Gaussian's mass in [start, end) around `t`.
double Mass(double start, double end, double t, double sigma) {
  const double k = 1 / (sigma * std::sqrt(2.0));
  return 0.5 * (std::erf((end - t) * k) - std::erf((start - t) * k));
}

bool IsPause(const speech::Phoneme& p) {
  return p.symbol == speech::kPauseSymbol || p.symbol == "sil";
}

MouthPose PhonemeTarget(const speech::Phoneme& p, const VisemeTrackParams& params) {
  if (p.viseme != speech::Viseme::kClosed || IsPause(p) || IsLipClosure(p)) {
    return VisemeTarget(p.viseme);
  }
  return {params.nearly_closed_open, 0};
}

// The phonemes' targets after coarticulation: pauses stay at rest (the mouth closes in a
// pause) and do not pull their neighbours.
std::vector<MouthPose> Targets(const speech::Speech& speech, const VisemeTrackParams& params) {
  const auto& ph = speech.phonemes;
  std::vector<MouthPose> own(ph.size()), out(ph.size());
  for (size_t i = 0; i < ph.size(); ++i) own[i] = PhonemeTarget(ph[i], params);
  for (size_t i = 0; i < ph.size(); ++i) {
    out[i] = own[i];
    if (IsPause(ph[i])) continue;
    for (const size_t j : {i - 1, i + 1}) {
      if (j >= ph.size() || IsPause(ph[j])) continue;  // i - 1 wraps for i == 0
      out[i].open += params.coarticulation * (own[j].open - own[i].open);
      out[i].spread += params.coarticulation * (own[j].spread - own[i].spread);
    }
  }
  return out;
}

MouthPose PoseAt(const speech::Speech& speech, const std::vector<MouthPose>& targets, double t,
                 const VisemeTrackParams& params) {
  const auto& ph = speech.phonemes;
  const double reach = kGaussianReach * std::max(params.smoothing_seconds, params.closure_seconds);
  // Phonemes are in order: find the first that may matter.
  auto first = std::lower_bound(ph.begin(), ph.end(), t - reach,
                                [](const speech::Phoneme& p, double v) { return p.end < v; });
  MouthPose pose;
  double closure = 0;
  for (auto it = first; it != ph.end() && it->start <= t + reach; ++it) {
    const MouthPose& target = targets[size_t(it - ph.begin())];
    const double mass = Mass(it->start, it->end, t, params.smoothing_seconds);
    pose.open += mass * target.open;
    pose.spread += mass * target.spread;
    if (IsLipClosure(*it)) closure += Mass(it->start, it->end, t, params.closure_seconds);
  }
  pose.open *= 1 - std::clamp(closure, 0.0, 1.0);
  pose.open = std::clamp(pose.open, 0.0, 1.0);
  pose.spread = std::clamp(pose.spread, -1.0, 1.0);
  return pose;
}

}  // namespace

MouthPose VisemeTarget(speech::Viseme viseme) {
  // Opening relative to a wide "a"; i and e spread the lips, u and o round them.
  switch (viseme) {
    case speech::Viseme::kClosed:
      return {0, 0};
    case speech::Viseme::kA:
      return {1.0, 0.1};
    case speech::Viseme::kI:
      return {0.3, 0.8};
    case speech::Viseme::kU:
      return {0.25, -0.9};
    case speech::Viseme::kE:
      return {0.55, 0.5};
    case speech::Viseme::kO:
      return {0.65, -0.7};
  }
  return {};
}

bool IsLipClosure(const speech::Phoneme& p) {
  if (p.viseme != speech::Viseme::kClosed) return false;
  static constexpr std::string_view kClosures[] = {"m", "my", "b", "by", "p", "py", "f", "v"};
  return std::find(std::begin(kClosures), std::end(kClosures), p.symbol) != std::end(kClosures);
}

MouthPose MouthAt(const speech::Speech& speech, double seconds, const VisemeTrackParams& params) {
  return PoseAt(speech, Targets(speech, params), seconds, params);
}

std::vector<MouthPose> MouthTrack(const speech::Speech& speech, double speech_offset_seconds,
                                  int frame_count, const VisemeTrackParams& params) {
  const std::vector<MouthPose> targets = Targets(speech, params);
  std::vector<MouthPose> track(size_t(std::max(0, frame_count)));
  for (size_t i = 0; i < track.size(); ++i) {
    track[i] = PoseAt(speech, targets, double(i) / params.fps - speech_offset_seconds, params);
  }
  return track;
}

}  // namespace vmsg::video
