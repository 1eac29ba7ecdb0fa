// Static file helpers: safe path resolution, MIME types, ETags and conditional/range headers.
#include "http/static_files.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "http/text.h"

namespace vmsg::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNotFoundMessage = "static file not found";
constexpr std::string_view kNotFoundReason = "not_found";
constexpr std::string_view kIndexFile = "index.html";
constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();

// Every refusal looks the same so that probing cannot map the file system or the checks.
Status NotFound() {
  return Status::NotFound(std::string(kNotFoundMessage), std::string(kNotFoundReason));
}

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// A decoded segment is usable only if it names one entry, not hidden, not "." or "..", and
// carries no separator that the file system (or a later consumer) could reinterpret.
bool IsSafeSegment(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  return segment.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

// True when `path` lies strictly below `root`, both canonical; `relative` receives the rest.
bool IsStrictlyUnder(const fs::path& root, const fs::path& path, fs::path* relative) {
  auto root_it = root.begin();
  auto path_it = path.begin();
  for (; root_it != root.end(); ++root_it, ++path_it) {
    if (path_it == path.end() || *root_it != *path_it) return false;
  }
  if (path_it == path.end()) return false;
  fs::path rest;
  for (; path_it != path.end(); ++path_it) rest /= *path_it;
  *relative = std::move(rest);
  return true;
}

// Parses 1*DIGIT, saturating at uint64 max so that absurd numbers cannot wrap around.
std::optional<uint64_t> ParseSaturatingDigits(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (kUint64Max - digit) / 10) {
      value = kUint64Max;
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

std::string Hex(uint64_t value) {
  std::array<char, 16> buffer{};  // 64 bits are at most 16 hex digits
  const std::to_chars_result written =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, 16);
  return std::string(buffer.data(), written.ptr);
}

// Strips an optional weakness indicator; the opaque tag stays quoted.
std::string_view OpaqueTag(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

}  // namespace

Result<std::string> PercentDecodePath(std::string_view raw_path) {
  std::string decoded;
  decoded.reserve(raw_path.size());
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '%') {
      if (raw_path.size() - i < 3) {
        return Status::InvalidArgument("truncated percent escape in path", "bad_path");
      }
      const std::optional<int> high = HexValue(raw_path[i + 1]);
      const std::optional<int> low = HexValue(raw_path[i + 2]);
      if (!high || !low) {
        return Status::InvalidArgument("malformed percent escape in path", "bad_path");
      }
      c = static_cast<char>((*high << 4) | *low);
      i += 2;
    }
    if (c == '\0') return Status::InvalidArgument("NUL byte in path", "bad_path");
    decoded.push_back(c);
  }
  return decoded;
}

Result<fs::path> ResolveStaticPath(const fs::path& root, std::string_view url_path) {
  if (url_path.empty() || url_path.front() != '/' || url_path.size() > kMaxStaticUrlPathLength) {
    return NotFound();
  }
  // Segments are split before decoding and each is checked after, so an encoded "/" or "\"
  // can never create a boundary that the checks did not see.
  std::string_view rest = url_path.substr(1);
  const bool wants_index = rest.empty() || rest.back() == '/';
  fs::path relative;
  if (!rest.empty()) {
    // Only the one trailing slash is dropped: "//" leaves an empty segment, which is refused.
    if (wants_index) rest.remove_suffix(1);
    for (std::string_view raw_segment : Split(rest, '/')) {
      Result<std::string> segment = PercentDecodePath(raw_segment);
      if (!segment.ok() || !IsSafeSegment(*segment)) return NotFound();
      relative /= *segment;
    }
  }
  if (wants_index) relative /= kIndexFile;

  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return NotFound();
  const fs::path target = fs::canonical(canonical_root / relative, ec);
  if (ec) return NotFound();

  // Symlinks are followed, so the checks on the URL are repeated on where it really leads.
  fs::path resolved_relative;
  if (!IsStrictlyUnder(canonical_root, target, &resolved_relative)) return NotFound();
  for (const fs::path& part : resolved_relative) {
    if (!IsSafeSegment(part.native())) return NotFound();
  }
  if (!fs::is_regular_file(fs::status(target, ec)) || ec) return NotFound();
  return target;
}

