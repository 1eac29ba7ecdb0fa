// The framing engine's rules on numbers: faces and mattes with known geometry, and where the
// chosen composition puts them.
#include "image/composition.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

namespace vmsg::image {
namespace {

const cv::Size kFrame(512, 910);

// A face of height `h` (brows to chin) centred at x, its eyes `eye` below the photo's top.
FaceGeometry Face(double x, double eye, double h) {
  return {.centre_x = x,
          .width = 0.8 * h,
          .eye_line = eye,
          .top = eye - 0.25 * h,
          .chin = eye + 0.75 * h};
}

// A person whose torso the photo's bottom edge cuts.
PersonShape CutAtBottom(const FaceGeometry& face, cv::Size photo) {
  PersonShape shape;
  const double h = face.height();
  shape.box = cv::Rect2d(face.centre_x - 1.5 * h, face.top - 0.6 * h, 3 * h,
                         photo.height - (face.top - 0.6 * h));
  shape.torso_end = photo.height;
  return shape;
}

// Where the frame shows a photo row, and the frame's figures for the face.
double FrameY(const Composition& c, double photo_y) { return photo_y * c.scale + c.ty; }

// The rules for a half-length photo cut at the bottom: the face's share, the eye line, the
// face on its line, and the torso's cut on or below the frame's bottom edge.
void ExpectTheRules(const Composition& c, const FaceGeometry& face, cv::Size photo,
                    cv::Size frame) {
  const CompositionFigures f = Figures(c, face, frame);
  EXPECT_GE(f.face_share, kMinFaceShare);
  EXPECT_LE(f.face_share, kMaxFaceShare);
  EXPECT_GE(f.eye_line, kMinEyeLine);
  EXPECT_LE(f.eye_line, kMaxEyeLine);
  EXPECT_LE(std::abs(f.centre_offset), kCentreTolerance);
  EXPECT_GE(FrameY(c, photo.height), frame.height);  // the cut on or below the bottom edge
}

Composition ComposeOk(const CompositionRequest& r) {
  auto c = Compose(r);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Composition{};
}

TEST(CompositionTest, FramingNamesParseBackAndOthersAreRefusedWithTheList) {
  for (std::string_view name : kFramingNames) {
    auto framing = ParseFraming(name);
    ASSERT_TRUE(framing.ok()) << name;
    EXPECT_EQ(FramingName(*framing), name);
  }
  for (std::string_view bad : {"", "AUTO", "portrait", "full "}) {
    auto framing = ParseFraming(bad);
    ASSERT_FALSE(framing.ok()) << bad;
    EXPECT_EQ(framing.status().reason(), "invalid_framing");
    EXPECT_NE(framing.status().message().find("auto, bust, half, full"), std::string::npos);
  }
}

TEST(CompositionTest, AHalfLengthPhotoGetsTheFaceCentredOnTheUpperThirdAndTheTorsoToTheBottom) {
  // A 1200x1800 photo, a 200-pixel face, the body running on to the bottom edge.
  const cv::Size photo(1200, 1800);
  const FaceGeometry face = Face(640, 500, 200);
  const Composition c = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = CutAtBottom(face, photo)});
  ExpectTheRules(c, face, photo, kFrame);
  EXPECT_FALSE(c.upscale_capped);
}

TEST(CompositionTest, BustIsCloserThanAutoAndHalfIsWider) {
  const cv::Size photo(2000, 3000);
  const FaceGeometry face = Face(1000, 800, 250);
  const PersonShape person = CutAtBottom(face, photo);
  double shares[3];
  const Framing framings[3] = {Framing::kBust, Framing::kAuto, Framing::kHalf};
  for (int i = 0; i < 3; ++i) {
    const Composition c = ComposeOk(
        {.photo = photo, .frame = kFrame, .face = face, .person = person, .framing = framings[i]});
    const CompositionFigures f = Figures(c, face, kFrame);
    shares[i] = f.face_share;
    EXPECT_GE(f.face_share, kMinFaceShare) << i;
    EXPECT_LE(f.face_share, kMaxFaceShare) << i;
    EXPECT_GE(f.eye_line, kMinEyeLine) << i;
    EXPECT_LE(f.eye_line, kMaxEyeLine) << i;
  }
  EXPECT_GT(shares[0], shares[1]);
  EXPECT_GT(shares[1], shares[2]);
}

