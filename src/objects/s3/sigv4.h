// AWS Signature Version 4, as pure functions: canonical request, string to sign, signing
// key, the Authorization header, query presigning and POST policy signing. Nothing here
// reads a clock or the network; the caller passes the time. Paths and query parameters are
// given unencoded and encoded here exactly once, as S3 expects (S3 does not double-encode
// the path nor normalise "." segments, unlike the other services).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "objects/post_policy.h"

namespace vmsg::objects::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
// The payload hash a request may declare instead of hashing its body.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// X-Amz-Expires may be at most seven days.
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

// Who signs, where and when: the credential scope and the request time.
struct SigningContext {
  Credentials credentials;
  std::string region;
  std::string service = "s3";
  TimePoint time;
};

using Params = std::vector<std::pair<std::string, std::string>>;

// A request as it goes on the wire, before signing.
struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // unencoded, starting with '/': "/bucket/dir/file name.txt"
  Params query;        // unencoded names and values, any order, repeats allowed
  Params headers;      // as sent, including Host; names in any case
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash;
};

// "20150830T123600Z" and "20150830".
std::string AmzDate(TimePoint t);
std::string DateStamp(TimePoint t);
// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(const SigningContext& context);

// The path with each segment URI-encoded ('/' kept): "/dir/file%20name.txt".
std::string CanonicalUri(std::string_view path);
// Names and values URI-encoded, sorted by name then value, joined with '&'.
std::string CanonicalQuery(const Params& query);
// Also the query string to send: the same encoding in the same order.
inline std::string EncodeQuery(const Params& query) { return CanonicalQuery(query); }

struct CanonicalHeaders {
  std::string block;           // "host:example.com\nx-amz-date:...\n"
  std::string signed_headers;  // "host;x-amz-date"
};
// Lower-cased names, values trimmed with inner runs of whitespace collapsed to one space,
// repeated headers joined with ',' in the order given, sorted by name.
CanonicalHeaders CanonicalizeHeaders(const Params& headers);

std::string CanonicalRequest(const Request& request);
std::string StringToSign(const SigningContext& context, std::string_view canonical_request);
// The raw 32-byte key: HMAC chain over date, region, service and "aws4_request".
std::string SigningKey(const SigningContext& context);
// Hex HMAC of `string_to_sign` with the signing key.
std::string Signature(const SigningContext& context, std::string_view string_to_sign);

// Adds X-Amz-Date (and, for service "s3", X-Amz-Content-Sha256) to `request.headers` and
// returns the value of the Authorization header for it (every header given is signed).
std::string SignHeaders(const SigningContext& context, Request& request);

// The query parameters a presigned request carries, X-Amz-Signature last; `request.query`
// holds the request's own parameters (e.g. none for a GET), its headers only Host.
// InvalidArgument when `expires_in` is not in 1..kMaxPresignExpiry.
Result<Params> PresignQuery(const SigningContext& context, const Request& request,
                            std::chrono::seconds expires_in);

using objects::PolicyCondition;

// The policy document (objects/post_policy.h) with the given conditions followed by the
// x-amz-algorithm, x-amz-credential and x-amz-date ones for `context`.
std::string PolicyDocument(const SigningContext& context, TimePoint expiration,
                           const std::vector<PolicyCondition>& conditions);

struct SignedPolicy {
  std::string policy_base64;
  std::string signature;  // hex
};
// Base64 of the document and the hex HMAC of that base64 text with the signing key.
SignedPolicy SignPolicy(const SigningContext& context, std::string_view policy_document);

}  // namespace vmsg::objects::sigv4