std::string_view MimeTypeFor(const fs::path& path) {
  struct Entry {
    std::string_view extension;
    std::string_view mime;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"gif", "image/gif"},
      {"ico", "image/x-icon"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},
      {"ogg", "audio/ogg"},
      {"m4a", "audio/mp4"},
      {"txt", "text/plain; charset=utf-8"},
      {"woff2", "font/woff2"},
      {"wasm", "application/wasm"},
      {"map", "application/json"},
  };
  const std::string extension = path.extension().string();
  if (extension.size() < 2) return kOctetStream;  // none, or a bare trailing dot
  const std::string_view name = std::string_view(extension).substr(1);
  for (const Entry& entry : kTypes) {
    if (EqualsIgnoreCase(name, entry.extension)) return entry.mime;
  }
  return kOctetStream;
}

std::string MakeETag(uint64_t size, fs::file_time_type mtime) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  // Times before the clock's epoch wrap to large values, which is still a stable, unique tag.
  return "\"" + Hex(size) + "-" + Hex(static_cast<uint64_t>(ns)) + "\"";
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  const std::string_view wanted = OpaqueTag(TrimOws(etag));
  std::string_view rest = TrimOws(header);
  while (!rest.empty()) {
    // Commas are legal inside an opaque tag, so members are found by their quotes, not by a split.
    while (!rest.empty() && (IsOws(rest.front()) || rest.front() == ',')) rest.remove_prefix(1);
    if (rest.empty()) break;
    if (rest.front() == '*') {
      const std::string_view after = TrimOws(rest.substr(1));
      if (after.empty() || after.front() == ',') return true;
    }
    const std::size_t start = (rest.substr(0, 2) == "W/") ? 2 : 0;
    if (rest.size() > start && rest[start] == '"') {
      const std::size_t close = rest.find('"', start + 1);
      if (close == std::string_view::npos) return false;
      if (rest.substr(start, close - start + 1) == wanted) return true;
      rest.remove_prefix(close + 1);
      continue;
    }
    // A malformed member: skip to the next comma.
    const std::size_t comma = rest.find(',');
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

RangeRequest ParseRange(std::string_view header, uint64_t size) {
  const RangeRequest ignore;
  header = TrimOws(header);
  const std::size_t equals = header.find('=');
  if (equals == std::string_view::npos || !EqualsIgnoreCase(header.substr(0, equals), "bytes")) {
    return ignore;
  }

  std::optional<std::string_view> spec;
  for (std::string_view member : Split(header.substr(equals + 1), ',')) {
    member = TrimOws(member);
    if (member.empty()) continue;
    if (spec) return ignore;  // a multi-range request: served whole, see the header comment
    spec = member;
  }
  if (!spec) return ignore;

  const std::size_t dash = spec->find('-');
  if (dash == std::string_view::npos) return ignore;
  const std::string_view first_text = spec->substr(0, dash);
  const std::string_view last_text = spec->substr(dash + 1);

  RangeRequest result;
  if (first_text.empty()) {
    const std::optional<uint64_t> suffix = ParseSaturatingDigits(last_text);
    if (!suffix) return ignore;
    if (*suffix == 0) {
      result.kind = RangeKind::kUnsatisfiable;
      return result;
    }
    if (size == 0) return ignore;
    const uint64_t length = std::min(*suffix, size);
    result.kind = RangeKind::kSingle;
    result.range = ByteRange{size - length, length};
    return result;
  }

  const std::optional<uint64_t> first = ParseSaturatingDigits(first_text);
  if (!first) return ignore;
  uint64_t last = kUint64Max;
  if (!last_text.empty()) {
    const std::optional<uint64_t> parsed_last = ParseSaturatingDigits(last_text);
    if (!parsed_last || *parsed_last < *first) return ignore;
    last = *parsed_last;
  }
  if (*first >= size) {
    result.kind = RangeKind::kUnsatisfiable;
    return result;
  }
  last = std::min(last, size - 1);
  result.kind = RangeKind::kSingle;
  result.range = ByteRange{*first, last - *first + 1};
  return result;
}

std::string ContentRangeHeader(const ByteRange& r, uint64_t size) {
  return "bytes " + std::to_string(r.offset) + "-" + std::to_string(r.offset + r.length - 1) + "/" +
         std::to_string(size);
}

std::string UnsatisfiedContentRangeHeader(uint64_t size) {
  return "bytes */" + std::to_string(size);
}

}  // namespace vmsg::http
