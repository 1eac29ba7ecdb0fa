// Streaming multipart/form-data parser: a small state machine over the RFC 2046 framing plus
// the RFC 7578 rules for part headers (Content-Disposition, filename, filename*).
#include "http/multipart.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "base/utf8.h"
#include "http/text.h"

namespace vmsg::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kDashes = "--";
constexpr std::string_view kDefaultContentType = "text/plain";
constexpr std::string_view kFormData = "form-data";
constexpr std::string_view kMultipartFormData = "multipart/form-data";
// Untrusted text echoed into an error message is cut to this many bytes.
constexpr size_t kMaxEchoedBytes = 64;

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 9110 tchar: the characters of header names and parameter names.
bool IsTchar(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2046 bchars.
bool IsBoundaryChar(char c) {
  return IsAlnum(c) || std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// RFC 5987 attr-char: what may appear unencoded in an ext-value.
bool IsAttrChar(char c) {
  return IsAlnum(c) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
}

// Renders untrusted bytes for a message: quoted, non-printable bytes as \xNN, cut short.
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kMaxEchoedBytes; ++i) {
    auto byte = static_cast<unsigned char>(s[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\' && byte != '\'') {
      out.push_back(s[i]);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      out += hex;
    }
  }
  if (s.size() > kMaxEchoedBytes) out += "...";
  out += "'";
  return out;
}

std::string ByteName(char c) { return Quote(std::string_view(&c, 1)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Parameter {
  std::string name;  // lower-cased
  std::string value;
};

// Parses `*( OWS ";" OWS name OWS "=" OWS value ) OWS` where value is a quoted-string (with
// backslash escapes) or a run of bytes up to ';' or whitespace. A trailing ';' is tolerated.
// Errors are InvalidArgument without a reason; callers add theirs.
Result<std::vector<Parameter>> ParseParameters(std::string_view s) {
  std::vector<Parameter> params;
  size_t i = 0;
  auto skip_ows = [&] {
    while (i < s.size() && IsOws(s[i])) ++i;
  };
  while (true) {
    skip_ows();
    if (i == s.size()) return params;
    if (s[i] != ';') {
      return Status::InvalidArgument("expected ';' before " + Quote(s.substr(i)));
    }
    ++i;
    skip_ows();
    if (i == s.size()) return params;
    size_t start = i;
    while (i < s.size() && IsTchar(s[i])) ++i;
    if (i == start) {
      return Status::InvalidArgument("expected a parameter name at " + Quote(s.substr(i)));
    }
    std::string name = AsciiLowerCopy(s.substr(start, i - start));
    skip_ows();
    if (i == s.size() || s[i] != '=') {
      return Status::InvalidArgument("parameter " + Quote(name) + " has no '=value'");
    }
    ++i;
    skip_ows();
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i == s.size()) break;
          c = s[i++];
        }
        value.push_back(c);
      }
      if (!closed) {
        return Status::InvalidArgument("parameter " + Quote(name) +
                                       " has an unterminated quoted value");
      }
    } else {
      start = i;
      while (i < s.size() && s[i] != ';' && !IsOws(s[i])) {
        if (s[i] == '"') {
          return Status::InvalidArgument("parameter " + Quote(name) +
                                         " has a stray '\"' in its unquoted value");
        }
        ++i;
      }
      if (i == start) {
        return Status::InvalidArgument("parameter " + Quote(name) + " has an empty value");
      }
      value = std::string(s.substr(start, i - start));
    }
    for (const Parameter& p : params) {
      if (p.name == name) {
        return Status::InvalidArgument("parameter " + Quote(name) + " appears twice");
      }
    }
    params.push_back({std::move(name), std::move(value)});
  }
}

