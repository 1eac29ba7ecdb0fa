// The request and response types handlers see. They are our own small structs, so that
// handlers never include Beast; only the server translates between them and the wire.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "http/text.h"

namespace vmsg::http {

// Header fields in order, names compared case-insensitively.
class Headers {
 public:
  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Replaces every field named `name` with one holding `value`.
  void Set(std::string_view name, std::string value);
  // Appends a field (for repeatable headers such as Vary).
  void Add(std::string_view name, std::string value);
  bool Has(std::string_view name) const { return Get(name).has_value(); }

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// The body of a request, read as it arrives. Implementations: the socket reader in the
// server, and an in-memory one for tests and the fuzzer.
class BodyReader {
 public:
  virtual ~BodyReader() = default;

  // Reads the next piece of the body into `out` (replacing its contents). Returns true
  // with at least one byte, or false once the body has ended. Errors:
  //   ResourceExhausted "payload_too_large"  the body passed the route's limit
  //   InvalidArgument "malformed_body"       bad chunked encoding
  //   DeadlineExceeded "request_timeout"     the client sent too slowly
  //   Unavailable "connection_lost"          the client went away
  // Not thread-safe; called from the request's own coroutine.
  virtual boost::asio::awaitable<Result<bool>> Read(std::string& out) = 0;

  // True once the whole body has been read (an empty body is complete from the start).
  virtual bool complete() const = 0;

  // Caps the body at `limit` bytes; Read fails with "payload_too_large" past it.
  virtual void SetLimit(uint64_t limit) = 0;
};

// A BodyReader over a string held in memory, handed out in pieces of at most `piece` bytes.
class StringBodyReader final : public BodyReader {
 public:
  explicit StringBodyReader(std::string body, size_t piece = 65536);
  boost::asio::awaitable<Result<bool>> Read(std::string& out) override;
  bool complete() const override { return offset_ >= body_.size(); }
  void SetLimit(uint64_t limit) override { limit_ = limit; }

 private:
  std::string body_;
  uint64_t limit_ = UINT64_MAX;
  size_t piece_;
  size_t offset_ = 0;
};

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received: "/a/b?x=1"
  std::string path;    // the part of target before '?', still percent-encoded
  std::string query;   // the part after '?', without it
  Headers headers;
  // Path parameters from the route pattern, percent-decoded.
  std::map<std::string, std::string, std::less<>> params;
  std::string request_id;
  // The client's IP address: the peer's, or from X-Forwarded-For when the peer is a
  // trusted proxy (set by the dispatcher).
  std::string remote_address;
  // The id of the API key the request was made with (set by the dispatcher); empty when
  // the server does not require keys or the route is open.
  std::string api_key_id;
  // The route's body limit (set by the dispatcher before the handler runs).
  uint64_t body_limit = 0;
  BodyReader* body = nullptr;  // never null once dispatched

  std::string_view Param(std::string_view name) const;
  // The first value of a query parameter, percent-decoded ('+' as space).
  std::optional<std::string> QueryParam(std::string_view name) const;
};

// Whether `origin` (an Origin header: scheme://host[:port]) names the server the request was
// sent to, as its Host header does (behind a proxy that terminates TLS the scheme differs,
// so only the host and port are compared, case-insensitively).
bool IsSameOrigin(std::string_view origin, const Request& request);

// Reads the whole body (at most `limit` bytes, else ResourceExhausted "payload_too_large").
boost::asio::awaitable<Result<std::string>> ReadAll(Request& request);

// A byte range of a file sent as the response body (static files, videos).
struct FileBody {
  std::filesystem::path path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Writes pieces of a streamed body to the client.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Sends `data` at once (no buffering). False when the client has gone away: stop then.
  virtual boost::asio::awaitable<bool> Write(std::string_view data) = 0;
};

// A body produced while it is being sent (Server-Sent Events). It has no length: the
// response is delimited by closing the connection when `produce` returns.
struct StreamBody {
  std::function<boost::asio::awaitable<void>(StreamWriter&)> produce;
};

// The server side of an accepted WebSocket connection (RFC 6455), as handlers see it.
// Control frames (ping, pong, close) are handled underneath; the server pings an idle
// connection every half of its idle timeout and drops a peer that stops answering.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Sends one text message. False once the connection is closed or broken.
  virtual boost::asio::awaitable<bool> SendText(std::string_view text) = 0;
  // Sends a close frame with the normal-closure code and waits for the peer's reply.
  virtual boost::asio::awaitable<void> Close() = 0;
  // False once the peer closed the connection or it broke.
  virtual bool open() const = 0;
  // Pongs received so far (answers to the server's pings).
  virtual uint64_t pongs() const = 0;
};

// Asks the server to switch the connection to WebSocket: when the request is a valid
// upgrade, the server completes the handshake (101, with this response's headers) and
// runs `run` until it returns, then closes.
struct UpgradeBody {
  std::function<boost::asio::awaitable<void>(WebSocket&)> run;
};

struct Response {
  int status = 200;
  Headers headers;
  std::variant<std::string, FileBody, StreamBody, UpgradeBody> body;
  // Close the connection after this response (set for errors that leave the request
  // body unread).
  bool close = false;

  static Response Json(int status, const vmsg::Json& value);
  static Response Text(int status, std::string text, std::string content_type);
  static Response Empty(int status);
  // The length of a string or file body; 0 for a stream, whose length is not known.
  uint64_t BodySize() const;
};

// An RFC 9457 problem+json response with a stable `code`:
// {type, title, status, detail, code, request_id}.
Response ProblemResponse(int status, std::string_view code, std::string_view detail,
                         std::string_view request_id = {});

// Maps a Status to its HTTP problem response, in one place: InvalidArgument 400,
// NotFound 404, PermissionDenied 403, AlreadyExists/FailedPrecondition 409,
// ResourceExhausted 413 (429 for reason "rate_limited"), Unavailable 503,
// DeadlineExceeded 504, Unimplemented 501, everything else 500. The code is the status's
// reason when it has one. Internal errors never show their message to the client.
Response ProblemFromStatus(const Status& status, std::string_view request_id = {});
int HttpStatusFor(const Status& status);

// "Not Found" for 404, etc.
std::string_view ReasonPhrase(int status);

// Percent-decodes a query component ('+' is a space). nullopt for bad escapes.
std::optional<std::string> DecodeQueryComponent(std::string_view text);

}  // namespace vmsg::http