TEST(CompositionTest, ATightHeadshotBecomesACloseUpRatherThanAFloatingHead) {
  // The photo's bottom edge cuts the neck just below the chin.
  const cv::Size photo(600, 800);
  const FaceGeometry face = Face(300, 380, 400);
  const Composition c = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = CutAtBottom(face, photo)});
  const CompositionFigures f = Figures(c, face, kFrame);
  EXPECT_GE(FrameY(c, photo.height), kFrame.height - 0.5);
  EXPECT_GT(f.face_share, kMaxFaceShare);
  EXPECT_LE(f.face_share, kMaxCloseUpShare + 1e-9);
  EXPECT_GE(f.eye_line, kMinEyeLine);
  EXPECT_LE(f.eye_line, kMaxEyeLine + 1e-9);
}

TEST(CompositionTest, ACloseUpKeepsTheWholeFaceInThePicture) {
  // A wide face, the photo cut just below the chin: the face may grow only until it is 90 %
  // of the frame's width; the eye line gives way so that the cut comes as low as it can, but
  // the eyes stay in the upper half.
  const cv::Size photo(600, 700);
  FaceGeometry face = Face(300, 380, 400);
  face.width = 440;
  const Composition c = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = CutAtBottom(face, photo)});
  EXPECT_LE(face.width * c.scale, kMaxCloseUpWidth * kFrame.width + 1e-6);
  const double eye_line = Figures(c, face, kFrame).eye_line;
  EXPECT_GT(eye_line, kMaxEyeLine);
  EXPECT_NEAR(eye_line, kLowestEyeLineForCuts, 1e-9);
  // With a little more of the neck in the photo, a narrower face reaches the bottom with the
  // eyes in their range.
  face.width = 320;
  const cv::Size taller(600, 800);
  const Composition narrow = ComposeOk(
      {.photo = taller, .frame = kFrame, .face = face, .person = CutAtBottom(face, taller)});
  EXPECT_GE(FrameY(narrow, taller.height), kFrame.height - 0.5);
  EXPECT_LE(Figures(narrow, face, kFrame).eye_line, kMaxEyeLine + 1e-9);
}

TEST(CompositionTest, ASmallFaceWhoseBodyIsHiddenKeepsItsEyesInTheUpperHalf) {
  // Someone behind another person's head: their torso hidden just below the chin, the face
  // too small to enlarge enough. The cut may pull the eyes down, but not below half way.
  const cv::Size photo(500, 400);
  const FaceGeometry face = Face(250, 100, 60);
  PersonShape person = CutAtBottom(face, photo);
  person.torso_end = face.chin + 0.3 * face.height();
  const Composition c =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  EXPECT_TRUE(c.upscale_capped || c.scale == kMaxUpscale);
  const CompositionFigures f = Figures(c, face, kFrame);
  EXPECT_GT(f.eye_line, kMaxEyeLine);
  EXPECT_LE(f.eye_line, kLowestEyeLineForCuts + 1e-9);
}

TEST(CompositionTest, ATinyFaceIsEnlargedAtMostThreeTimesAndSaysSo) {
  const cv::Size photo(500, 375);
  const FaceGeometry face = Face(250, 100, 24);
  const Composition c = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = CutAtBottom(face, photo)});
  EXPECT_DOUBLE_EQ(c.scale, kMaxUpscale);
  EXPECT_TRUE(c.upscale_capped);
  EXPECT_LT(Figures(c, face, kFrame).face_share, kMinFaceShare);
  EXPECT_GE(FrameY(c, photo.height), kFrame.height);
}

TEST(CompositionTest, ATorsoHiddenBelowATableEndsOnTheFramesBottomEdge) {
  const cv::Size photo(1600, 1200);
  const FaceGeometry face = Face(800, 300, 120);
  PersonShape person = CutAtBottom(face, photo);
  person.torso_end = face.chin + 1.5 * face.height();  // the table's edge
  person.box.height = *person.torso_end - person.box.y;
  const Composition c =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  EXPECT_GE(FrameY(c, *person.torso_end), kFrame.height - 0.5);
}

