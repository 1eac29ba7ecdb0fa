// See person_detector.h. dlib and OpenCV detectors are not safe to call concurrently on one
// instance, so Detect holds a mutex; a worker process shares one detector (the landmark
// model alone is 100 MB) and detection is a small part of a task.
#include "image/person_detector.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "image/image_io.h"

namespace vmsg::image {
namespace {

// dlib's scores are SVM margins (0 at its threshold); this maps them onto 0..1 with 0.5 at
// the threshold.
constexpr double kFaceScoreSlope = 2.0;
// Bodies: OpenCV's HOG weights, likewise; below kMinBodyWeight a body alone is not trusted
// to be a person (textures and railings fire the detector weakly).
constexpr double kBodyScoreSlope = 2.0;
constexpr double kMinBodyWeight = 0.8;
// Profile cascade hits have no score; this is their confidence.
constexpr double kProfileConfidence = 0.6;
constexpr int kProfileMinNeighbors = 6;
// Profile faces are searched at this longer side, from this size up, with this pyramid step.
constexpr int kProfileSearchSide = 640;
constexpr int kMinProfileSide = 24;
constexpr double kProfilePyramidScale = 1.15;
// Bodies are big: search them at this longer side (faster than the face search size).
constexpr int kBodySearchSide = 640;
constexpr double kBodyPyramidScale = 1.1;
// Upper body from a face box: width, and how far above/below the face it reaches, in face
// sizes (the head's top above the face box, shoulders and chest below).
constexpr double kUpperBodyWidth = 3.0;
constexpr double kUpperBodyAbove = 0.6;
constexpr double kUpperBodyBelow = 3.0;
// A body belongs to a face whose centre lies in the body box's upper part.
constexpr double kBodyHeadFraction = 0.4;
constexpr double kBodyCoveredFraction = 0.5;
constexpr double kDuplicateIoU = 0.3;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

cv::Rect Scale(const cv::Rect2d& r, double factor) {
  return cv::Rect(cv::Point(int(std::lround(r.x * factor)), int(std::lround(r.y * factor))),
                  cv::Point(int(std::lround((r.x + r.width) * factor)),
                            int(std::lround((r.y + r.height) * factor))));
}

struct Candidate {
  cv::Rect2d face;  // search-image coordinates; empty for a body alone
  cv::Rect2d body;
  std::vector<cv::Point2f> landmarks;
  double confidence = 0;
  bool has_face = false;
};

cv::Rect2d UpperBody(const cv::Rect2d& face) {
  const double cx = face.x + face.width / 2;
  return {cx - face.width * kUpperBodyWidth / 2, face.y - face.height * kUpperBodyAbove,
          face.width * kUpperBodyWidth, face.height * (1 + kUpperBodyAbove + kUpperBodyBelow)};
}

class DlibPersonDetector final : public PersonDetector {
 public:
  DlibPersonDetector(const PersonDetectorOptions& options, dlib::shape_predictor landmarks,
                     cv::CascadeClassifier profile)
      : options_(options),
        faces_(dlib::get_frontal_face_detector()),
        landmarks_(std::move(landmarks)),
        profile_(std::move(profile)) {
    bodies_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
  }

  Result<Detection> Detect(const cv::Mat& bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3) {
      return Status::InvalidArgument("person detection needs an 8-bit BGR image");
    }
    // OpenCV and dlib report failures by exception; none may leave this module.
    try {
      std::lock_guard lock(mutex_);
      return DetectLocked(bgr);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("person detection failed: ") + e.what());
    }
  }

 private:
  Detection DetectLocked(const cv::Mat& bgr) const {
    const int longer = std::max(bgr.cols, bgr.rows);
    const double scale =
        std::min(kMaxDetectionUpscale, double(options_.search_side) / double(longer));
    cv::Mat gray;
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    cv::Mat search;
    cv::resize(gray, search, ScaledSize(gray.size(), scale), 0, 0,
               scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);

    std::vector<Candidate> candidates = FindFaces(search);
    if (candidates.empty()) candidates = FindProfileFaces(search);
    MergeBodies(bgr, scale, candidates);

    Detection detection{.width = bgr.cols, .height = bgr.rows};
    const cv::Rect bounds(0, 0, bgr.cols, bgr.rows);
    std::vector<std::pair<double, Person>> sized;
    for (const Candidate& c : candidates) {
      Person person;
      person.has_face = c.has_face;
      person.confidence = c.confidence;
      cv::Rect2d box = c.body;
      if (c.has_face) {
        const cv::Rect2d upper = UpperBody(c.face);
        box = c.body.area() > 0 ? (upper | c.body) : upper;
        person.face = Scale(c.face, 1 / scale) & bounds;
        for (const cv::Point2f& p : c.landmarks) {
          person.landmarks.emplace_back(float(p.x / scale), float(p.y / scale));
        }
      }
      person.bbox = Scale(box, 1 / scale) & bounds;
      if (person.bbox.empty()) continue;
      // Size is the face-derived box when there is a face (a body box merged with it must
      // not make a far-away person "larger" than a close one).
      // (Measured on the reported face box, so the order agrees with what clients see.)
      constexpr double kUpperBodyPerFace =
          kUpperBodyWidth * (1 + kUpperBodyAbove + kUpperBodyBelow);
      const double size =
          c.has_face ? person.face->area() * kUpperBodyPerFace : double(person.bbox.area());
      sized.emplace_back(size, std::move(person));
    }
    std::stable_sort(sized.begin(), sized.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [size, person] : sized) {
      person.index = static_cast<int>(detection.persons.size());
      detection.persons.push_back(std::move(person));
    }
    return detection;
  }

