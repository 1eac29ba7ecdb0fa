// Serving files: the web UI from a directory, and any single file with ETag, conditional
// GET and byte ranges (used again for signed object downloads).
#pragma once

#include <filesystem>
#include <string_view>

#include "http/router.h"

namespace vmsg::api {

// A response for `file` honouring the request's If-None-Match (304) and Range (206/416).
// `file` must be a regular file the caller has already vetted. `cache_control` is sent as is.
http::Response ServeFile(const http::Request& request, const std::filesystem::path& file,
                         std::string_view content_type, std::string_view cache_control);

// Registers GET (and HEAD) "/{path...}" serving files under `root`; "/" serves index.html.
// Anything outside the root, hidden or missing is 404. Register it after every API route.
void AddStaticFiles(http::Router& router, std::filesystem::path root);

}  // namespace vmsg::api
