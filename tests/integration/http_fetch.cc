// libcurl behind the three calls the tests need; every transfer bounded to 60 s.
#include "http_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace vmsg::testing {
namespace {

constexpr long kTimeoutSeconds = 60;

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(out);
  const size_t colon = line.find(':');
  if (line.starts_with("HTTP/")) headers->clear();  // a new response (after 100 Continue)
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
      value.erase(0, 1);
    }
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
      value.pop_back();
    }
    headers->emplace_back(std::move(name), std::move(value));
  }
  return size * n;
}

struct Easy {
  Easy() : curl(curl_easy_init()) {}
  ~Easy() {
    if (list != nullptr) curl_slist_free_all(list);
    if (mime != nullptr) curl_mime_free(mime);
    curl_easy_cleanup(curl);
  }
  CURL* curl;
  curl_slist* list = nullptr;
  curl_mime* mime = nullptr;
};

FetchResult Perform(Easy& easy, const std::string& url) {
  FetchResult result;
  curl_easy_setopt(easy.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.curl, CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(easy.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy.curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(easy.curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy.curl, CURLOPT_HEADERDATA, &result.headers);
  if (easy.list != nullptr) curl_easy_setopt(easy.curl, CURLOPT_HTTPHEADER, easy.list);
  const CURLcode code = curl_easy_perform(easy.curl);
  if (code != CURLE_OK) {
    result.error = curl_easy_strerror(code);
    return result;
  }
  curl_easy_getinfo(easy.curl, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace

std::string FetchResult::Header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

FetchResult HttpGet(const std::string& url, const std::vector<std::string>& headers) {
  Easy easy;
  for (const std::string& h : headers) easy.list = curl_slist_append(easy.list, h.c_str());
  return Perform(easy, url);
}

FetchResult HttpPostForm(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& fields,
                         const std::string& filename, const std::string& file_content_type,
                         const std::string& data) {
  Easy easy;
  easy.mime = curl_mime_init(easy.curl);
  for (const auto& [name, value] : fields) {
    curl_mimepart* part = curl_mime_addpart(easy.mime);
    curl_mime_name(part, name.c_str());
    curl_mime_data(part, value.data(), value.size());
  }
  curl_mimepart* file = curl_mime_addpart(easy.mime);
  curl_mime_name(file, "file");
  curl_mime_filename(file, filename.c_str());
  curl_mime_type(file, file_content_type.c_str());
  curl_mime_data(file, data.data(), data.size());
  curl_easy_setopt(easy.curl, CURLOPT_MIMEPOST, easy.mime);
  // No "Expect: 100-continue" round trip: send like a browser.
  easy.list = curl_slist_append(easy.list, "Expect:");
  return Perform(easy, url);
}

FetchResult HttpPostJson(const std::string& url, const std::string& json,
                         const std::vector<std::string>& headers) {
  Easy easy;
  easy.list = curl_slist_append(easy.list, "Content-Type: application/json");
  for (const std::string& h : headers) easy.list = curl_slist_append(easy.list, h.c_str());
  curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
  return Perform(easy, url);
}

}  // namespace vmsg::testing
