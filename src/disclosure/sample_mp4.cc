// Sample MP4s and signers for the disclosure tests (see sample_mp4.h).
#include "disclosure/sample_mp4.h"

#include <stdlib.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "disclosure/openssl_util.h"
#include "disclosure/xmp.h"
#include "video/mp4_writer.h"

namespace vmsg::disclosure::testing {
namespace {

constexpr int kWidth = 128;
constexpr int kHeight = 224;
constexpr int kToneRate = 48000;
constexpr double kToneHz = 440.0;

audio::Sound Tone(double seconds) {
  audio::Sound s{kToneRate, 1, {}};
  for (int i = 0; i < static_cast<int>(seconds * kToneRate); ++i) {
    s.samples.push_back(static_cast<float>(0.3 * std::sin(2 * M_PI * kToneHz * i / kToneRate)));
  }
  return s;
}

cv::Mat Picture(int index) {
  cv::Mat m(kHeight, kWidth, CV_8UC3, cv::Scalar(40, 90, 160));
  cv::rectangle(m, cv::Rect(10 + 2 * index, 60, 40, 50), cv::Scalar(230, 230, 230), cv::FILLED);
  return m;
}

}  // namespace

Result<std::string> SampleMp4(double seconds) {
  video::Mp4Options options;
  options.preset = "ultrafast";
  options.width = kWidth;
  options.height = kHeight;
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<video::Mp4Writer> writer,
                        video::Mp4Writer::Open(Tone(seconds), options));
  for (int i = 0; i < writer->frame_count(); ++i) {
    VMSG_RETURN_IF_ERROR(writer->WriteFrame(Picture(i)));
  }
  return writer->Finish();
}

std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vmsg-disclosure-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

Provenance SampleProvenance() {
  Provenance p;
  p.manifest_uuid = "0b9f6d52-3c1e-4a7b-9d2f-8e6a1c4b5d70";
  p.title = "message.mp4";
  p.instance_id = "xmp:iid:6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c";
  p.photo_title = "photo.jpg";
  p.photo_format = "image/jpeg";
  p.photo_sha256 = Sha256Of("the photo's bytes");
  p.software_version = "0.1.0";
  return p;
}

Result<std::string> SignedSample(const std::filesystem::path& dir) {
  VMSG_ASSIGN_OR_RETURN(std::string mp4, SampleMp4());
  XmpFields fields;
  fields.creator_tool = "vmsg 0.1.0";
  fields.create_unix_seconds = 1767225600;  // 2026-01-01
  VMSG_ASSIGN_OR_RETURN(std::string with_xmp, AddXmpToMp4(mp4, XmpPacket(fields)));
  VMSG_ASSIGN_OR_RETURN(Signer signer,
                        Signer::LoadOrCreate(dir / "c2pa-cert.pem", dir / "c2pa-key.pem"));
  return SignMp4(with_xmp, SampleProvenance(), signer);
}

}  // namespace vmsg::disclosure::testing
