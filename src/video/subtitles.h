// Karaoke subtitles: the message as written, laid out in a band near the bottom of the frame
// (moved clear of the face's eyes and mouth) and highlighted unit by unit (moras for
// Japanese, words for English) as it is spoken. The layout is done here with the font's own
// advances: pages of at most two balanced lines, cut where the language allows (kinsoku
// rules) and preferably where it pauses (sentence and clause ends, accent phrases, words,
// never inside a bunsetsu unless nothing else fits), no page of fewer than four characters
// or of a single English word. libass renders an ASS script built in memory, and its images
// are blended onto the BGR frames.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "speech/speech.h"

namespace vmsg::video {

inline constexpr std::string_view kDefaultSubtitleFont =
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
// The family (face) of the collection the subtitles use.
inline constexpr std::string_view kSubtitleFamily = "Noto Sans CJK JP";

// The part of a frame of `size` every subtitle pixel stays in (the outline included): 5 % of
// the width in from either side and 3 % of the height up from the bottom, clear of a phone
// player's rounded corners and controls.
cv::Rect SubtitleSafeArea(cv::Size size);

// The defaults are the 512x910 portrait's; ForFrame scales them to another frame.
struct SubtitleOptions {
  std::string font_path{kDefaultSubtitleFont};
  int frame_width = 512;
  int frame_height = 910;
  // The band the text stays in: the block of lines is centred in it.
  int band_top = 700;
  int band_bottom = 880;
  // Left and right margin: no line is wider than frame_width - 2 * margin_x.
  int margin_x = 28;
  int font_size = 40;  // pixels (libass's \fs at a 1:1 script resolution)
  int outline = 3;     // black outline, pixels
  int max_lines = 2;   // per page: 1 or 2
  // A region of the frame the text must stay clear of (the eyes and mouth); empty: none.
  // When the band would cover it, the band moves below it, or above it when there is no room
  // below.
  cv::Rect avoid;
  // Colours as BGR.
  cv::Scalar text_colour{255, 255, 255};
  cv::Scalar highlight_colour{0, 215, 255};  // amber: spoken already
  cv::Scalar outline_colour{0, 0, 0};

  Status Validate() const;  // InvalidArgument "invalid_subtitle_options"

  // The portrait's layout for a frame of `size`: the font, outline and band in proportion to
  // the height (the face's size follows the height in every format), the margins in
  // proportion to the width, and in a wide frame lines no wider than the frame is high (a
  // line across a landscape frame would be too long to read at a glance).
  static SubtitleOptions ForFrame(cv::Size size);
};

// One laid-out page: its lines as displayed and when it is on screen (seconds of the video).
struct SubtitlePage {
  std::vector<std::string> lines;
  double start = 0;
  double end = 0;
};

class Subtitles {
 public:
  // Lays out `text` (the message as the user wrote it) over `speech`'s timings, shifted by
  // `offset_seconds` (where the speech starts in the video). The written text is mapped onto
  // speech.words (morphemes or words with times); when `text` is empty the words' own
  // spelling is shown, and when words is empty the units' (katakana moras, English words).
  // Characters the font lacks (emoji) are left out. Errors: InvalidArgument
  // "invalid_subtitle_options", NotFound when the font file is missing, Internal when libass or
  // FreeType fail. A speech without units gives no pages.
  static Result<std::unique_ptr<Subtitles>> Make(const speech::Speech& speech,
                                                 std::string_view text, double offset_seconds,
                                                 const SubtitleOptions& options = {});
  virtual ~Subtitles() = default;

  // The pages in order; they do not overlap in time.
  virtual const std::vector<SubtitlePage>& pages() const = 0;
  // The ASS script given to libass (for inspection and tests).
  virtual const std::string& script() const = 0;
  // Draws the subtitles showing at `seconds` onto `frame` (8-bit BGR of the options' size).
  // Not thread-safe: libass renders one frame at a time.
  virtual Status Draw(double seconds, cv::Mat& frame) = 0;
};

}  // namespace vmsg::video
