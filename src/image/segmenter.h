// Background removal: a Segmenter gives the alpha matte of one person in a photo. The
// classical implementation (the default) runs GrabCut seeded from the person's face and
// torso at a small working resolution, then refines the edge at full resolution with a
// guided filter so that hair and shoulders get soft alpha.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::image {

// Where a person is, in the coordinates of the image being segmented.
struct PersonBoxes {
  std::optional<cv::Rect> face;  // when known
  cv::Rect body;                 // the person's box
};

// The person to cut out, and the others beside them.
struct PersonHint {
  std::optional<cv::Rect> face;  // when known: seeds face and torso
  cv::Rect body;                 // the person's box; empty: the whole image
  // Everyone else the detector found. Whatever lies nearer to one of them than to this
  // person (distances measured from each person's head-and-torso axis, in their own face
  // sizes) is surely background: the cut-out holds one person.
  std::vector<PersonBoxes> others;
  // Sides of the image that are the photo's own edges (the image a crop of it): where the
  // person reaches the border there (a shoulder, an arm leaving the picture), the matte goes
  // on to the edge, so the framing sees the photo's edge cut them (ExtendToOpenEdges). The
  // sides of a crop inside the photo stay background.
  bool open_left = false, open_top = false, open_right = false;
};

// Whose a pixel is, for OtherPeopleMask.
inline constexpr uchar kNobodyElse = 0;
inline constexpr uchar kProbablySomeoneElse = 128;  // the edge of another person's torso
inline constexpr uchar kSurelySomeoneElse = 255;    // another's head, or their torso's middle

// CV_8UC1 of `size`: whether each pixel belongs to one of hint.others rather than to the chosen
// person (the values above). A torso is hidden below the top of a head in front of it (the
// person behind someone's head is not seen through it). The hint's boxes are scaled by `scale`
// into `size`'s coordinates.
cv::Mat OtherPeopleMask(cv::Size size, const PersonHint& hint, double scale);

// Applies the one-person rules to any matte of the hinted person: zero wherever another person
// surely is (OtherPeopleMask), then only the connected region holding the chosen face (or the
// body's centre) is kept, with its soft edge; islands go.
cv::Mat LimitToOnePerson(const cv::Mat& alpha, const PersonHint& hint);

// For each of hint's open sides: where `alpha` (CV_8UC1) is opaque `band` pixels in from that
// edge, the band takes that alpha towards the edge for as long as the picture `bgr` (8-bit,
// the same size) keeps the person's colour there (a segmenter that keeps its border as
// background would otherwise end a limb leaving the photo just short of the photo's edge;
// background between the person and the edge stays out).
void ExtendToOpenEdges(cv::Mat& alpha, const cv::Mat& bgr, const PersonHint& hint, int band);

class Segmenter {
 public:
  virtual ~Segmenter() = default;

  // "grabcut", "isnet": for logs and the benchmark.
  virtual std::string_view Name() const = 0;

  // The alpha of `bgr` (8-bit, 3 channels): CV_8UC1 of the same size, 255 on the hinted
  // person, 0 on the background and on everyone else, soft in between; one connected region.
  // InvalidArgument for an empty or non-BGR image. Thread-safe.
  virtual Result<cv::Mat> Segment(const cv::Mat& bgr, const PersonHint& hint) const = 0;
};

struct GrabCutOptions {
  // GrabCut runs on the image scaled (down or up) so that its longer side is this.
  int working_side = 256;
  int iterations = 3;
  // The GrabCut mask is eroded by this many working pixels before refinement (its outline's
  // mixed pixels otherwise bring the old background along).
  int choke = 0;
  // Guided filter: radius (pixels at the working resolution) and regularisation (for a
  // guide in 0..1); a larger eps smooths more, a smaller one follows image edges closer.
  int guided_radius = 4;
  double guided_eps = 3e-3;
};

std::unique_ptr<Segmenter> NewGrabCutSegmenter(const GrabCutOptions& options = {});

// The optional neural segmenter: ISNet (IMG.LY's "medium" model, AGPL-3.0) run by OpenCV DNN.
// The model is installed only by the opt-in scripts/install-isnet-model.sh; never bundled.
inline constexpr std::string_view kDefaultIsnetModel = "data/models/isnet-medium-fp32.onnx";

// The model's input is fixed at this square size (its graph does not accept others).
inline constexpr int kIsnetInputSide = 1024;

struct IsnetOptions {
  std::filesystem::path model{kDefaultIsnetModel};
};

// FailedPrecondition when the model file is missing or OpenCV cannot load it. ISNet finds the
// salient people by itself; the hint then limits its matte to the chosen one
// (LimitToOnePerson). Calls are serialised (one network).
Result<std::unique_ptr<Segmenter>> NewIsnetSegmenter(const IsnetOptions& options);

// VMSG_SEGMENTER's choice: "grabcut"; "isnet" (FailedPrecondition without the model); "auto"
// (ISNet when its model file exists, else GrabCut). InvalidArgument for anything else.
Result<std::unique_ptr<Segmenter>> NewSegmenter(std::string_view choice,
                                                const IsnetOptions& isnet = {});

}  // namespace vmsg::image
