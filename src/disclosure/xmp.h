// XMP that marks a vmsg video (or a still from it) as AI-made: IPTC's digital source type
// "composite with trained algorithmic media" (a real photo; the voice, mouth motion and
// cut-out made by trained models) and a plain statement, embedded as XMP part 3 says: a
// top-level 'uuid' box in an MP4, an APP1 segment in a JPEG.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::disclosure {

inline constexpr std::string_view kDigitalSourceTypeComposite =
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
inline constexpr std::string_view kDisclosureEnglish =
    "AI-generated video: a photo animated to speak a typed message. The person did not say "
    "these words.";
inline constexpr std::string_view kDisclosureJapanese =
    "AIで生成された動画です。写真を動かして入力された文章を話させています。"
    "写っている人物はこの言葉を話していません。";

struct XmpFields {
  std::string digital_source_type = std::string(kDigitalSourceTypeComposite);
  std::string description = std::string(kDisclosureEnglish);      // x-default
  std::string description_ja = std::string(kDisclosureJapanese);  // omitted when empty
  std::string creator_tool;                                       // "vmsg 0.1.0"
  int64_t create_unix_seconds = 0;                                // xmp:CreateDate, UTC
  std::string format = "video/mp4";                               // dc:format
};

// A complete packet (xpacket wrapper, x:xmpmeta, one rdf:Description); text is XML-escaped.
std::string XmpPacket(const XmpFields& fields);

// `mp4` with `xmp` in a top-level 'uuid' box (BE7ACFCB-97A9-42E8-9C71-999491E3AFAC) right
// after 'ftyp', chunk offsets moved. Errors: InsertAfterFtyp's; FailedPrecondition
// "xmp_present" when the file already has one.
Result<std::string> AddXmpToMp4(std::string_view mp4, std::string_view xmp);

// `jpeg` with `xmp` in an APP1 segment ("http://ns.adobe.com/xap/1.0/\0" namespace) after
// SOI and an APP0 (JFIF) segment when there is one. Errors: InvalidArgument "jpeg_invalid"
// (no SOI, truncated segments), ResourceExhausted "xmp_too_large" (over one segment).
Result<std::string> AddXmpToJpeg(std::string_view jpeg, std::string_view xmp);

// The packet embedded as above. NotFound "xmp_missing" when there is none; the add
// functions' format errors.
Result<std::string> ReadXmpFromMp4(std::string_view mp4);
Result<std::string> ReadXmpFromJpeg(std::string_view jpeg);

// The Iptc4xmpExt:DigitalSourceType of a packet (element or attribute form); NotFound
// "xmp_digital_source_type_missing" when it has none.
Result<std::string> DigitalSourceTypeOf(std::string_view xmp);

}  // namespace vmsg::disclosure
