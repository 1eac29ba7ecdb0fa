// See image_decoders.h. libjpeg reports errors by longjmp: everything that lives across
// the setjmp is in one heap object reached through a pointer that never changes, so no
// C++ object of this frame is modified between setjmp and a longjmp back to it.
#include "image/image_decoders.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <memory>
#include <string>

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>
#ifndef JCS_EXTENSIONS
#error "libjpeg-turbo is needed (JCS_EXT_BGR)"
#endif

#include "image/image_io.h"

namespace vmsg::image {
namespace {

Status Corrupt(std::string message) {
  return Status::InvalidArgument(std::move(message), std::string(kImageCorrupt));
}

struct JpegJob {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr errors{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  std::string failure;  // set before the longjmp
  bool data_ended = false;
  cv::Mat image;
  std::unique_ptr<unsigned char[]> cmyk_row;
};

JpegJob& JobOf(j_common_ptr common) { return *static_cast<JpegJob*>(common->client_data); }

[[noreturn]] void OnJpegError(j_common_ptr common) {
  char text[JMSG_LENGTH_MAX];
  (*common->err->format_message)(common, text);
  JobOf(common).failure = text;
  std::longjmp(JobOf(common).jump, 1);
}

// Warnings (level -1) and trace messages (0 and up): never printed; the two that mean the
// data stopped before the image did are remembered.
void OnJpegMessage(j_common_ptr common, int level) {
  if (level >= 0) return;
  const int code = common->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) JobOf(common).data_ended = true;
  ++common->err->num_warnings;
}

// Called before each scan's data is read (and periodically within).
void CountScans(j_common_ptr common) {
  auto* cinfo = reinterpret_cast<j_decompress_ptr>(common);
  if (cinfo->input_scan_number > kMaxJpegScans) {
    JobOf(common).failure =
        "the JPEG has more than " + std::to_string(kMaxJpegScans) + " scans (a scan bomb?)";
    std::longjmp(JobOf(common).jump, 1);
  }
}

// Adobe writes CMYK JPEGs inverted: each channel is 255 for none of the ink.
void CmykRowToBgr(const unsigned char* cmyk, unsigned char* bgr, int width) {
  for (int x = 0; x < width; ++x, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    bgr[0] = static_cast<unsigned char>(cmyk[2] * k / 255);
    bgr[1] = static_cast<unsigned char>(cmyk[1] * k / 255);
    bgr[2] = static_cast<unsigned char>(cmyk[0] * k / 255);
  }
}

// Runs libjpeg on `job`; returns false after a longjmp (job.failure says why).
bool RunJpeg(JpegJob* job, std::string_view bytes, int reduction) {
  jpeg_decompress_struct* cinfo = &job->cinfo;
  cinfo->err = jpeg_std_error(&job->errors);
  job->errors.error_exit = OnJpegError;
  job->errors.emit_message = OnJpegMessage;
  cinfo->client_data = job;  // kept by jpeg_create_decompress
  if (setjmp(job->jump) != 0) return false;
  jpeg_create_decompress(cinfo);
  job->progress.progress_monitor = CountScans;
  cinfo->progress = &job->progress;
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
  cinfo->scale_num = 1;
  cinfo->scale_denom = static_cast<unsigned int>(reduction);
  jpeg_start_decompress(cinfo);
  job->image.create(static_cast<int>(cinfo->output_height), static_cast<int>(cinfo->output_width),
                    CV_8UC3);
  if (cmyk) job->cmyk_row.reset(new unsigned char[size_t(cinfo->output_width) * 4]);
  while (cinfo->output_scanline < cinfo->output_height) {
    const int y = static_cast<int>(cinfo->output_scanline);
    unsigned char* row = job->cmyk_row ? job->cmyk_row.get() : job->image.ptr<unsigned char>(y);
    jpeg_read_scanlines(cinfo, &row, 1);
    if (job->cmyk_row) CmykRowToBgr(row, job->image.ptr<unsigned char>(y), job->image.cols);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

}  // namespace

Result<cv::Mat> DecodeJpeg(std::string_view bytes, int reduction) {
  auto job = std::make_unique<JpegJob>();
  const bool finished = RunJpeg(job.get(), bytes, reduction);
  jpeg_destroy_decompress(&job->cinfo);
  if (!finished) return Corrupt("the JPEG cannot be decoded: " + job->failure);
  if (job->data_ended) return Corrupt("the JPEG is cut short");
  return std::move(job->image);
}

Result<cv::Mat> DecodePng(std::string_view bytes) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()) == 0) {
    return Corrupt(std::string("the PNG cannot be decoded: ") + png.message);
  }
  png.format = PNG_FORMAT_BGR;
  // A 16-bit file that names no gamma is sRGB-encoded like an 8-bit one (libpng would
  // otherwise take it for linear light and brighten it).
  png.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  // Transparent pixels are composited onto what the buffer holds: white.
  cv::Mat image(static_cast<int>(png.height), static_cast<int>(png.width), CV_8UC3,
                cv::Scalar::all(255));
  if (png_image_finish_read(&png, nullptr, image.data, static_cast<png_int_32>(image.step),
                            nullptr) == 0) {
    const std::string why = png.message;
    png_image_free(&png);
    return Corrupt("the PNG cannot be decoded: " + why);
  }
  return image;
}

}  // namespace vmsg::image