const Parameter* FindParameter(const std::vector<Parameter>& params, std::string_view name) {
  for (const Parameter& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Decodes an RFC 5987 ext-value (charset'language'pct-encoded) into UTF-8.
Result<std::string> DecodeExtValue(std::string_view v) {
  size_t q1 = v.find('\'');
  size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) {
    return Status::InvalidArgument("expected charset'language'value, got " + Quote(v));
  }
  std::string_view charset = v.substr(0, q1);
  std::string_view encoded = v.substr(q2 + 1);
  std::string raw;
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '%') {
      bool has_two_digits = i + 2 < encoded.size();
      int hi = has_two_digits ? HexValue(encoded[i + 1]) : -1;
      int lo = has_two_digits ? HexValue(encoded[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("bad percent-escape in " + Quote(v));
      }
      raw.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (IsAttrChar(c)) {
      raw.push_back(c);
    } else {
      return Status::InvalidArgument(ByteName(c) + " must be percent-encoded in " + Quote(v));
    }
  }
  if (EqualsIgnoreCase(charset, "utf-8")) {
    if (!IsValidUtf8(raw)) return Status::InvalidArgument(Quote(v) + " is not valid UTF-8");
    return raw;
  }
  if (EqualsIgnoreCase(charset, "iso-8859-1")) {
    std::string utf8;
    for (char c : raw) {
      auto byte = static_cast<unsigned char>(c);
      if (byte < 0x80) {
        utf8.push_back(c);
      } else {
        utf8.push_back(static_cast<char>(0xc0 | (byte >> 6)));
        utf8.push_back(static_cast<char>(0x80 | (byte & 0x3f)));
      }
    }
    return utf8;
  }
  return Status::InvalidArgument("unsupported charset " + Quote(charset) +
                                 " (only UTF-8 and ISO-8859-1)");
}

Status MalformedStatus(std::string message) {
  return Status::InvalidArgument(std::move(message), std::string(kMalformedMultipartReason));
}

Status InvalidContentType(std::string message) {
  return Status::InvalidArgument(std::move(message), std::string(kInvalidContentTypeReason));
}

}  // namespace

Status ValidateBoundary(std::string_view boundary) {
  if (boundary.empty()) return InvalidContentType("multipart boundary is empty");
  if (boundary.size() > kMaxBoundaryLength) {
    return InvalidContentType("multipart boundary is " + std::to_string(boundary.size()) +
                              " characters; RFC 2046 allows at most " +
                              std::to_string(kMaxBoundaryLength));
  }
  for (char c : boundary) {
    if (!IsBoundaryChar(c)) {
      return InvalidContentType("multipart boundary contains " + ByteName(c) +
                                ", which RFC 2046 does not allow");
    }
  }
  if (boundary.back() == ' ') {
    return InvalidContentType("multipart boundary must not end with a space");
  }
  return Status::Ok();
}

Result<std::string> BoundaryFromContentType(std::string_view content_type) {
  std::string_view value = TrimOws(content_type);
  if (value.empty()) return InvalidContentType("Content-Type is empty");
  size_t semicolon = value.find(';');
  std::string_view media_type = TrimOws(value.substr(0, semicolon));
  if (!EqualsIgnoreCase(media_type, kMultipartFormData)) {
    return InvalidContentType("Content-Type must be multipart/form-data, got " + Quote(media_type));
  }
  std::vector<Parameter> params;
  if (semicolon != std::string_view::npos) {
    Result<std::vector<Parameter>> parsed = ParseParameters(value.substr(semicolon));
    if (!parsed.ok()) {
      return InvalidContentType("Content-Type parameters: " + parsed.status().message());
    }
    params = std::move(parsed).value();
  }
  const Parameter* boundary = FindParameter(params, "boundary");
  if (boundary == nullptr) {
    return InvalidContentType("Content-Type multipart/form-data has no boundary parameter");
  }
  VMSG_RETURN_IF_ERROR(ValidateBoundary(boundary->value));
  return boundary->value;
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits,
                                 MultipartHandler& handler)
    : boundary_(std::move(boundary)), limits_(limits), handler_(handler) {
  delimiter_ = std::string(kCrlf) + std::string(kDashes) + boundary_;
  error_ = ValidateBoundary(boundary_);
  // The first delimiter may open the body with no CRLF before it; pretending a CRLF was
  // already seen lets the preamble be scanned exactly like a body.
  held_ = std::string(kCrlf);
}

