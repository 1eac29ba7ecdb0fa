// The talking photo (step 8): the framed picture brought to life for the length of the
// message. The photo's own face is the rest pose; per frame a local warp opens the jaw and
// shapes the lips to the speech's visemes (a mouth cavity fills the gap the lower lip leaves),
// and moves the head, brows, eyes and lids as the motion plan (face_motion.h) says: nods on
// accented syllables, brows on a phrase's emphasis, a settle at phrase ends, a slow drift and
// gaze shifts throughout, blinks with a lid and lash line coming down. The body breathes, and
// the picture slowly zooms in on the face. A photo without a usable face gets the breathing,
// drift and zoom only. See docs/video.md, "Talking photo".
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "base/result.h"
#include "speech/speech.h"
#include "video/face_motion.h"
#include "video/frame_source.h"
#include "video/viseme_track.h"

namespace vmsg::video {

// How the mouth's, eyes' and brows' motion becomes a warp. kField works out where every pixel
// comes from; kMesh works it out only at the 68 landmarks and a fixed ring around the
// features, and interpolates affinely in each triangle of their Delaunay triangulation (the
// usual talking-head mesh). The field is the default: it is smooth across the mesh's edges,
// where the mesh bends straight lines (docs/video.md, "Field or mesh"); the mesh stays for
// that comparison.
enum class FaceWarp { kField, kMesh };

struct TalkingPhotoParams {
  // Jaw opening of a wide "a", as a fraction of the nose-to-chin distance.
  double max_open_fraction = 0.12;
  // How much the lips widen for a fully spread pose and narrow for a fully rounded one, as a
  // fraction of the mouth's half width.
  double max_widen = 0.08;
  double max_narrow = 0.14;
  // A closed-mouth photo opens on upper teeth, and on lower teeth too when this is set.
  bool lower_teeth = true;
  FaceWarp face_warp = FaceWarp::kField;
  // Nods, brows, drift, gaze and blinks.
  FaceMotionParams motion;
  // Without a usable face the whole picture drifts by at most this many pixels of the
  // 910-high portrait (image::FrameUnit times as many at another height).
  double max_sway_pixels = 1.5;
  // Breathing: the largest vertical stretch of the picture about its bottom edge, and the
  // breath period.
  double max_breath_stretch = 0.004;
  double breath_seconds = 4.2;
  // The zoom: a little from the first frame (so that sway never shows the picture's edge),
  // growing to start + growth by the last frame.
  double start_zoom = 0.006;
  double zoom_growth = 0.04;
  VisemeTrackParams mouth;

  Status Validate() const;
};

struct TalkingPhotoInput {
  cv::Mat framed;                      // BGR, the video's size (CheckVideoPicture)
  std::vector<cv::Point2f> landmarks;  // dlib's 68 points in frame coordinates, or none
  // The message: only its phonemes are read, and only while Make runs. Null: no speech.
  const speech::Speech* speech = nullptr;
  double speech_offset_seconds = 0;  // where the speech starts in the video
  double duration_seconds = 0;       // the video's length
  uint64_t seed = 0;                 // blinks and motion
};

class TalkingPhoto final : public FrameSource {
 public:
  // InvalidArgument for a picture CheckVideoPicture refuses, a landmark count other than 0
  // or 68, a non-positive duration, or invalid params. Landmarks that do not describe a
  // usable face (degenerate, or the mouth or eyes off the picture) are ignored: the photo
  // is animated without its face (face_animated() is false).
  static Result<std::unique_ptr<TalkingPhoto>> Make(const TalkingPhotoInput& input,
                                                    const TalkingPhotoParams& params = {});
  ~TalkingPhoto() override;

  int frame_count() const override;
  Result<cv::Mat> Frame(int index) const override;
  int thumbnail_index() const override { return thumbnail_frame(); }
  bool animates_face() const override { return face_animated(); }

  // Whether the mouth, eyes and head move (the photo had a usable frontal face).
  bool face_animated() const;
  // A frame fit for the thumbnail: mouth at rest and eyes open (no blink is scheduled over
  // it), as early as possible.
  int thumbnail_frame() const;
  // The mouth pose of frame `index` (closed when the face is not animated); for tests and
  // the renderer's debugging.
  MouthPose mouth(int index) const;
  // How closed the eyelids are in frame `index`, 0 (open) .. 1 (shut).
  double blink(int index) const;
  // The motion plan (nods, accents, blinks) the frames follow.
  const FaceMotion& motion() const { return *motion_; }
  // Where each pixel of frame `index` takes its colour from in the framed picture (CV_32FC2,
  // x and y); the cavity, teeth and lashes drawn over it are not included. For the tests of
  // the warp's smoothness and the field-or-mesh comparison.
  Result<cv::Mat> SourceMap(int index) const;

  struct Geometry;   // the face measured once (talking_photo.cc)
  struct FrameWarp;  // one frame's maps (talking_photo.cc)

 private:
  TalkingPhoto() = default;
  Result<FrameWarp> Warp(int index) const;

  TalkingPhotoParams params_;
  cv::Mat framed_;
  std::unique_ptr<const Geometry> face_;  // null when the face is not animated
  std::vector<MouthPose> mouth_;
  std::unique_ptr<const FaceMotion> motion_;
  std::vector<double> phases_;  // of the faceless sway's sines and the breath
  int thumbnail_ = 0;
};

}  // namespace vmsg::video
