// A webhook POST (see sender.h).
#include "webhooks/sender.h"

#include <curl/curl.h>

#include <memory>

namespace vmsg::webhooks {
namespace {

// The receiver's body is not read: only its status matters.
size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

PostOutcome PostJson(const CallbackUrl& url, const std::string& address, std::string_view body,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::chrono::milliseconds timeout) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {0, "curl could not start"};
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  for (const auto& [name, value] : headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned_list(list, curl_slist_free_all);
  const bool literal_v6 = address.find(':') != std::string::npos;
  const std::string pin = url.host + ":" + std::to_string(url.port) + ":" +
                          (literal_v6 ? "[" + address + "]" : address);
  curl_slist* resolve = curl_slist_append(nullptr, pin.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned_resolve(resolve,
                                                                            curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never through an environment proxy
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return {0, error[0] != '\0' ? error : curl_easy_strerror(rc)};
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return {static_cast<int>(status), ""};
}

}  // namespace vmsg::webhooks
