// Streaming multipart/form-data parser (RFC 7578 over the RFC 2046 framing): splits a request
// body fed in arbitrary chunks into parts and hands each part's headers and bytes to a handler.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace vmsg::http {

// Stable reasons carried by the statuses this parser returns.
inline constexpr std::string_view kMalformedMultipartReason = "malformed_multipart";
inline constexpr std::string_view kMultipartTooManyPartsReason = "multipart_too_many_parts";
inline constexpr std::string_view kMultipartHeaderTooLargeReason = "multipart_header_too_large";
inline constexpr std::string_view kMultipartPartTooLargeReason = "multipart_part_too_large";
inline constexpr std::string_view kMultipartTooLargeReason = "multipart_too_large";
inline constexpr std::string_view kMultipartTruncatedReason = "multipart_truncated";
inline constexpr std::string_view kInvalidContentTypeReason = "invalid_content_type";

// RFC 2046 section 5.1.1: a boundary is 1 to 70 characters.
inline constexpr size_t kMaxBoundaryLength = 70;

// Bounds on what one form may contain. A value at the limit is accepted; one byte or part
// more fails with ResourceExhausted.
struct MultipartLimits {
  size_t max_parts = 16;
  // All header lines of one part together, each counted with its CRLF; the blank line that
  // ends the headers is not counted.
  size_t max_part_header_bytes = size_t{8} * 1024;
  // Body bytes of one part (the CRLF before the next delimiter belongs to the delimiter).
  size_t max_part_bytes = size_t{10} * 1024 * 1024;
  // Every byte fed to the parser: preamble, framing, bodies and epilogue.
  size_t max_total_bytes = size_t{32} * 1024 * 1024;
};

// What the headers of one part say.
struct PartInfo {
  // The name parameter of `Content-Disposition: form-data`; never empty. Not percent-decoded.
  std::string name;
  // The filename parameter, as sent (may be empty: browsers send filename="" for an empty
  // file input). A valid filename* (RFC 5987, UTF-8 or ISO-8859-1) takes precedence and is
  // returned decoded as UTF-8.
  std::optional<std::string> filename;
  // The Content-Type header value as sent, "text/plain" when the part has none.
  std::string content_type;
  // Every header of the part in order, names lower-cased, values trimmed of surrounding
  // whitespace.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Receives the parts of a form as the parser finds them. Calls come in the order
// OnPartBegin, OnPartData*, OnPartEnd for each part, on the thread that calls Feed/Finish.
// Any non-OK status aborts parsing: the parser makes no further calls and returns that
// status from Feed (and from every later Feed/Finish).
class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  // A part's headers were read and are valid.
  virtual Status OnPartBegin(const PartInfo& part) = 0;
  // The next bytes of the current part's body; never empty. How the body is split across
  // calls depends on how the input was chunked; the concatenation does not.
  virtual Status OnPartData(std::string_view data) = 0;
  // The current part's body ended at a valid delimiter line.
  virtual Status OnPartEnd() = 0;
};

// Extracts the boundary parameter from a Content-Type header value such as
// `multipart/form-data; boundary="abc"`. The media type must be multipart/form-data (case
// insensitive); the parameter name is case insensitive and its value may be quoted. An
// unquoted value runs to the next ';' or whitespace. Fails with InvalidArgument (reason
// "invalid_content_type") when the media type is wrong, the parameters are malformed, the
// boundary is missing or it fails ValidateBoundary.
Result<std::string> BoundaryFromContentType(std::string_view content_type);

// OK when `boundary` is valid per RFC 2046: 1 to 70 characters from
// DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space, not ending in a space. Otherwise
// InvalidArgument with reason "invalid_content_type".
Status ValidateBoundary(std::string_view boundary);

