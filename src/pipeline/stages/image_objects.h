// What the image stages (steps 1-4) share: the object names they read and write, and how a
// stage that was skipped on resume gets back the images and detection the next one needs.
#pragma once

#include <opencv2/core.hpp>

#include "base/result.h"
#include "pipeline/stage.h"

namespace vmsg::pipeline {

// person_{i}_crop.jpg: the person box plus this much of its size on every side.
inline constexpr double kCropPadding = 0.2;
// The cut-out region reaches this many face widths to either side of the face's centre.
inline constexpr double kCutoutReachFaces = 3.0;

// The person box grown by kCropPadding on each side, within the image.
cv::Rect PaddedBox(const cv::Rect& box, cv::Size image);

// What step 3 cuts out: the padded person box, widened to kCutoutReachFaces face widths on
// either side of a face (however the framing shows the person, the region's own sides stay
// outside the frame), extended down to the photo's bottom edge (the body goes on below the
// box). Within the image.
cv::Rect CutoutRect(const image::Person& person, cv::Size image);

// The orientation-corrected original: item.original, or else loaded from the store (and
// kept in the item).
Result<cv::Mat> LoadOriginal(StageContext& ctx, WorkItem& item);

// The detection: item.detection, or else loaded from persons.json (and kept in the item).
Result<image::Detection> LoadDetection(StageContext& ctx, WorkItem& item);

// Sets item.chosen_person from the request (default: the largest, 0). -1 when nobody was
// found. InvalidArgument "person_index_out_of_range" when the request names a person that
// does not exist.
Status ChoosePerson(WorkItem& item);

// The chosen person, or InvalidArgument "no_person_detected".
Result<image::Person> ChosenPerson(StageContext& ctx, WorkItem& item);

}  // namespace vmsg::pipeline
