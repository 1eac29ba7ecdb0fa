// What the image stages (steps 1-4) share: the object names they read and write, and how a
// stage that was skipped on resume gets back the images and detection the next one needs.
#pragma once

#include <opencv2/core.hpp>

#include "common/result.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

inline constexpr std::string_view kOriginalObject = "original.jpg";
inline constexpr std::string_view kPersonsObject = "persons.json";
inline constexpr std::string_view kCutoutObject = "person_{person}_bg_removed.png";
// optimized_512x910.png for the default format (the spec's name), optimized_1080x1920.png
// for portrait_hd, and so on: the stored still is named by the format's size.
inline constexpr std::string_view kFramedObject = "optimized_{size}.png";
// The framed face for step 8's animation and video.json: {"landmarks": [[x, y], ...]} (68
// points in the framed picture; absent when the chosen person has no frontal face) and
// {"composition": {framing, format, width, height, scale, upscale_capped, face_share,
// eye_line, centre_offset, anchor_x}}.
inline constexpr std::string_view kFramedFaceObject = "framed_face.json";
// person_{i}_crop.jpg: the person box plus this much of its size on every side.
inline constexpr double kCropPadding = 0.2;
// The cut-out region reaches this many face widths to either side of the face's centre.
inline constexpr double kCutoutReachFaces = 3.0;

// person_{i}_crop.jpg
std::string CropObject(int person_index);

// The person box grown by kCropPadding on each side, within the image.
cv::Rect PaddedBox(const cv::Rect& box, cv::Size image);

// What step 3 cuts out: the padded person box, widened to kCutoutReachFaces face widths on
// either side of a face (however the framing shows the person, the region's own sides stay
// outside the frame), extended down to the photo's bottom edge (the body goes on below the
// box). Within the image.
cv::Rect CutoutRect(const media::Person& person, cv::Size image);

// The orientation-corrected original: item.original, or else loaded from the store (and
// kept in the item).
Result<cv::Mat> LoadOriginal(StageContext& ctx, WorkItem& item);

// The detection: item.detection, or else loaded from persons.json (and kept in the item).
Result<media::Detection> LoadDetection(StageContext& ctx, WorkItem& item);

// Sets item.chosen_person from the request (default: the largest, 0). -1 when nobody was
// found. InvalidArgument "person_index_out_of_range" when the request names a person that
// does not exist.
Status ChoosePerson(WorkItem& item);

// The chosen person, or InvalidArgument "no_person_detected".
Result<media::Person> ChosenPerson(StageContext& ctx, WorkItem& item);

}  // namespace vmsg::pipeline
