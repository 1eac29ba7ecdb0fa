// Escaping text for XML character data and attribute values (S3's XML answers, XMP packets).
#pragma once

#include <string>
#include <string_view>

namespace vmsg {

// `text` with & < > " ' replaced by their entities.
std::string XmlEscape(std::string_view text);

}  // namespace vmsg
