// vmsg-backgrounds: draws the ten birthday backgrounds into a folder at set-up
// (`vmsg-backgrounds data/backgrounds [--force]`). Independent of the vmsg binary so that
// set-up scripts can run it before anything else exists.
#include <cstring>
#include <iostream>

#include "image/backgrounds.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--force") != 0)) {
    std::cerr << "usage: vmsg-backgrounds DIR [--force]\n";
    return 2;
  }
  const vmsg::Status status = vmsg::image::WriteBackgrounds(argv[1], argc == 3);
  if (!status.ok()) {
    std::cerr << "vmsg-backgrounds: " << status << "\n";
    return 1;
  }
  std::cout << "vmsg-backgrounds: " << vmsg::image::BackgroundPresets().size() << " backgrounds in "
            << argv[1] << "\n";
  return 0;
}
