// libFuzzer harness for the multipart/form-data parser: parses each input whole and in a
// chunking derived from the input, and traps unless both give the same events and status.
//
// Input layout: [boundary length byte][boundary bytes][4 chunk-size bytes][body].
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/multipart.h"

namespace {

using vmsg::Status;
using vmsg::http::BoundaryFromContentType;
using vmsg::http::kMaxBoundaryLength;
using vmsg::http::MultipartHandler;
using vmsg::http::MultipartLimits;
using vmsg::http::MultipartParser;
using vmsg::http::PartInfo;
using vmsg::http::ValidateBoundary;

// Bytes that are not RFC 2046 bchars are mapped onto this alphabet, so seeds can spell their
// boundary literally.
constexpr std::string_view kBoundaryAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
constexpr size_t kChunkPatternBytes = 4;
constexpr size_t kMaxChunkBytes = 64;
// Part names that make the handler fail, to exercise the abort path.
constexpr std::string_view kAbortAtBegin = "abort";
constexpr std::string_view kAbortAtEnd = "abort-end";

// Small limits so that every limit path is reachable with short inputs.
MultipartLimits FuzzLimits() {
  MultipartLimits limits;
  limits.max_parts = 4;
  limits.max_part_header_bytes = 128;
  limits.max_part_bytes = 256;
  limits.max_total_bytes = 2048;
  return limits;
}

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Records events with consecutive data merged, and checks the callback contract.
class Recorder final : public MultipartHandler {
 public:
  explicit Recorder(const MultipartLimits& limits) : limits_(limits) {}

  Status OnPartBegin(const PartInfo& part) override {
    Check(!open_);
    Check(!part.name.empty());
    Check(!part.content_type.empty());
    open_ = true;
    part_bytes_ = 0;
    ++parts_;
    Check(parts_ <= limits_.max_parts);
    std::string event = "begin\x1f" + part.name + "\x1f" + part.content_type + "\x1f";
    event += part.filename ? "1" + *part.filename : "0";
    for (const auto& [name, value] : part.headers) {
      event.append("\x1f").append(name).append(":").append(value);
    }
    events_.push_back(std::move(event));
    abort_at_end_ = part.name == kAbortAtEnd;
    if (part.name == kAbortAtBegin) return Status::Cancelled("handler refused the part");
    return Status::Ok();
  }

  Status OnPartData(std::string_view data) override {
    Check(open_);
    Check(!data.empty());
    part_bytes_ += data.size();
    Check(part_bytes_ <= limits_.max_part_bytes);
    if (events_.back().rfind("data\x1f", 0) != 0) events_.emplace_back("data\x1f");
    events_.back().append(data);
    return Status::Ok();
  }

  Status OnPartEnd() override {
    Check(open_);
    open_ = false;
    events_.emplace_back("end");
    if (abort_at_end_) return Status::Cancelled("handler failed at the end of the part");
    return Status::Ok();
  }

  const std::vector<std::string>& events() const { return events_; }
  bool open() const { return open_; }

 private:
  MultipartLimits limits_;
  std::vector<std::string> events_;
  bool open_ = false;
  bool abort_at_end_ = false;
  size_t part_bytes_ = 0;
  size_t parts_ = 0;
};

struct Outcome {
  std::vector<std::string> events;
  Status status;
  size_t parts_seen = 0;
};

// Feeds `body` whole (empty `chunk_sizes`) or in chunks cycling through `chunk_sizes`, then
// Finish, checking that errors are sticky.
Outcome Run(const std::string& boundary, std::string_view body,
            const std::vector<size_t>& chunk_sizes) {
  MultipartLimits limits = FuzzLimits();
  Recorder recorder(limits);
  MultipartParser parser(boundary, limits, recorder);
  Status status;
  size_t pos = 0;
  for (size_t i = 0; status.ok() && pos < body.size(); ++i) {
    size_t n = chunk_sizes.empty() ? body.size() : chunk_sizes[i % chunk_sizes.size()];
    n = std::min(n, body.size() - pos);
    status = parser.Feed(body.substr(pos, n));
    pos += n;
  }
  if (status.ok()) status = parser.Finish();
  if (status.ok()) {
    Check(!recorder.open());
    Check(parser.Finish().ok());
  } else {
    size_t events_before = recorder.events().size();
    Check(parser.Feed("\r\n--") == status);
    Check(parser.Finish() == status);
    Check(recorder.events().size() == events_before);
    Check(!status.message().empty());
  }
  return {recorder.events(), status, parser.parts_seen()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // The Content-Type parser gets the raw input; whatever it accepts must be a valid boundary.
  vmsg::Result<std::string> from_header = BoundaryFromContentType(input);
  if (from_header.ok()) {
    Check(ValidateBoundary(*from_header).ok());
  } else {
    Check(from_header.status().reason() == vmsg::http::kInvalidContentTypeReason);
  }

  if (input.empty()) return 0;
  size_t boundary_length = 1 + static_cast<uint8_t>(input[0]) % kMaxBoundaryLength;
  input.remove_prefix(1);
  if (input.size() < boundary_length + kChunkPatternBytes) return 0;
  std::string boundary;
  for (char c : input.substr(0, boundary_length)) {
    bool valid = kBoundaryAlphabet.find(c) != std::string_view::npos;
    boundary.push_back(
        valid ? c : kBoundaryAlphabet[static_cast<uint8_t>(c) % kBoundaryAlphabet.size()]);
  }
  if (boundary.back() == ' ') boundary.back() = '_';
  input.remove_prefix(boundary_length);
  std::vector<size_t> chunk_sizes;
  for (char c : input.substr(0, kChunkPatternBytes)) {
    chunk_sizes.push_back(1 + static_cast<uint8_t>(c) % kMaxChunkBytes);
  }
  input.remove_prefix(kChunkPatternBytes);

  Outcome whole = Run(boundary, input, {});
  Outcome chunked = Run(boundary, input, chunk_sizes);
  Outcome bytewise = Run(boundary, input, {1});
  Check(whole.events == chunked.events && whole.status == chunked.status &&
        whole.parts_seen == chunked.parts_seen);
  Check(whole.events == bytewise.events && whole.status == bytewise.status &&
        whole.parts_seen == bytewise.parts_seen);
  return 0;
}
