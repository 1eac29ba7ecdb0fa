// Box splitting and JUMBF superboxes (ISO/IEC 19566-5 section 6).
#include "disclosure/jumbf.h"

namespace vmsg::disclosure {
namespace {

constexpr size_t kHeaderSize = 8;
constexpr size_t kLargeSizeField = 8;
constexpr size_t kUuidSize = 16;
constexpr uint32_t kSizeIsLarge = 1;
constexpr uint32_t kSizeToEnd = 0;

Status JumbfInvalid(std::string_view what) {
  return Status::InvalidArgument("JUMBF: " + std::string(what), "jumbf_invalid");
}

// The total size and header size of the box at `at`, or an error.
Result<std::pair<uint64_t, size_t>> BoxExtent(std::string_view data, size_t at,
                                              std::string_view reason) {
  const size_t left = data.size() - at;
  if (left < kHeaderSize)
    return Status::InvalidArgument("box header truncated", std::string(reason));
  uint64_t size = GetU32(data, at);
  size_t header = kHeaderSize;
  if (size == kSizeIsLarge) {
    if (left < kHeaderSize + kLargeSizeField) {
      return Status::InvalidArgument("box header truncated", std::string(reason));
    }
    size = GetU64(data, at + kHeaderSize);
    header += kLargeSizeField;
  } else if (size == kSizeToEnd) {
    size = left;
  }
  if (size < header || size > left) {
    return Status::InvalidArgument("box size out of range at " + std::to_string(at),
                                   std::string(reason));
  }
  return std::pair<uint64_t, size_t>{size, header};
}

}  // namespace

std::string UuidBytes(std::string_view canonical) {
  std::string out;
  int nibble = -1;
  for (char c : canonical) {
    if (c == '-') continue;
    const int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return out;
}

void PutU32(uint32_t n, std::string& out) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

void PutU64(uint64_t n, std::string& out) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

uint32_t GetU32(std::string_view bytes, size_t at) {
  uint32_t n = 0;
  for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(bytes[at + i]);
  return n;
}

uint64_t GetU64(std::string_view bytes, size_t at) {
  uint64_t n = 0;
  for (size_t i = 0; i < 8; ++i) n = (n << 8) | static_cast<uint8_t>(bytes[at + i]);
  return n;
}

Result<std::vector<BoxView>> SplitBoxes(std::string_view data, std::string_view reason) {
  std::vector<BoxView> boxes;
  size_t at = 0;
  while (at < data.size()) {
    VMSG_ASSIGN_OR_RETURN(auto extent, BoxExtent(data, at, reason));
    auto [size, header] = extent;
    BoxView box;
    box.type = data.substr(at + 4, 4);
    box.whole = data.substr(at, size);
    box.offset = at;
    if (box.type == "uuid") {
      if (size < header + kUuidSize) {
        return Status::InvalidArgument("uuid box too small", std::string(reason));
      }
      box.user_type = box.whole.substr(header, kUuidSize);
      header += kUuidSize;
    }
    box.payload = box.whole.substr(header);
    boxes.push_back(box);
    at += size;
  }
  return boxes;
}

std::string MakeBox(std::string_view type, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  PutU32(static_cast<uint32_t>(kHeaderSize + payload.size()), out);
  out += type;
  out += payload;
  return out;
}

std::string MakeSuperBox(std::string_view type_uuid, std::string_view label,
                         std::string_view contents) {
  std::string description(type_uuid);
  description.push_back(static_cast<char>(kJumdRequestableWithLabel));
  description += label;
  description.push_back('\0');
  return MakeBox("jumb", MakeBox("jumd", description) + std::string(contents));
}

Result<SuperBoxView> ParseSuperBox(const BoxView& box) {
  if (box.type != "jumb") return JumbfInvalid("expected a jumb box");
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> children, SplitBoxes(box.payload, "jumbf_invalid"));
  if (children.empty() || children[0].type != "jumd") return JumbfInvalid("no description box");
  std::string_view d = children[0].payload;
  if (d.size() < kUuidSize + 1) return JumbfInvalid("description too short");
  SuperBoxView out;
  out.type_uuid = std::string(d.substr(0, kUuidSize));
  out.toggles = static_cast<uint8_t>(d[kUuidSize]);
  if (out.toggles & kJumdLabelPresent) {
    std::string_view rest = d.substr(kUuidSize + 1);
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return JumbfInvalid("unterminated label");
    out.label = std::string(rest.substr(0, nul));
  }
  out.contents.assign(children.begin() + 1, children.end());
  out.payload = box.payload;
  return out;
}

Result<SuperBoxView> FindSuperBox(const std::vector<BoxView>& boxes, std::string_view label) {
  for (const BoxView& box : boxes) {
    if (box.type != "jumb") continue;
    VMSG_ASSIGN_OR_RETURN(SuperBoxView super, ParseSuperBox(box));
    if (super.label == label) return super;
  }
  return Status::NotFound("no JUMBF box labelled " + std::string(label), "jumbf_missing");
}

}  // namespace vmsg::disclosure
