// AWS Signature Version 4 (see sigv4.h).
#include "objects/s3/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/ascii.h"
#include "base/crypto.h"
#include "base/json.h"

namespace vmsg::objects::sigv4 {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

std::string FormatUtc(TimePoint t, bool with_time) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss hms(secs - days);
  char buf[32];
  if (with_time) {
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
  return buf;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Trimmed, with each inner run of blanks turned into one space.
std::string CollapseSpaces(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string AmzDate(TimePoint t) { return FormatUtc(t, true); }
std::string DateStamp(TimePoint t) { return FormatUtc(t, false); }

std::string CredentialScope(const SigningContext& context) {
  return DateStamp(context.time) + "/" + context.region + "/" + context.service + "/" +
         std::string(kTerminator);
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  return UriEncode(path, /*keep_slash=*/true);
}

std::string CanonicalQuery(const Params& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

CanonicalHeaders CanonicalizeHeaders(const Params& headers) {
  std::map<std::string, std::string> merged;  // sorted by lower-case name
  for (const auto& [name, value] : headers) {
    auto [it, inserted] = merged.emplace(AsciiLowerCopy(name), CollapseSpaces(value));
    if (!inserted) it->second += "," + CollapseSpaces(value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  return out;
}

std::string CanonicalRequest(const Request& request) {
  const CanonicalHeaders headers = CanonicalizeHeaders(request.headers);
  return request.method + "\n" + CanonicalUri(request.path) + "\n" + CanonicalQuery(request.query) +
         "\n" + headers.block + "\n" + headers.signed_headers + "\n" + request.payload_hash;
}

std::string StringToSign(const SigningContext& context, std::string_view canonical_request) {
  return std::string(kAlgorithm) + "\n" + AmzDate(context.time) + "\n" + CredentialScope(context) +
         "\n" + Sha256Hex(canonical_request);
}

std::string SigningKey(const SigningContext& context) {
  const std::string date_key =
      HmacSha256("AWS4" + context.credentials.secret_key, DateStamp(context.time));
  const std::string region_key = HmacSha256(date_key, context.region);
  const std::string service_key = HmacSha256(region_key, context.service);
  return HmacSha256(service_key, kTerminator);
}

std::string Signature(const SigningContext& context, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(SigningKey(context), string_to_sign));
}

std::string SignHeaders(const SigningContext& context, Request& request) {
  request.headers.emplace_back("X-Amz-Date", AmzDate(context.time));
  // S3 wants the payload hash as a header too; the other services only sign it.
  if (context.service == "s3") {
    request.headers.emplace_back("X-Amz-Content-Sha256", request.payload_hash);
  }
  const std::string canonical = CanonicalRequest(request);
  const std::string signature = Signature(context, StringToSign(context, canonical));
  return std::string(kAlgorithm) + " Credential=" + context.credentials.access_key + "/" +
         CredentialScope(context) +
         ", SignedHeaders=" + CanonicalizeHeaders(request.headers).signed_headers +
         ", Signature=" + signature;
}

Result<Params> PresignQuery(const SigningContext& context, const Request& request,
                            std::chrono::seconds expires_in) {
  if (expires_in.count() < 1 || expires_in > kMaxPresignExpiry) {
    return Status::InvalidArgument(
        "presigned URL expiry must be 1.." + std::to_string(kMaxPresignExpiry.count()) + " s",
        "invalid_expiry");
  }
  Request signed_request = request;
  signed_request.payload_hash = std::string(kUnsignedPayload);
  Params added = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", context.credentials.access_key + "/" + CredentialScope(context)},
      {"X-Amz-Date", AmzDate(context.time)},
      {"X-Amz-Expires", std::to_string(expires_in.count())},
      {"X-Amz-SignedHeaders", CanonicalizeHeaders(request.headers).signed_headers},
  };
  signed_request.query.insert(signed_request.query.end(), added.begin(), added.end());
  const std::string signature =
      Signature(context, StringToSign(context, CanonicalRequest(signed_request)));
  Params out = std::move(signed_request.query);
  out.emplace_back("X-Amz-Signature", signature);
  return out;
}

std::string PolicyDocument(const SigningContext& context, TimePoint expiration,
                           const std::vector<PolicyCondition>& conditions) {
  return objects::PolicyDocument(
      expiration, conditions,
      {{"x-amz-algorithm", std::string(kAlgorithm)},
       {"x-amz-credential", context.credentials.access_key + "/" + CredentialScope(context)},
       {"x-amz-date", AmzDate(context.time)}});
}

SignedPolicy SignPolicy(const SigningContext& context, std::string_view policy_document) {
  SignedPolicy out;
  out.policy_base64 = Base64Encode(policy_document);
  out.signature = Signature(context, out.policy_base64);
  return out;
}

}  // namespace vmsg::objects::sigv4
