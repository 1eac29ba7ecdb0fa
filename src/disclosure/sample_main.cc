// disclosure_sample OUT_DIR: writes OUT_DIR/signed.mp4, a sample video with the disclosure
// XMP and a C2PA manifest, for an independent reader to check (tests/disclosure).
#include <fstream>
#include <iostream>

#include "disclosure/sample_mp4.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: disclosure_sample OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto signed_mp4 = vmsg::disclosure::testing::SignedSample(dir);
  if (!signed_mp4.ok()) {
    std::cerr << "disclosure_sample: " << signed_mp4.status() << "\n";
    return 1;
  }
  std::ofstream(dir / "signed.mp4", std::ios::binary) << *signed_mp4;
  std::cout << (dir / "signed.mp4").string() << "\n";
  return 0;
}