Status MultipartParser::Fail(Status status) {
  if (error_.ok()) error_ = std::move(status);
  return error_;
}

std::string MultipartParser::PartLabel() const {
  std::string label = "part " + std::to_string(part_number_);
  if (!part_.name.empty()) label += " (" + Quote(part_.name) + ")";
  return label;
}

std::string MultipartParser::BoundaryLineLabel() const {
  if (part_number_ == 0) return "the first boundary line";
  return "the boundary line after " + PartLabel();
}

Status MultipartParser::Malformed(std::string_view what) const {
  return MalformedStatus(PartLabel() + ": " + std::string(what));
}

Status MultipartParser::MalformedBoundaryLine(std::string_view what) const {
  return MalformedStatus(BoundaryLineLabel() + " " + std::string(what));
}

Status MultipartParser::Feed(std::string_view chunk) {
  if (!error_.ok()) return error_;
  // Only the bytes within max_total_bytes are parsed, so where the limit falls does not
  // depend on how the body was chunked.
  size_t room = limits_.max_total_bytes - total_bytes_;
  bool over_limit = chunk.size() > room;
  std::string_view accepted = over_limit ? chunk.substr(0, room) : chunk;
  total_bytes_ += accepted.size();
  Status status = Consume(accepted);
  if (!status.ok()) return Fail(std::move(status));
  if (over_limit) {
    return Fail(Status::ResourceExhausted(
        "multipart body is larger than " + std::to_string(limits_.max_total_bytes) + " bytes",
        std::string(kMultipartTooLargeReason)));
  }
  return Status::Ok();
}

Status MultipartParser::Finish() {
  if (!error_.ok()) return error_;
  std::string where;
  switch (state_) {
    case State::kEpilogue:
      return Status::Ok();
    case State::kPreamble:
      where = "before the first boundary";
      break;
    case State::kHeaders:
      where = "in the headers of " + PartLabel();
      break;
    case State::kBody:
      where = "in the body of " + PartLabel();
      break;
    case State::kAfterBoundary:
    case State::kCloseDash:
    case State::kPadding:
    case State::kDelimiterLf:
      where = "in " + BoundaryLineLabel();
      break;
  }
  return Fail(Status::InvalidArgument(
      "multipart body ended " + where + " without the closing boundary '--" + boundary_ + "--'",
      std::string(kMultipartTruncatedReason)));
}

Status MultipartParser::Consume(std::string_view data) {
  while (!data.empty()) {
    Result<size_t> used = size_t{0};
    switch (state_) {
      case State::kPreamble:
      case State::kBody:
        used = ConsumeBody(data);
        break;
      case State::kAfterBoundary:
      case State::kCloseDash:
      case State::kPadding:
      case State::kDelimiterLf:
        used = ConsumeDelimiterTail(data);
        break;
      case State::kHeaders:
        used = ConsumeHeaders(data);
        break;
      case State::kEpilogue:
        return Status::Ok();
    }
    if (!used.ok()) return used.status();
    data.remove_prefix(*used);
  }
  return Status::Ok();
}

Result<size_t> MultipartParser::ConsumeBody(std::string_view data) {
  if (!held_.empty()) {
    size_t need = delimiter_.size() - held_.size();
    size_t n = std::min(need, data.size());
    if (data.substr(0, n) == std::string_view(delimiter_).substr(held_.size(), n)) {
      if (n < need) {
        held_.append(data.substr(0, n));
        return n;
      }
      held_.clear();
      state_ = State::kAfterBoundary;
      return n;
    }
    // Not a delimiter after all, so the held bytes are data. A delimiter can only start at a
    // CR, and the held bytes have their only CR at the front (a boundary has no CR), so the
    // search goes on at the start of `data`.
    std::string pending = std::move(held_);
    held_.clear();
    VMSG_RETURN_IF_ERROR(Deliver(pending));
    return size_t{0};
  }
  size_t found = data.find(delimiter_);
  if (found != std::string_view::npos) {
    VMSG_RETURN_IF_ERROR(Deliver(data.substr(0, found)));
    state_ = State::kAfterBoundary;
    return found + delimiter_.size();
  }
  // Hold back a tail that the next chunk could complete into a delimiter. Only the last CR
  // can start one, for the same reason as above.
  size_t keep = 0;
  size_t cr = data.rfind('\r');
  if (cr != std::string_view::npos && data.size() - cr < delimiter_.size() &&
      std::string_view(delimiter_).starts_with(data.substr(cr))) {
    keep = data.size() - cr;
  }
  VMSG_RETURN_IF_ERROR(Deliver(data.substr(0, data.size() - keep)));
  held_.assign(data.substr(data.size() - keep));
  return data.size();
}

