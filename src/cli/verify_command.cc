// `vmsg verify` (see verify_command.h).
#include "cli/verify_command.h"

#include <filesystem>
#include <iostream>

#include "base/files.h"
#include "base/json.h"
#include "disclosure/c2pa.h"
#include "disclosure/xmp.h"

namespace vmsg {

const char kVerifyHelp[] = R"(Usage: vmsg verify FILE [--json]

Checks the AI-content marks vmsg writes into every video and thumbnail:
  - XMP: the IPTC digital source type (an MP4's 'uuid' box, a JPEG's APP1 segment)
  - C2PA (MP4 only): the manifest's COSE signature, each assertion's hash and the BMFF hash
    that binds it to every byte of the file; the actions (c2pa.created, c2pa.placed) and the
    photo ingredient it names. A self-signed certificate is reported as untrusted: the
    checks prove the file is unchanged since it was signed, not who signed it.
Exit status: 0 the marks are there and hold, 1 missing or broken (the message says which),
2 bad usage.
)";

namespace {

Json VerificationJson(const disclosure::Verification& v) {
  return {{"manifest", v.manifest_label},
          {"claim_generator", v.claim_generator},
          {"actions", v.actions},
          {"digital_source_type", v.digital_source_type},
          {"ingredient", v.ingredient_title},
          {"signer", v.signer_subject},
          {"self_signed", v.self_signed_chain},
          {"trusted", v.trusted},
          {"checks", v.checks}};
}

}  // namespace

int RunVerifyCommand(std::vector<std::string> args) {
  std::string path;
  bool json = false;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else if (path.empty() && !a.starts_with("-")) {
      path = a;
    } else {
      std::cerr << "vmsg verify: unexpected argument '" << a << "' (see vmsg verify --help)\n";
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "vmsg verify: name a file (see vmsg verify --help)\n";
    return 2;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    std::cerr << "vmsg verify: " << path << " is not a file\n";
    return 2;
  }
  Result<std::string> read = ReadFileToString(path);
  if (!read.ok()) {
    std::cerr << "vmsg verify: " << read.status().message() << "\n";
    return 2;
  }
  const std::string& bytes = *read;
  const bool jpeg = bytes.size() >= 3 && bytes.compare(0, 3, "\xff\xd8\xff") == 0;

  Json report = {{"file", path}};
  bool ok = true;
  Result<std::string> xmp =
      jpeg ? disclosure::ReadXmpFromJpeg(bytes) : disclosure::ReadXmpFromMp4(bytes);
  Result<std::string> source = xmp.ok() ? disclosure::DigitalSourceTypeOf(*xmp) : xmp.status();
  if (source.ok()) {
    report["xmp"] = {{"digital_source_type", *source}};
  } else {
    report["xmp"] = {{"error", source.status().message()}, {"code", source.status().reason()}};
    ok = false;
  }
  if (!jpeg) {
    Result<disclosure::Verification> c2pa = disclosure::VerifyMp4(bytes);
    if (c2pa.ok()) {
      report["c2pa"] = VerificationJson(*c2pa);
    } else {
      report["c2pa"] = {{"error", c2pa.status().message()}, {"code", c2pa.status().reason()}};
      ok = false;
    }
  }
  report["valid"] = ok;
  if (json) {
    std::cout << report.dump(2) << "\n";
    return ok ? 0 : 1;
  }
  const Json& x = report["xmp"];
  std::cout << "xmp   "
            << (x.contains("error") ? "FAIL  " + x["error"].get<std::string>()
                                    : "ok    " + x["digital_source_type"].get<std::string>())
            << "\n";
  if (report.contains("c2pa")) {
    const Json& c = report["c2pa"];
    if (c.contains("error")) {
      std::cout << "c2pa  FAIL  " << c["error"].get<std::string>() << " ("
                << c["code"].get<std::string>() << ")\n";
    } else {
      std::cout << "c2pa  ok    " << c["manifest"].get<std::string>() << ", signed by "
                << c["signer"].get<std::string>()
                << (c["trusted"].get<bool>() ? "" : " (untrusted: no trust list consulted)")
                << "\n      actions " << c["actions"].dump() << ", ingredient "
                << c["ingredient"].get<std::string>() << "\n";
    }
  }
  return ok ? 0 : 1;
}

}  // namespace vmsg
