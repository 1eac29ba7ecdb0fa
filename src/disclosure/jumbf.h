// Boxes as ISO BMFF and JUMBF (ISO/IEC 19566-5) share them: a 32-bit big-endian size
// (1: a 64-bit size follows the type; 0: to the end), a four-character type, a payload.
// JUMBF superboxes ('jumb') open with a description box ('jumd': a 16-byte type UUID,
// toggles, a NUL-terminated label) followed by content boxes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vmsg::disclosure {

// One box inside a byte range; the views point into the bytes that were split.
struct BoxView {
  std::string_view type;       // four characters
  std::string_view payload;    // after the header (and after a 'uuid' box's 16-byte user type)
  std::string_view whole;      // header and payload
  uint64_t offset = 0;         // of `whole` from the start of the split range
  std::string_view user_type;  // a 'uuid' box's 16 bytes; empty for other types
};

// Splits `data` into consecutive boxes. InvalidArgument `reason` when a size is smaller than
// its header or runs past the end.
Result<std::vector<BoxView>> SplitBoxes(std::string_view data,
                                        std::string_view reason = "box_invalid");

// A box with a 32-bit size: size, `type` (4 characters), payload.
std::string MakeBox(std::string_view type, std::string_view payload);

// JUMBF description toggles: requestable (bit 0) and label present (bit 1), as C2PA writes.
inline constexpr uint8_t kJumdRequestableWithLabel = 0x03;
inline constexpr uint8_t kJumdLabelPresent = 0x02;

// A 'jumb' superbox of type `type_uuid` (16 bytes) labelled `label`, holding `contents`
// (concatenated content boxes).
std::string MakeSuperBox(std::string_view type_uuid, std::string_view label,
                         std::string_view contents);

struct SuperBoxView {
  std::string type_uuid;  // 16 bytes
  uint8_t toggles = 0;
  std::string label;              // empty when the toggles say none
  std::vector<BoxView> contents;  // the boxes after the description
  std::string_view payload;       // everything after the superbox header (hashed-URI input)
};

// Reads a 'jumb' box. InvalidArgument "jumbf_invalid" when it is not one, lacks its
// description or its label is unterminated.
Result<SuperBoxView> ParseSuperBox(const BoxView& box);

// The superbox among `boxes` labelled `label`; NotFound "jumbf_missing" naming it.
Result<SuperBoxView> FindSuperBox(const std::vector<BoxView>& boxes, std::string_view label);

// The 16 bytes of a canonical UUID ("D8FEC3D6-1B0E-483C-9297-5828877EC481"); hex digits
// only, dashes skipped. The text must be a valid UUID (constants only).
std::string UuidBytes(std::string_view canonical);

// Big-endian helpers shared by the box code.
void PutU32(uint32_t n, std::string& out);
void PutU64(uint64_t n, std::string& out);
uint32_t GetU32(std::string_view bytes, size_t at);
uint64_t GetU64(std::string_view bytes, size_t at);

}  // namespace vmsg::disclosure
