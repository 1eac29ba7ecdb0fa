// Writing the disclosure XMP packet and placing it in MP4 and JPEG files (XMP spec part 3).
#include "disclosure/xmp.h"

#include <ctime>

#include "base/xml.h"
#include "disclosure/bmff.h"

namespace vmsg::disclosure {
namespace {

constexpr std::string_view kXmpNamespace{"http://ns.adobe.com/xap/1.0/\0", 29};
constexpr uint8_t kMarker = 0xff;
constexpr uint8_t kSoi = 0xd8;
constexpr uint8_t kApp0 = 0xe0;
constexpr uint8_t kApp1 = 0xe1;
constexpr uint8_t kSos = 0xda;
constexpr size_t kMaxSegmentLength = 0xffff;  // the length field counts itself

std::string IsoUtc(int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Status JpegInvalid(std::string_view what) {
  return Status::InvalidArgument("JPEG: " + std::string(what), "jpeg_invalid");
}

struct Segment {
  uint8_t marker;
  size_t offset;  // of the 0xFF
  size_t size;    // marker and length field included
  std::string_view body;
};

// The segments from SOI up to SOS (exclusive).
Result<std::vector<Segment>> JpegHeaderSegments(std::string_view jpeg) {
  if (jpeg.size() < 2 || static_cast<uint8_t>(jpeg[0]) != kMarker ||
      static_cast<uint8_t>(jpeg[1]) != kSoi) {
    return JpegInvalid("no SOI marker");
  }
  std::vector<Segment> segments;
  size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    const auto marker = static_cast<uint8_t>(jpeg[at + 1]);
    if (static_cast<uint8_t>(jpeg[at]) != kMarker) return JpegInvalid("expected a marker");
    if (marker == kSos) return segments;
    const size_t length =
        (static_cast<uint8_t>(jpeg[at + 2]) << 8) | static_cast<uint8_t>(jpeg[at + 3]);
    if (length < 2 || at + 2 + length > jpeg.size()) return JpegInvalid("segment truncated");
    segments.push_back({marker, at, 2 + length, jpeg.substr(at + 4, length - 2)});
    at += 2 + length;
  }
  return JpegInvalid("no SOS marker");
}

}  // namespace

std::string XmpPacket(const XmpFields& f) {
  std::string ja;
  if (!f.description_ja.empty()) {
    ja = "      <rdf:li xml:lang=\"ja\">" + XmlEscape(f.description_ja) + "</rdf:li>\n";
  }
  return "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
         "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
         " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
         "  <rdf:Description rdf:about=\"\"\n"
         "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
         "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
         "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\">\n"
         "   <Iptc4xmpExt:DigitalSourceType>" +
         XmlEscape(f.digital_source_type) +
         "</Iptc4xmpExt:DigitalSourceType>\n"
         "   <dc:format>" +
         XmlEscape(f.format) +
         "</dc:format>\n"
         "   <dc:description>\n    <rdf:Alt>\n"
         "      <rdf:li xml:lang=\"x-default\">" +
         XmlEscape(f.description) + "</rdf:li>\n" + ja +
         "    </rdf:Alt>\n   </dc:description>\n"
         "   <xmp:CreatorTool>" +
         XmlEscape(f.creator_tool) +
         "</xmp:CreatorTool>\n"
         "   <xmp:CreateDate>" +
         IsoUtc(f.create_unix_seconds) +
         "</xmp:CreateDate>\n"
         "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
         "<?xpacket end=\"r\"?>";
}

Result<std::string> AddXmpToMp4(std::string_view mp4, std::string_view xmp) {
  if (ReadXmpFromMp4(mp4).ok()) {
    return Status::FailedPrecondition("the MP4 already has an XMP box", "xmp_present");
  }
  return InsertAfterFtyp(mp4, MakeBox("uuid", XmpBoxUuid() + std::string(xmp)));
}

Result<std::string> ReadXmpFromMp4(std::string_view mp4) {
  VMSG_ASSIGN_OR_RETURN(std::vector<BoxView> boxes, Mp4TopLevelBoxes(mp4));
  const std::string uuid = XmpBoxUuid();
  for (const BoxView& box : boxes) {
    if (box.type == "uuid" && box.user_type == uuid) return std::string(box.payload);
  }
  return Status::NotFound("no XMP box in the MP4", "xmp_missing");
}

Result<std::string> AddXmpToJpeg(std::string_view jpeg, std::string_view xmp) {
  VMSG_ASSIGN_OR_RETURN(std::vector<Segment> segments, JpegHeaderSegments(jpeg));
  const size_t length = 2 + kXmpNamespace.size() + xmp.size();
  if (length > kMaxSegmentLength) {
    return Status::ResourceExhausted("the XMP packet does not fit one APP1 segment",
                                     "xmp_too_large");
  }
  std::string segment{static_cast<char>(kMarker), static_cast<char>(kApp1),
                      static_cast<char>(length >> 8), static_cast<char>(length & 0xff)};
  segment += kXmpNamespace;
  segment += xmp;
  size_t at = 2;
  if (!segments.empty() && segments[0].marker == kApp0) at += segments[0].size;
  std::string out(jpeg);
  out.insert(at, segment);
  return out;
}

Result<std::string> ReadXmpFromJpeg(std::string_view jpeg) {
  VMSG_ASSIGN_OR_RETURN(std::vector<Segment> segments, JpegHeaderSegments(jpeg));
  for (const Segment& s : segments) {
    if (s.marker == kApp1 && s.body.starts_with(kXmpNamespace)) {
      return std::string(s.body.substr(kXmpNamespace.size()));
    }
  }
  return Status::NotFound("no XMP segment in the JPEG", "xmp_missing");
}

Result<std::string> DigitalSourceTypeOf(std::string_view xmp) {
  constexpr std::string_view kName = "Iptc4xmpExt:DigitalSourceType";
  const size_t at = xmp.find(kName);
  if (at != std::string_view::npos) {
    std::string_view rest = xmp.substr(at + kName.size());
    if (rest.starts_with(">")) {
      const size_t end = rest.find('<');
      if (end != std::string_view::npos) return std::string(rest.substr(1, end - 1));
    } else if (rest.starts_with("=\"")) {
      const size_t end = rest.find('"', 2);
      if (end != std::string_view::npos) return std::string(rest.substr(2, end - 2));
    }
  }
  return Status::NotFound("no Iptc4xmpExt:DigitalSourceType in the XMP",
                          "xmp_digital_source_type_missing");
}

}  // namespace vmsg::disclosure