TEST(CompositionTest, APersonCutByThePhotosSideKeepsTheCutOnTheFramesEdge) {
  // The face 80 pixels from the photo's left edge, the shoulder cut by it.
  const cv::Size photo(1000, 1000);
  const FaceGeometry face = Face(80, 300, 100);
  PersonShape person = CutAtBottom(face, photo);
  person.cut_left = cv::Range(380, 1000);
  const Composition c =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  EXPECT_LE(c.tx, 1e-9);  // the photo's left edge on or beyond the frame's
  // So the face cannot be centred: it is as near the centre as the cut allows.
  EXPECT_LT(Figures(c, face, kFrame).centre_offset, -kCentreTolerance);
  EXPECT_NEAR(c.tx, 0, 1e-9);
  // Without the cut, the same face is centred.
  person.cut_left.reset();
  const Composition free =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  EXPECT_LE(std::abs(Figures(free, face, kFrame).centre_offset), kCentreTolerance);
}

TEST(CompositionTest, AHeadCutByThePhotosTopKeepsTheCutOnTheFramesTop) {
  const cv::Size photo(1000, 1400);
  const FaceGeometry face = Face(500, 120, 200);  // the hair runs out of the photo's top
  PersonShape person = CutAtBottom(face, photo);
  person.cut_top = cv::Range(380, 620);
  const Composition c =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  EXPECT_LE(c.ty, 1e-9);
  const CompositionFigures f = Figures(c, face, kFrame);
  EXPECT_GE(f.eye_line, kMinEyeLine);
  EXPECT_LE(f.eye_line, kMaxEyeLine);
}

TEST(CompositionTest, FullShowsTheWholePersonInsideTheFrame) {
  const cv::Size photo(548, 342);
  const FaceGeometry face = Face(250, 80, 20);
  PersonShape person;
  person.box = cv::Rect2d(170, 50, 160, 260);
  person.whole = true;
  const Composition c = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = person, .framing = Framing::kFull});
  const cv::Rect2d framed = c.ToFrame(person.box);
  EXPECT_GE(framed.x, 0);
  EXPECT_GE(framed.y, 0);
  EXPECT_LE(framed.x + framed.width, kFrame.width);
  EXPECT_LE(framed.y + framed.height, kFrame.height);
  EXPECT_GT(framed.height, 0.8 * kFrame.height);  // and fills it
}

TEST(CompositionTest, WithThePhotoAsBackgroundTheFrameStaysInsideThePhotoWhereTheRulesAllow) {
  // The face high in a wide photo: centred with the eyes at 0.35, the frame's top would show
  // above the photo's; the eye line may move up within its range to avoid a fill.
  const cv::Size photo(3000, 2000);
  const FaceGeometry face = Face(1500, 450, 300);
  const PersonShape person = CutAtBottom(face, photo);
  const Composition preset =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  const Composition own = ComposeOk(
      {.photo = photo, .frame = kFrame, .face = face, .person = person, .photo_background = true});
  EXPECT_GT(preset.ty, 0);  // a preset does not mind
  EXPECT_LE(own.ty, 1e-9);
  EXPECT_GE(Figures(own, face, kFrame).eye_line, kMinEyeLine - 1e-9);
}

// The same half-length photo in every format: the rules hold in each shape, measured against
// that frame; a landscape's face sits on a third line, the other formats' on the centre.
TEST(CompositionTest, EveryFormatFollowsTheRulesAndALandscapePutsTheFaceOnAThird) {
  const cv::Size photo(3000, 2400);
  const FaceGeometry face = Face(1400, 700, 300);
  for (const FormatSpec& format : kOutputFormats) {
    SCOPED_TRACE(std::string(format.name));
    const cv::Size frame(format.width, format.height);
    const Composition c = ComposeOk(
        {.photo = photo, .frame = frame, .face = face, .person = CutAtBottom(face, photo)});
    ExpectTheRules(c, face, photo, frame);
    // The face's centre on its line: a third of the width in landscape (this person stands
    // left of the photo's middle, facing the camera), the middle otherwise.
    const double x = (face.centre_x * c.scale + c.tx) / frame.width;
    EXPECT_NEAR(x, format.width > format.height ? 1.0 / 3 : 0.5, kCentreTolerance);
    EXPECT_DOUBLE_EQ(c.anchor_x, format.width > format.height ? 1.0 / 3 : 0.5);
  }
}

