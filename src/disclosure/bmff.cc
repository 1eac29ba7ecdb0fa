// MP4 box insertion with chunk-offset fix-up, and the C2PA BMFF v2 hash.
#include "disclosure/bmff.h"

#include <limits>

#include "disclosure/openssl_util.h"

namespace vmsg::disclosure {
namespace {

// Boxes on the way from 'moov' to the chunk offset tables.
constexpr std::string_view kContainers[] = {"moov", "trak", "mdia", "minf", "stbl"};
constexpr size_t kFullBoxHeader = 4;  // version and flags
constexpr size_t kMaxBoxDepth = 8;

bool IsContainer(std::string_view type) {
  for (std::string_view c : kContainers) {
    if (type == c) return true;
  }
  return false;
}

Status Mp4Invalid(std::string_view what) {
  return Status::InvalidArgument("MP4: " + std::string(what), "mp4_invalid");
}

// Adds `delta` to the entries of a 'stco' (4-byte) or 'co64' (8-byte) table at or past
// `from`; `table` is the box payload's offset in `file`.
Status ShiftChunkOffsets(std::string& file, const BoxView& box, size_t payload_at, uint64_t from,
                         uint64_t delta) {
  const size_t entry_size = box.type == "stco" ? 4 : 8;
  if (box.payload.size() < kFullBoxHeader + 4) return Mp4Invalid("chunk offset table truncated");
  const uint32_t count = GetU32(box.payload, kFullBoxHeader);
  if ((box.payload.size() - kFullBoxHeader - 4) / entry_size < count) {
    return Mp4Invalid("chunk offset table truncated");
  }
  for (uint32_t i = 0; i < count; ++i) {
    const size_t at = payload_at + kFullBoxHeader + 4 + i * entry_size;
    std::string patched;
    if (entry_size == 4) {
      const uint64_t value = GetU32(file, at);
      if (value < from) continue;
      if (value + delta > std::numeric_limits<uint32_t>::max()) {
        return Status::InvalidArgument("a 32-bit chunk offset would overflow", "mp4_too_large");
      }
      PutU32(static_cast<uint32_t>(value + delta), patched);
    } else {
      const uint64_t value = GetU64(file, at);
      if (value < from) continue;
      PutU64(value + delta, patched);
    }
    file.replace(at, patched.size(), patched);
  }
  return Status::Ok();
}

// Walks the boxes of `file` between [begin, end) (sizes never change, so the views taken
// from a copy stay valid for positions).
Status ShiftIn(std::string& file, size_t begin, size_t end, uint64_t from, uint64_t delta,
               size_t depth) {
  if (depth > kMaxBoxDepth) return Mp4Invalid("boxes nested too deeply");
  const std::string region = file.substr(begin, end - begin);
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, SplitBoxes(region, "mp4_invalid"));
  for (const BoxView& box : boxes) {
    const size_t payload_at = begin + (box.payload.data() - region.data());
    if (box.type == "stco" || box.type == "co64") {
      VMSG_RETURN_IF_ERROR(ShiftChunkOffsets(file, box, payload_at, from, delta));
    } else if (IsContainer(box.type)) {
      VMSG_RETURN_IF_ERROR(
          ShiftIn(file, payload_at, payload_at + box.payload.size(), from, delta, depth + 1));
    }
  }
  return Status::Ok();
}

bool Matches(const BoxView& box, const BmffExclusion& exclusion) {
  if (exclusion.xpath.size() != 5 || exclusion.xpath.substr(1) != box.type) return false;
  if (!exclusion.data_offset) return true;
  const uint64_t at = *exclusion.data_offset;
  if (at > box.whole.size() || box.whole.size() - at < exclusion.data_value.size()) return false;
  return box.whole.substr(at, exclusion.data_value.size()) == exclusion.data_value;
}

}  // namespace

std::string C2paBoxUuid() { return UuidBytes("D8FEC3D6-1B0E-483C-9297-5828877EC481"); }
std::string XmpBoxUuid() { return UuidBytes("BE7ACFCB-97A9-42E8-9C71-999491E3AFAC"); }

Result<std::vector<BoxView>> Mp4TopLevelBoxes(std::string_view mp4) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, SplitBoxes(mp4, "mp4_invalid"));
  if (boxes.empty() || boxes[0].type != "ftyp") return Mp4Invalid("no ftyp box first");
  return boxes;
}

Result<std::string> InsertAfterFtyp(std::string_view mp4, std::string_view box) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, Mp4TopLevelBoxes(mp4));
  const uint64_t at = boxes[0].whole.size();
  std::string out(mp4);
  for (const BoxView& top : boxes) {
    if (top.type != "moov") continue;
    const size_t payload_at = top.payload.data() - mp4.data();
    VMSG_RETURN_IF_ERROR(
        ShiftIn(out, payload_at, payload_at + top.payload.size(), at, box.size(), 1));
  }
  out.insert(at, box);
  return out;
}

std::vector<BmffExclusion> StandardExclusions() {
  constexpr uint64_t kUuidAfterHeader = 8;
  return {
      BmffExclusion{"/uuid", kUuidAfterHeader, C2paBoxUuid()},
      BmffExclusion{"/ftyp", std::nullopt, {}},
      BmffExclusion{"/mfra", std::nullopt, {}},
  };
}

std::string BmffHashV2(const std::vector<BoxView>& top_level,
                       const std::vector<BmffExclusion>& exclusions) {
  Sha256Hasher hasher;
  for (const BoxView& box : top_level) {
    bool excluded = false;
    for (const BmffExclusion& e : exclusions) excluded = excluded || Matches(box, e);
    if (excluded) continue;
    std::string offset;
    PutU64(box.offset, offset);
    hasher.Update(offset);
    hasher.Update(box.whole);
  }
  return hasher.Finish();
}

}  // namespace vmsg::disclosure