  std::vector<Candidate> FindFaces(const cv::Mat& search) const {
    const dlib::cv_image<unsigned char> image(search);
    std::vector<dlib::rect_detection> found;
    faces_(image, found);
    std::vector<Candidate> out;
    for (const dlib::rect_detection& d : found) {
      Candidate c;
      c.has_face = true;
      c.confidence = Sigmoid(kFaceScoreSlope * d.detection_confidence);
      c.face = cv::Rect2d(d.rect.left(), d.rect.top(), d.rect.width(), d.rect.height());
      const dlib::full_object_detection shape = landmarks_(image, d.rect);
      for (unsigned long i = 0; i < shape.num_parts(); ++i) {
        c.landmarks.emplace_back(float(shape.part(i).x()), float(shape.part(i).y()));
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  std::vector<Candidate> FindProfileFaces(const cv::Mat& search) const {
    // The cascade is slow at the face search size; profile faces are searched smaller.
    const double shrink =
        std::min(1.0, double(kProfileSearchSide) / std::max(search.cols, search.rows));
    cv::Mat small;
    cv::resize(search, small, ScaledSize(search.size(), shrink), 0, 0, cv::INTER_AREA);
    const cv::Size min_size(kMinProfileSide, kMinProfileSide);
    std::vector<cv::Rect> found;
    profile_.detectMultiScale(small, found, kProfilePyramidScale, kProfileMinNeighbors, 0,
                              min_size);
    // The cascade knows faces turned one way; the mirror image finds the other way.
    cv::Mat mirrored;
    cv::flip(small, mirrored, 1);
    std::vector<cv::Rect> mirrored_found;
    profile_.detectMultiScale(mirrored, mirrored_found, kProfilePyramidScale, kProfileMinNeighbors,
                              0, min_size);
    for (cv::Rect r : mirrored_found) {
      r.x = small.cols - r.x - r.width;
      found.push_back(r);
    }
    std::vector<cv::Rect> hits;
    for (const cv::Rect& r : found) hits.push_back(Scale(cv::Rect2d(r), 1 / shrink));
    std::vector<Candidate> out;
    for (const cv::Rect& r : hits) {
      const bool duplicate = std::any_of(out.begin(), out.end(), [&](const Candidate& c) {
        return IoU(cv::Rect(c.face), r) > kDuplicateIoU;
      });
      if (duplicate) continue;
      out.push_back(
          Candidate{.face = cv::Rect2d(r), .confidence = kProfileConfidence, .has_face = true});
    }
    return out;
  }

  // Adds each body to the face whose centre lies in its upper part, or as a person alone.
  void MergeBodies(const cv::Mat& bgr, double face_scale, std::vector<Candidate>& out) const {
    const double body_scale = std::min(1.0, double(kBodySearchSide) / std::max(bgr.cols, bgr.rows));
    cv::Mat small;
    cv::resize(bgr, small, ScaledSize(bgr.size(), body_scale), 0, 0, cv::INTER_AREA);
    // OpenCV's HOG reads past the image when it is smaller than the detection window
    // (a crash, found by the 64x64 test): nobody's whole body fits in such a picture anyway.
    if (small.cols < bodies_.winSize.width || small.rows < bodies_.winSize.height) return;
    std::vector<cv::Rect> found;
    std::vector<double> weights;
    bodies_.detectMultiScale(small, found, weights, 0, cv::Size(8, 8), cv::Size(),
                             kBodyPyramidScale);
    const double to_search = face_scale / body_scale;
    for (size_t i = 0; i < found.size(); ++i) {
      const cv::Rect2d body(found[i].x * to_search, found[i].y * to_search,
                            found[i].width * to_search, found[i].height * to_search);
      Candidate* owner = nullptr;
      for (Candidate& c : out) {
        if (!c.has_face) continue;
        const cv::Point2d centre(c.face.x + c.face.width / 2, c.face.y + c.face.height / 2);
        const cv::Rect2d head(body.x, body.y, body.width, body.height * kBodyHeadFraction);
        if (head.contains(centre) && (owner == nullptr || c.face.area() > owner->face.area())) {
          owner = &c;
        }
      }
      // A body that is mostly inside a face's upper-body box but not placed under that face
      // is the same person found askew, not another person.
      const bool covered = std::any_of(out.begin(), out.end(), [&](const Candidate& c) {
        return c.has_face &&
               (UpperBody(c.face) & body).area() >= kBodyCoveredFraction * body.area();
      });
      const double confidence = Sigmoid(kBodyScoreSlope * weights[i]);
      if (owner == nullptr && covered) continue;
      if (owner != nullptr) {
        owner->body = owner->body.area() > 0 ? (owner->body | body) : body;
        owner->confidence = std::max(owner->confidence, confidence);
      } else if (weights[i] >= kMinBodyWeight) {
        out.push_back(Candidate{.body = body, .confidence = confidence});
      }
    }
  }

  const PersonDetectorOptions options_;
  mutable std::mutex mutex_;
  mutable dlib::frontal_face_detector faces_;  // GUARDED_BY(mutex_)
  const dlib::shape_predictor landmarks_;
  mutable cv::CascadeClassifier profile_;  // GUARDED_BY(mutex_)
  mutable cv::HOGDescriptor bodies_;       // GUARDED_BY(mutex_)
};

Json BoxJson(const cv::Rect& r) {
  return {{"x1", r.x}, {"y1", r.y}, {"x2", r.x + r.width}, {"y2", r.y + r.height}};
}

Result<cv::Rect> BoxFromJson(const Json& j) {
  if (!j.is_object()) return Status::DataLoss("box is not an object");
  const int x1 = j.value("x1", 0), y1 = j.value("y1", 0);
  return cv::Rect(cv::Point(x1, y1), cv::Point(j.value("x2", x1), j.value("y2", y1)));
}

}  // namespace

double IoU(const cv::Rect& a, const cv::Rect& b) {
  const double inter = (a & b).area();
  const double uni = double(a.area()) + double(b.area()) - inter;
  return uni > 0 ? inter / uni : 0;
}

Json DetectionToJson(const Detection& detection) {
  Json persons = Json::array();
  for (const Person& p : detection.persons) {
    Json person = {{"index", p.index},
                   {"bbox", BoxJson(p.bbox)},
                   {"confidence", p.confidence},
                   {"has_face", p.has_face}};
    if (p.face) person["face"] = BoxJson(*p.face);
    if (!p.landmarks.empty()) {
      Json points = Json::array();
      for (const cv::Point2f& pt : p.landmarks) points.push_back({pt.x, pt.y});
      person["landmarks"] = std::move(points);
    }
    persons.push_back(std::move(person));
  }
  return {{"width", detection.width},
          {"height", detection.height},
          {"person_count", detection.persons.size()},
          {"persons", std::move(persons)}};
}

Result<Detection> DetectionFromJson(const Json& json) {
  try {
    Detection detection{.width = json.at("width").get<int>(),
                        .height = json.at("height").get<int>()};
    for (const Json& j : json.at("persons")) {
      Person p;
      p.index = j.at("index").get<int>();
      VMSG_ASSIGN_OR_RETURN(p.bbox, BoxFromJson(j.at("bbox")));
      p.confidence = j.at("confidence").get<double>();
      p.has_face = j.at("has_face").get<bool>();
      if (j.contains("face")) {
        VMSG_ASSIGN_OR_RETURN(cv::Rect face, BoxFromJson(j.at("face")));
        p.face = face;
      }
      if (j.contains("landmarks")) {
        for (const Json& pt : j.at("landmarks")) {
          p.landmarks.emplace_back(pt.at(0).get<float>(), pt.at(1).get<float>());
        }
      }
      detection.persons.push_back(std::move(p));
    }
    return detection;
  } catch (const Json::exception& e) {
    return Status::DataLoss(std::string("stored detection is malformed: ") + e.what());
  }
}

Result<std::unique_ptr<PersonDetector>> NewPersonDetector(const PersonDetectorOptions& options) {
  dlib::shape_predictor landmarks;
  try {
    dlib::deserialize(options.landmark_model.string()) >> landmarks;
  } catch (const std::exception& e) {
    return Status::FailedPrecondition("cannot load the landmark model " +
                                      options.landmark_model.string() + ": " + e.what());
  }
  if (landmarks.num_parts() != kLandmarkCount) {
    return Status::FailedPrecondition(options.landmark_model.string() +
                                      " is not a 68-point landmark model");
  }
  cv::CascadeClassifier profile;
  if (!profile.load(options.profile_cascade.string())) {
    return Status::FailedPrecondition("cannot load the profile-face cascade " +
                                      options.profile_cascade.string() +
                                      " (Debian package opencv-data)");
  }
  return std::unique_ptr<PersonDetector>(
      std::make_unique<DlibPersonDetector>(options, std::move(landmarks), std::move(profile)));
}

}  // namespace vmsg::image