Status MultipartParser::Deliver(std::string_view data) {
  if (state_ != State::kBody || data.empty()) return Status::Ok();
  size_t room = limits_.max_part_bytes - part_bytes_;
  if (data.size() > room) {
    // Deliver exactly up to the limit so the events do not depend on the chunking.
    if (room > 0) VMSG_RETURN_IF_ERROR(handler_.OnPartData(data.substr(0, room)));
    part_bytes_ += room;
    return Status::ResourceExhausted(
        PartLabel() + " is larger than " + std::to_string(limits_.max_part_bytes) + " bytes",
        std::string(kMultipartPartTooLargeReason));
  }
  part_bytes_ += data.size();
  return handler_.OnPartData(data);
}

Status MultipartParser::EndPartAtDelimiter() {
  if (!part_open_) return Status::Ok();
  part_open_ = false;
  return handler_.OnPartEnd();
}

Result<size_t> MultipartParser::ConsumeDelimiterTail(std::string_view data) {
  size_t i = 0;
  for (; i < data.size(); ++i) {
    char c = data[i];
    switch (state_) {
      case State::kAfterBoundary:
        if (c == '-') {
          state_ = State::kCloseDash;
        } else if (IsOws(c)) {
          state_ = State::kPadding;
        } else if (c == '\r') {
          state_ = State::kDelimiterLf;
        } else {
          return MalformedBoundaryLine("has " + ByteName(c) +
                                       " after the boundary instead of CRLF or '--'");
        }
        break;
      case State::kCloseDash:
        if (c != '-') {
          return MalformedBoundaryLine("has " + ByteName(c) + " where the second '-' of '--" +
                                       boundary_ + "--' belongs");
        }
        VMSG_RETURN_IF_ERROR(EndPartAtDelimiter());
        state_ = State::kEpilogue;
        return i + 1;
      case State::kPadding:
        if (c == '\r') {
          state_ = State::kDelimiterLf;
        } else if (!IsOws(c)) {
          return MalformedBoundaryLine("has " + ByteName(c) + " after its padding");
        }
        break;
      case State::kDelimiterLf:
        if (c != '\n') return MalformedBoundaryLine("ends in a CR without LF");
        VMSG_RETURN_IF_ERROR(EndPartAtDelimiter());
        if (parts_seen_ >= limits_.max_parts) {
          return Status::ResourceExhausted(
              "multipart form has more than " + std::to_string(limits_.max_parts) + " parts",
              std::string(kMultipartTooManyPartsReason));
        }
        part_number_ = parts_seen_ + 1;
        part_ = PartInfo{};
        header_bytes_ = 0;
        line_.clear();
        state_ = State::kHeaders;
        return i + 1;
      default:
        return Status::Internal("multipart delimiter tail in an unexpected state");
    }
  }
  return i;
}

