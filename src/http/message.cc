// Request/response helpers and the single Status -> HTTP mapping.
#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace vmsg::http {

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (EqualsIgnoreCase(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [name](const auto& f) { return EqualsIgnoreCase(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::Add(std::string_view name, std::string value) {
  fields_.emplace_back(std::string(name), std::move(value));
}

StringBodyReader::StringBodyReader(std::string body, size_t piece)
    : body_(std::move(body)), piece_(std::max<size_t>(piece, 1)) {}

boost::asio::awaitable<Result<bool>> StringBodyReader::Read(std::string& out) {
  if (offset_ >= body_.size()) co_return false;
  if (offset_ + std::min(piece_, body_.size() - offset_) > limit_) {
    co_return Status::ResourceExhausted("the request body is larger than this route accepts",
                                        "payload_too_large");
  }
  const size_t n = std::min(piece_, body_.size() - offset_);
  out.assign(body_, offset_, n);
  offset_ += n;
  co_return true;
}

std::string_view Request::Param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

std::optional<std::string> DecodeQueryComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        return std::nullopt;
      }
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    const auto key = DecodeQueryComponent(pair.substr(0, eq));
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return DecodeQueryComponent(pair.substr(eq + 1));
  }
  return std::nullopt;
}

boost::asio::awaitable<Result<std::string>> ReadAll(Request& request) {
  std::string all;
  std::string piece;
  for (;;) {
    Result<bool> more = co_await request.body->Read(piece);
    if (!more.ok()) co_return more.status();
    if (!*more) break;
    if (all.size() + piece.size() > request.body_limit) {
      co_return Status::ResourceExhausted("the request body is larger than the " +
                                              std::to_string(request.body_limit) +
                                              " bytes this route accepts",
                                          "payload_too_large");
    }
    all += piece;
  }
  co_return all;
}

Response Response::Json(int status, const vmsg::Json& value) {
  return Text(status, DumpJson(value), "application/json");
}

Response Response::Text(int status, std::string text, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(text);
  return r;
}

Response Response::Empty(int status) {
  Response r;
  r.status = status;
  return r;
}

uint64_t Response::BodySize() const {
  if (const auto* s = std::get_if<std::string>(&body)) return s->size();
  if (const auto* f = std::get_if<FileBody>(&body)) return f->length;
  return 0;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

Response ProblemResponse(int status, std::string_view code, std::string_view detail,
                         std::string_view request_id) {
  vmsg::Json j = {
      {"type", "urn:vmsg:problem:" + std::string(code)},
      {"title", ReasonPhrase(status)},
      {"status", status},
      {"detail", detail},
      {"code", code},
  };
  if (!request_id.empty()) j["request_id"] = request_id;
  Response r = Response::Text(status, DumpJson(j), "application/problem+json");
  return r;
}

bool IsSameOrigin(std::string_view origin, const Request& request) {
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  const auto host = request.headers.Get("Host");
  return host && !host->empty() && EqualsIgnoreCase(origin.substr(scheme_end + 3), *host);
}

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return status.reason() == "rate_limited" ? 429 : 413;
    case StatusCode::kUnavailable:
      // A client that went away mid-request is the client's doing, not an outage.
      return status.reason() == "connection_lost" ? 400 : 503;
    case StatusCode::kDeadlineExceeded:
      // The client's request arriving too slowly is a 408; anything else timing out is ours.
      return status.reason() == "request_timeout" ? 408 : 504;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kCancelled:
      return 409;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Response ProblemFromStatus(const Status& status, std::string_view request_id) {
  const int http_status = HttpStatusFor(status);
  std::string code = status.reason();
  if (code.empty()) {
    for (char c : StatusCodeName(status.code())) {
      code += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  const bool hide = http_status >= 500 && status.code() != StatusCode::kUnavailable &&
                    status.code() != StatusCode::kUnimplemented;
  return ProblemResponse(http_status, code,
                         hide ? "an internal error occurred; the server log has the details "
                                "under this request id"
                              : status.message(),
                         request_id);
}

}  // namespace vmsg::http
