// Person detection for the photo a message is made from: frontal faces (dlib's HOG detector,
// with the 68-point landmarks), profile faces (OpenCV's Haar cascade, only when no frontal
// face is found) and whole bodies (OpenCV's HOG people detector). A person is a face with
// the upper-body box derived from it, merged with any body detection it belongs to; bodies
// with no face are persons too. The models are loaded once, when the detector is made.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "base/json.h"
#include "base/result.h"

namespace vmsg::image {

// Where Debian puts the models (libdlib-data, opencv-data).
inline constexpr std::string_view kDefaultLandmarkModel =
    "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
inline constexpr std::string_view kDefaultProfileCascade =
    "/usr/share/opencv4/haarcascades/haarcascade_profileface.xml";

inline constexpr int kLandmarkCount = 68;

struct Person {
  int index = 0;
  cv::Rect bbox;                       // the person: upper body derived from the face, or body
  std::optional<cv::Rect> face;        // present when has_face
  std::vector<cv::Point2f> landmarks;  // kLandmarkCount points for a frontal face, else empty
  double confidence = 0;               // 0..1
  bool has_face = false;
};

struct Detection {
  int width = 0;  // of the image searched
  int height = 0;
  std::vector<Person> persons;  // largest first; persons[i].index == i
};

// {width, height, person_count, persons: [{index, bbox: {x1, y1, x2, y2}, confidence,
// has_face, face: {x1, y1, x2, y2}, landmarks: [[x, y], ...]}]} (face and landmarks only when
// known). x2/y2 are exclusive.
Json DetectionToJson(const Detection& detection);
// The inverse, for a detection stored by a previous run. DataLoss when malformed.
Result<Detection> DetectionFromJson(const Json& json);

struct PersonDetectorOptions {
  std::filesystem::path landmark_model{kDefaultLandmarkModel};
  std::filesystem::path profile_cascade{kDefaultProfileCascade};
  // The image is scaled (up at most kMaxDetectionUpscale, or down) so that its longer side
  // is this many pixels before searching: dlib's window is 80x80, so faces smaller than
  // about 80 / (this / longer side) pixels are not found.
  int search_side = 1000;
};
inline constexpr double kMaxDetectionUpscale = 2.0;

class PersonDetector {
 public:
  virtual ~PersonDetector() = default;

  // Finds the persons in an 8-bit BGR image. An image with nobody in it is not an error:
  // the detection is empty. InvalidArgument for an empty or non-BGR image. Thread-safe;
  // concurrent calls are serialised.
  virtual Result<Detection> Detect(const cv::Mat& bgr) const = 0;
};

// Loads the models: FailedPrecondition naming the file when one is missing or unreadable
// (about a second, for the 100 MB landmark model).
Result<std::unique_ptr<PersonDetector>> NewPersonDetector(const PersonDetectorOptions& options);

// Intersection over union of two boxes; 0 when either is empty.
double IoU(const cv::Rect& a, const cv::Rect& b);

}  // namespace vmsg::image