Result<size_t> MultipartParser::ConsumeHeaders(std::string_view data) {
  size_t lf = data.find('\n');
  std::string_view piece = lf == std::string_view::npos ? data : data.substr(0, lf + 1);
  size_t line_size = line_.size() + piece.size();
  auto too_large = [this] {
    return Status::ResourceExhausted(PartLabel() + " has more than " +
                                         std::to_string(limits_.max_part_header_bytes) +
                                         " bytes of headers",
                                     std::string(kMultipartHeaderTooLargeReason));
  };
  if (lf == std::string_view::npos) {
    // An unfinished line of two or more bytes is not the blank line and will count at least
    // one more byte (its LF); failing now keeps line_ bounded by the limit.
    if (line_size >= 2 && header_bytes_ + line_size + 1 > limits_.max_part_header_bytes) {
      return too_large();
    }
    line_.append(piece);
    return piece.size();
  }
  bool blank = line_size == kCrlf.size() && (line_.empty() ? piece == kCrlf : line_ == "\r");
  if (!blank && header_bytes_ + line_size > limits_.max_part_header_bytes) return too_large();
  line_.append(piece);
  if (blank) {
    line_.clear();
    VMSG_RETURN_IF_ERROR(FinishHeaders());
    return piece.size();
  }
  header_bytes_ += line_size;
  VMSG_RETURN_IF_ERROR(ParseHeaderLine(line_));
  line_.clear();
  return piece.size();
}

Status MultipartParser::ParseHeaderLine(std::string_view line) {
  if (line.size() < kCrlf.size() || !line.ends_with(kCrlf)) {
    return Malformed("header line ends in a bare LF instead of CRLF");
  }
  std::string_view content = line.substr(0, line.size() - kCrlf.size());
  if (IsOws(content.front())) {
    return Malformed("folded header lines (obs-fold) are not allowed");
  }
  size_t colon = content.find(':');
  if (colon == std::string_view::npos) {
    return Malformed("header line " + Quote(content) + " has no ':'");
  }
  std::string_view name = content.substr(0, colon);
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTchar)) {
    return Malformed("invalid header name " + Quote(name));
  }
  std::string_view value = TrimOws(content.substr(colon + 1));
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
      return Malformed("header " + Quote(name) + " contains control byte " + ByteName(c));
    }
  }
  part_.headers.emplace_back(AsciiLowerCopy(name), std::string(value));
  return Status::Ok();
}

Status MultipartParser::FinishHeaders() {
  const std::string* disposition = nullptr;
  const std::string* content_type = nullptr;
  for (const auto& [name, value] : part_.headers) {
    const std::string** slot = name == "content-disposition" ? &disposition
                               : name == "content-type"      ? &content_type
                                                             : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr) return Malformed("header " + Quote(name) + " appears twice");
    *slot = &value;
  }
  if (disposition == nullptr) return Malformed("missing Content-Disposition header");
  std::string_view cd = *disposition;
  size_t semicolon = cd.find(';');
  std::string_view type = TrimOws(cd.substr(0, semicolon));
  if (!EqualsIgnoreCase(type, kFormData)) {
    return Malformed("Content-Disposition must be form-data, got " + Quote(type));
  }
  std::vector<Parameter> params;
  if (semicolon != std::string_view::npos) {
    Result<std::vector<Parameter>> parsed = ParseParameters(cd.substr(semicolon));
    if (!parsed.ok()) return Malformed("Content-Disposition: " + parsed.status().message());
    params = std::move(parsed).value();
  }
  const Parameter* name = FindParameter(params, "name");
  if (name == nullptr) return Malformed("Content-Disposition has no name parameter");
  if (name->value.empty()) return Malformed("Content-Disposition has an empty name");
  part_.name = name->value;
  if (const Parameter* ext = FindParameter(params, "filename*"); ext != nullptr) {
    Result<std::string> decoded = DecodeExtValue(ext->value);
    if (!decoded.ok()) {
      return Malformed("field " + Quote(part_.name) +
                       ": bad filename*: " + decoded.status().message());
    }
    part_.filename = std::move(decoded).value();
  } else if (const Parameter* plain = FindParameter(params, "filename"); plain != nullptr) {
    part_.filename = plain->value;
  }
  if (content_type != nullptr) {
    if (content_type->empty()) {
      return Malformed("field " + Quote(part_.name) + " has an empty Content-Type");
    }
    part_.content_type = *content_type;
  } else {
    part_.content_type = std::string(kDefaultContentType);
  }
  ++parts_seen_;
  part_bytes_ = 0;
  part_open_ = true;
  state_ = State::kBody;
  return handler_.OnPartBegin(part_);
}

}  // namespace vmsg::http