TEST(CompositionTest, ALandscapeLeavesRoomWhereTheFaceTurnsElseOnThePersonsSide) {
  const cv::Size photo(3000, 2400), frame(1920, 1080);
  FaceGeometry face = Face(1400, 700, 300);  // left of the photo's middle
  const PersonShape person = CutAtBottom(face, photo);
  auto anchor = [&](const FaceGeometry& f, const PersonShape& p) {
    return ComposeOk({.photo = photo, .frame = frame, .face = f, .person = p}).anchor_x;
  };
  EXPECT_DOUBLE_EQ(anchor(face, person), 1.0 / 3);
  face.turn = -0.15;  // looking towards the left: the room goes on the left
  EXPECT_DOUBLE_EQ(anchor(face, person), 2.0 / 3);
  face.turn = 0.15;
  EXPECT_DOUBLE_EQ(anchor(face, person), 1.0 / 3);
  face.turn = 0.03;  // a glance is not a turn: the photo's side decides
  FaceGeometry right = Face(1700, 700, 300);
  right.turn = 0.03;
  EXPECT_DOUBLE_EQ(anchor(right, CutAtBottom(right, photo)), 2.0 / 3);
  // A cut still wins over the line: a shoulder cut by the photo's left edge stays on the
  // frame's edge.
  FaceGeometry near_edge = Face(120, 700, 300);
  PersonShape cut = CutAtBottom(near_edge, photo);
  cut.cut_left = cv::Range(900, 2400);
  near_edge.turn = -0.2;  // would want the right third
  const Composition c =
      ComposeOk({.photo = photo, .frame = frame, .face = near_edge, .person = cut});
  EXPECT_NEAR(c.tx, 0, 1e-9);
}

TEST(CompositionTest, AnHdFrameEnlargesASmallPhotoAsItsPortraitDoes) {
  // A small photo whose face needs more than 3x in the 512x910 frame: at 1080x1920 the
  // limit is 3x per portrait pixel, so the composition is the portrait's, scaled.
  const cv::Size photo(500, 375);
  const FaceGeometry face = Face(250, 100, 40);
  const PersonShape person = CutAtBottom(face, photo);
  const Composition small =
      ComposeOk({.photo = photo, .frame = kFrame, .face = face, .person = person});
  const cv::Size hd(1080, 1920);
  const Composition large =
      ComposeOk({.photo = photo, .frame = hd, .face = face, .person = person});
  EXPECT_DOUBLE_EQ(MaxUpscale(hd), kMaxUpscale * 1920 / 910);
  EXPECT_EQ(small.upscale_capped, large.upscale_capped);
  const CompositionFigures a = Figures(small, face, kFrame), b = Figures(large, face, hd);
  EXPECT_NEAR(a.face_share, b.face_share, 0.005);
  EXPECT_NEAR(a.eye_line, b.eye_line, 0.005);
  EXPECT_GE(FrameY(large, photo.height), hd.height);  // no torso floating above the bottom
}

