// Static files: path resolution is static_files.cc's job; this turns a vetted file into a
// full, partial or not-modified response.
#include "api/static_handler.h"

#include <system_error>

#include "http/static_files.h"

namespace vmsg::api {

http::Response ServeFile(const http::Request& request, const std::filesystem::path& file,
                         std::string_view content_type, std::string_view cache_control) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  const auto mtime = std::filesystem::last_write_time(file, ec);
  if (ec) return http::ProblemResponse(404, "not_found", "no such file", request.request_id);
  const std::string etag = http::MakeETag(size, mtime);

  http::Response r;
  r.headers.Set("ETag", etag);
  r.headers.Set("Accept-Ranges", "bytes");
  r.headers.Set("Cache-Control", std::string(cache_control));
  if (auto inm = request.headers.Get("If-None-Match");
      inm && http::IfNoneMatchMatches(*inm, etag)) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", std::string(content_type));
  const auto range_header = request.headers.Get("Range");
  const http::RangeRequest range =
      range_header ? http::ParseRange(*range_header, size) : http::RangeRequest{};
  switch (range.kind) {
    case http::RangeKind::kUnsatisfiable: {
      http::Response bad = http::ProblemResponse(
          416, "range_not_satisfiable",
          "the requested range lies outside the " + std::to_string(size) + "-byte file",
          request.request_id);
      bad.headers.Set("Content-Range", http::UnsatisfiedContentRangeHeader(size));
      return bad;
    }
    case http::RangeKind::kSingle:
      r.status = 206;
      r.headers.Set("Content-Range", http::ContentRangeHeader(range.range, size));
      r.body = http::FileBody{file, range.range.offset, range.range.length};
      return r;
    case http::RangeKind::kNone:
      break;
  }
  r.status = 200;
  r.body = http::FileBody{file, 0, size};
  return r;
}

void AddStaticFiles(http::Router& router, std::filesystem::path root) {
  http::RouteOptions options;
  options.max_body_bytes = 0;
  options.doc.hidden = true;
  router.Add("GET", "/{path...}", http::Sync([root = std::move(root)](http::Request& request) {
               Result<std::filesystem::path> file =
                   http::ResolveStaticPath(root, "/" + std::string(request.Param("path")));
               if (!file.ok()) {
                 return http::ProblemResponse(404, "not_found", "no resource at " + request.path,
                                              request.request_id);
               }
               // Revalidate every time (cheap with ETags), so a new release is seen at once.
               return ServeFile(request, *file, http::MimeTypeFor(*file), "no-cache");
             }),
             std::move(options));
}

}  // namespace vmsg::api
