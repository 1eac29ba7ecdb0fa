// The ISO BMFF (MP4) side of disclosure: inserting a top-level box right after 'ftyp' (and
// moving every chunk offset in 'moov' by its size), and the C2PA BMFF hash (version 2) over
// the top-level boxes that no exclusion removes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "disclosure/jumbf.h"

namespace vmsg::disclosure {

// The top-level boxes of an MP4. InvalidArgument "mp4_invalid" when the file does not split
// into boxes or does not open with 'ftyp'.
Result<std::vector<BoxView>> Mp4TopLevelBoxes(std::string_view mp4);

// `mp4` with `box` placed right after 'ftyp'. Every 'stco'/'co64' chunk offset at or past the
// insertion point grows by the box's size, so the samples are still found. Errors: as
// Mp4TopLevelBoxes; InvalidArgument "mp4_too_large" when a 32-bit offset would overflow.
Result<std::string> InsertAfterFtyp(std::string_view mp4, std::string_view box);

// A BMFF hash exclusion limited to top-level boxes (what vmsg writes and checks): the box
// type of an xpath "/type", and optionally bytes that must match at an offset in the box.
struct BmffExclusion {
  std::string xpath;  // "/uuid", "/ftyp"
  std::optional<uint64_t> data_offset;
  std::string data_value;  // matched at data_offset when present
};

// C2PA's mandatory exclusions: the C2PA 'uuid' box (its UUID at offset 8), 'ftyp', 'mfra'.
std::vector<BmffExclusion> StandardExclusions();

// SHA-256 per c2pa.hash.bmff.v2: for every top-level box, in file order, that no exclusion
// matches, its absolute offset (8 bytes, big-endian) and then its bytes.
std::string BmffHashV2(const std::vector<BoxView>& top_level,
                       const std::vector<BmffExclusion>& exclusions);

// 16-byte UUIDs of the two top-level 'uuid' boxes disclosure writes.
std::string C2paBoxUuid();  // D8FEC3D6-1B0E-483C-9297-5828877EC481
std::string XmpBoxUuid();   // BE7ACFCB-97A9-42E8-9C71-999491E3AFAC

}  // namespace vmsg::disclosure