TEST(CompositionTest, RefusesWhatCannotBeComposed) {
  const FaceGeometry face = Face(100, 100, 50);
  PersonShape person;
  person.box = cv::Rect2d(0, 0, 100, 100);
  EXPECT_TRUE(Compose({.photo = {}, .frame = kFrame, .face = face, .person = person})
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(
      Compose({.photo = {200, 200}, .frame = kFrame, .face = Face(100, 100, 0), .person = person})
          .status()
          .IsInvalidArgument());
}

// --- measuring the matte ---------------------------------------------------------------------

TEST(MeasurePersonTest, FindsTheCutsAndWhereTheTorsoEnds) {
  const cv::Size photo(800, 1000);
  const FaceGeometry face = Face(400, 300, 120);
  cv::Mat alpha(photo, CV_8UC1, cv::Scalar(0));
  cv::ellipse(alpha, {400, 300}, {70, 110}, 0, 0, 360, cv::Scalar(255), cv::FILLED);
  // Shoulders from below the chin down to the bottom edge.
  cv::rectangle(alpha, cv::Rect(220, 400, 360, 600), cv::Scalar(255), cv::FILLED);
  auto shape = MeasurePerson(alpha, cv::Rect(0, 0, 800, 1000), photo, face);
  ASSERT_TRUE(shape.ok()) << shape.status();
  ASSERT_TRUE(shape->torso_end.has_value());
  EXPECT_DOUBLE_EQ(*shape->torso_end, photo.height);
  EXPECT_FALSE(shape->cut_left || shape->cut_right || shape->cut_top);
  EXPECT_FALSE(shape->whole);
  EXPECT_NEAR(shape->box.x, 220, 1);
  EXPECT_NEAR(shape->box.y, 190, 1);

  // The torso ends at a table 300 pixels down, the arm runs out of the left edge.
  alpha.rowRange(700, 1000).setTo(0);
  cv::rectangle(alpha, cv::Rect(0, 500, 220, 60), cv::Scalar(255), cv::FILLED);
  shape = MeasurePerson(alpha, cv::Rect(0, 0, 800, 1000), photo, face);
  ASSERT_TRUE(shape.ok());
  ASSERT_TRUE(shape->torso_end.has_value());
  EXPECT_NEAR(*shape->torso_end, 700, 1);
  ASSERT_TRUE(shape->cut_left.has_value());
  EXPECT_NEAR(shape->cut_left->start, 500, 1);
  EXPECT_NEAR(shape->cut_left->end, 560, 1);
}

TEST(MeasurePersonTest, AScaledMatteOfARegionMapsBackToThePhoto) {
  // The matte covers the region (100, 0, 400, 600) at half size; the person's top row touches
  // the photo's top edge.
  const cv::Size photo(1000, 600);
  cv::Mat alpha(300, 200, CV_8UC1, cv::Scalar(0));
  cv::rectangle(alpha, cv::Rect(50, 0, 100, 300), cv::Scalar(255), cv::FILLED);
  auto shape = MeasurePerson(alpha, cv::Rect(100, 0, 400, 600), photo, Face(300, 100, 80));
  ASSERT_TRUE(shape.ok());
  EXPECT_NEAR(shape->box.x, 200, 1);
  EXPECT_NEAR(shape->box.width, 200, 1);
  ASSERT_TRUE(shape->cut_top.has_value());
  EXPECT_NEAR(shape->cut_top->start, 200, 1);
  EXPECT_NEAR(shape->cut_top->end, 400, 2);
  EXPECT_FALSE(shape->cut_left.has_value());  // the region's left side is not the photo's
  EXPECT_DOUBLE_EQ(*shape->torso_end, 600);
}

TEST(MeasurePersonTest, AStandingPersonSeenWholeHasNoTorsoCut) {
  const cv::Size photo(600, 900);
  const FaceGeometry face = Face(300, 120, 60);
  cv::Mat alpha(photo, CV_8UC1, cv::Scalar(0));
  cv::rectangle(alpha, cv::Rect(240, 80, 120, 700), cv::Scalar(255), cv::FILLED);  // to the feet
  auto shape = MeasurePerson(alpha, cv::Rect(0, 0, 600, 900), photo, face);
  ASSERT_TRUE(shape.ok());
  EXPECT_TRUE(shape->whole);
  EXPECT_FALSE(shape->torso_end.has_value());
}

TEST(MeasurePersonTest, RefusesBadInput) {
  const FaceGeometry face = Face(10, 10, 5);
  EXPECT_TRUE(
      MeasurePerson(cv::Mat(), {0, 0, 10, 10}, {10, 10}, face).status().IsInvalidArgument());
  EXPECT_TRUE(MeasurePerson(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0)), {5, 5, 10, 10}, {10, 10}, face)
                  .status()
                  .IsInvalidArgument());
}

TEST(FaceGeometryTest, LandmarksGiveTheBrowsEyesAndChin) {
  std::vector<cv::Point2f> points(68, cv::Point2f(100, 150));
  for (int i = 0; i <= 16; ++i) points[i] = {60.0f + 5 * i, 150.0f + (i == 8 ? 50.0f : 0.0f)};
  for (int i = 17; i <= 26; ++i) points[i] = {70.0f + 6 * (i - 17), 100};
  for (int i = 36; i <= 47; ++i) points[i] = {80.0f + 4 * (i - 36), 120};
  auto face = FaceFromLandmarks(points);
  ASSERT_TRUE(face.ok()) << face.status();
  EXPECT_FLOAT_EQ(face->top, 100);
  EXPECT_FLOAT_EQ(face->eye_line, 120);
  EXPECT_FLOAT_EQ(face->chin, 200);
  EXPECT_FLOAT_EQ(face->centre_x, 100);
  EXPECT_FLOAT_EQ(face->turn, 0);  // the nose tip (30) over the jaw's middle
  points[30].x = 116;              // turned towards larger x by a fifth of the 80-pixel width
  EXPECT_FLOAT_EQ(FaceFromLandmarks(points)->turn, 0.2f);
  // Not a face's layout, or not 68 points.
  std::vector<cv::Point2f> flat(68, cv::Point2f(5, 5));
  EXPECT_FALSE(FaceFromLandmarks(flat).ok());
  EXPECT_FALSE(FaceFromLandmarks({}).ok());
}

}  // namespace
}  // namespace vmsg::image