// Parses one multipart/form-data body incrementally.
//
// Framing rules (strict RFC 2046): lines end in CRLF, a bare CR or LF in framing or headers is
// malformed. Bytes before the first delimiter (preamble) and after the closing one (epilogue)
// are ignored. Spaces and tabs may follow a delimiter before its CRLF. A delimiter followed by
// anything else is malformed, since the boundary must not occur inside a part. A form with
// no parts (`--boundary--`) is accepted. Each part needs exactly one
// `Content-Disposition: form-data` header with a non-empty name; folded header lines are
// rejected.
//
// Memory is bounded by the limits: bodies are streamed to the handler, and only a possible
// delimiter prefix (at most boundary length + 3 bytes) and the current part's headers are
// kept between Feed calls. Errors are sticky: once Feed or Finish fails, every later call
// returns the same status. Not thread-safe.
class MultipartParser {
 public:
  // `boundary` is the value from the Content-Type header (see BoundaryFromContentType). An
  // invalid boundary makes the first Feed or Finish fail with reason "invalid_content_type".
  // `handler` must outlive the parser.
  MultipartParser(std::string boundary, MultipartLimits limits, MultipartHandler& handler);
  MultipartParser(const MultipartParser&) = delete;
  MultipartParser& operator=(const MultipartParser&) = delete;

  // Consumes the next bytes of the body; chunks may be split anywhere, down to one byte.
  // Returns InvalidArgument "malformed_multipart" for bad framing or headers,
  // ResourceExhausted ("multipart_too_many_parts", "multipart_header_too_large",
  // "multipart_part_too_large", "multipart_too_large") when a limit is exceeded, or the
  // handler's status when a callback fails. The events and final status do not depend on the
  // chunking: when a part exceeds max_part_bytes, exactly max_part_bytes of it are delivered
  // before the error, and bytes beyond max_total_bytes are never looked at.
  Status Feed(std::string_view chunk);

  // Declares the end of the body. OK when the closing delimiter was seen; otherwise
  // InvalidArgument "multipart_truncated" saying where the body stopped.
  Status Finish();

  // The number of parts whose OnPartBegin has been called.
  size_t parts_seen() const { return parts_seen_; }

 private:
  enum class State {
    kPreamble,       // discarding bytes until the first delimiter
    kAfterBoundary,  // just read "--boundary": expecting "--", padding or CRLF
    kCloseDash,      // read "--boundary-": expecting the second '-'
    kPadding,        // transport padding after a delimiter, before its CRLF
    kDelimiterLf,    // read the CR ending a delimiter line: expecting LF
    kHeaders,        // reading the header lines of a part
    kBody,           // streaming a part's body to the handler
    kEpilogue,       // after the closing delimiter: everything is ignored
  };

  // Each Consume* step handles a prefix of `data` and returns how many bytes it used.
  Result<size_t> ConsumeBody(std::string_view data);
  Result<size_t> ConsumeDelimiterTail(std::string_view data);
  Result<size_t> ConsumeHeaders(std::string_view data);
  Status Consume(std::string_view data);
  Status Deliver(std::string_view data);
  Status EndPartAtDelimiter();
  Status ParseHeaderLine(std::string_view line);
  Status FinishHeaders();
  Status Malformed(std::string_view what) const;
  Status MalformedBoundaryLine(std::string_view what) const;
  std::string PartLabel() const;
  std::string BoundaryLineLabel() const;
  Status Fail(Status status);

  std::string boundary_;
  std::string delimiter_;  // "\r\n--" + boundary_
  MultipartLimits limits_;
  MultipartHandler& handler_;

  State state_ = State::kPreamble;
  Status error_;             // sticky: the first failure
  std::string held_;         // a proper prefix of delimiter_ that may continue in the next chunk
  std::string line_;         // the header line being assembled, up to and including its LF
  size_t header_bytes_ = 0;  // header bytes of the current part, complete lines only
  PartInfo part_;            // the part being read
  size_t part_number_ = 0;   // 1-based index of the part being read, for messages
  bool part_open_ = false;   // OnPartBegin was called and OnPartEnd is owed
  size_t part_bytes_ = 0;
  size_t total_bytes_ = 0;
  size_t parts_seen_ = 0;
};

}  // namespace vmsg::http
