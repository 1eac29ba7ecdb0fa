// Plain HTTP requests with libcurl, as a browser or a script would make them against the
// URLs and forms an object store hands out (no vmsg code on the client side).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vmsg::testing {

struct FetchResult {
  long status = 0;  // 0: the transfer failed (see error)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string error;

  // The first header of that (lower-case) name, or "".
  std::string Header(const std::string& name) const;
};

// GET `url` with extra request headers ("Range: bytes=0-3").
FetchResult HttpGet(const std::string& url, const std::vector<std::string>& headers = {});

// POSTs multipart/form-data: `fields` in order, then a part named "file" with `filename`,
// `file_content_type` and `data`.
FetchResult HttpPostForm(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& fields,
                         const std::string& filename, const std::string& file_content_type,
                         const std::string& data);

// POSTs a JSON body, with `headers` ("Name: value") besides its Content-Type.
FetchResult HttpPostJson(const std::string& url, const std::string& json,
                         const std::vector<std::string>& headers = {});

}  // namespace vmsg::testing
