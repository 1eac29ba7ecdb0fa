// Pure helpers for serving static files safely: URL-path-to-file resolution that refuses every
// escape from the document root, MIME types, ETags, If-None-Match and single byte ranges.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg::http {

// The longest URL path (still percent-encoded) that ResolveStaticPath will consider.
inline constexpr std::size_t kMaxStaticUrlPathLength = 4096;

// Percent-decodes a URL path (not the query); '+' is left as is. Returns InvalidArgument with
// reason "bad_path" for a malformed escape ("%zz", a truncated "%" or "%4") and for a NUL byte,
// whether literal or decoded from "%00". Thread-safe.
Result<std::string> PercentDecodePath(std::string_view raw_path);

// Maps a URL path (already split from the query, still percent-encoded, starting with '/') to a
// regular file under `root`, an existing directory (expected absolute and canonical; it is
// canonicalised again here to be safe). "/" and paths ending in "/" map to that directory's
// index.html. On success returns the canonical path of the file, which is inside root.
//
// Returns Status::NotFound(..., "not_found"), with one message for every case so a client cannot
// tell an escape attempt from a missing file, when the path: does not start with '/', is longer
// than kMaxStaticUrlPathLength, has a bad escape, a NUL, a backslash (literal or %5c), an encoded
// slash (%2f), an empty segment other than the trailing one, a "." or ".." segment (literal or
// encoded), or any segment starting with '.' (hidden files such as .git, .env); or when the
// target does not exist, resolves after following symlinks outside root or onto a hidden entry
// under root, or is not a regular file (a directory without a trailing slash is refused, not
// redirected). Thread-safe; the answer reflects the file system at the time of the call, so the
// caller opens the returned path and must still handle the file vanishing.
Result<std::filesystem::path> ResolveStaticPath(const std::filesystem::path& root,
                                                std::string_view url_path);

// The Content-Type for `path` by its extension, compared case-insensitively: html/htm, css,
// js/mjs, json, webmanifest, svg, png, jpg/jpeg, webp, gif, ico, mp4, webm, mp3, wav, ogg, m4a,
// txt, woff2, wasm, map. text/* types carry "; charset=utf-8". Anything else, including no
// extension, is "application/octet-stream". The view refers to static storage.
std::string_view MimeTypeFor(const std::filesystem::path& path);

// A strong ETag built from a file's size and modification time, quoted as the header carries it:
// "\"<size hex>-<mtime ns since the clock's epoch, hex>\"". A change to either yields a new tag.
std::string MakeETag(uint64_t size, std::filesystem::file_time_type mtime);

// RFC 9110 §13.1.2 If-None-Match evaluation: true when `header` is "*" or a comma-separated list
// of entity tags one of which matches `etag` under weak comparison (a "W/" prefix on either side
// is ignored; the opaque tags must be equal). Malformed list members are skipped. `etag` is the
// quoted tag as MakeETag returns it. An empty header matches nothing.
bool IfNoneMatchMatches(std::string_view header, std::string_view etag);

// A run of `length` bytes starting at `offset` within a representation.
struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

enum class RangeKind {
  kNone,           // no Range header, or one to ignore: serve the whole representation (200)
  kSingle,         // serve `range` (206)
  kUnsatisfiable,  // 416 with UnsatisfiedContentRangeHeader
};

struct RangeRequest {
  RangeKind kind = RangeKind::kNone;
  ByteRange range;  // meaningful only for kSingle; then length > 0 and it ends within size
};

// Evaluates an RFC 9110 §14.2 Range header against a representation of `size` bytes.
// Accepts "bytes=a-b", "bytes=a-" and "bytes=-n" (the unit is case-insensitive; optional
// whitespace is allowed around the header and around list members, and empty list members are
// ignored, but not inside a range-spec). Returns:
//   kNone for an empty header, an unknown unit, any syntax error (including b < a), and for a
//     list of more than one range: multipart/byteranges is not implemented, and RFC 9110 lets a
//     server ignore Range, so a multi-range request gets the whole representation with 200.
//     Also kNone for a non-zero suffix on an empty representation: RFC 9110 calls it satisfiable,
//     but a 206 cannot describe zero bytes, so the (empty) whole is served.
//   kUnsatisfiable when a starts at or past size (always for size 0) and for "bytes=-0".
//   kSingle otherwise, with b clamped to size - 1 and a suffix longer than size meaning the whole.
// Numbers too large for uint64_t saturate instead of overflowing, so a huge first-pos is
// unsatisfiable and a huge last-pos or suffix-length is clamped.
RangeRequest ParseRange(std::string_view header, uint64_t size);

// The Content-Range value for a 206: "bytes <first>-<last>/<size>". Requires r.length > 0.
std::string ContentRangeHeader(const ByteRange& r, uint64_t size);

// The Content-Range value for a 416: "bytes */<size>".
std::string UnsatisfiedContentRangeHeader(uint64_t size);

}  // namespace vmsg::http
