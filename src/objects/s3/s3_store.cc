// S3ObjectStore over libcurl (see s3_store.h). One S3Client does signed HTTP with retries;
// S3ObjectStore maps the ObjectStore contract onto S3's REST calls.
#include "objects/s3/s3_store.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "base/ascii.h"
#include "base/crypto.h"
#include "objects/s3/s3_xml.h"
#include "objects/s3/sigv4.h"

namespace vmsg::objects {
namespace {

// Backoff before retry n (from 0): a uniformly random wait up to min(cap, base * 2^n).
constexpr std::chrono::milliseconds kBackoffBase{100};
constexpr std::chrono::milliseconds kBackoffCap{5000};
// Error bodies are small XML documents; more than this is not an S3 error worth keeping.
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;
// ListObjectsV2 returns at most this many keys per page.
constexpr int kMaxListKeys = 1000;
// Idle curl handles kept for reuse (each holds its connections).
constexpr size_t kMaxIdleHandles = 16;

std::string Md5Base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// What one HTTP exchange produced, before it is judged.
struct Outcome {
  CURLcode curl = CURLE_OK;
  std::string curl_error;
  long http_status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // unless streamed to a sink
  Status sink_status;                          // what a sink said when it stopped us
  uint64_t delivered = 0;                      // bytes handed to the sink
};

// The one place S3's answers become Statuses: transport failures, HTTP statuses and the
// <Error><Code> of S3's XML error documents.
Status MapS3Error(const Outcome& outcome, std::string_view operation) {
  const std::string op(operation);
  if (!outcome.sink_status.ok()) return outcome.sink_status;
  switch (outcome.curl) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(op + ": S3 request timed out: " + outcome.curl_error);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return Status::Unavailable(op + ": S3 endpoint unreachable: " + outcome.curl_error);
    case CURLE_READ_ERROR:
      return Status::DataLoss(op + ": reading the upload failed: " + outcome.curl_error);
    default:
      return Status::Internal(op + ": curl error " + std::to_string(outcome.curl) + ": " +
                              outcome.curl_error);
  }
  const long http = outcome.http_status;
  if (http >= 200 && http < 300) {
    // CompleteMultipartUpload (and a few others) report failures in a 200 response.
    if (outcome.body.find("<Error>") == std::string::npos) return Status::Ok();
  }
  const auto [code, message] = s3xml::ParseError(outcome.body);
  const std::string what = op + ": S3 " + std::to_string(http) + (code.empty() ? "" : " " + code) +
                           (message.empty() ? "" : ": " + message);
  if (code == "NoSuchKey" || code == "NoSuchBucket" || code == "NoSuchUpload" ||
      code == "NoSuchLifecycleConfiguration" || (code.empty() && http == 404)) {
    return Status::NotFound(what);
  }
  if (code == "AccessDenied" || code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
      code == "InvalidClientTokenId" || code == "RequestTimeTooSkewed" ||
      (code.empty() && http == 403)) {
    return Status::PermissionDenied(what);
  }
  if (code == "InvalidRange" || http == 416) {
    return Status::InvalidArgument(what, "range_not_satisfiable");
  }
  if (code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
      http >= 500) {
    return Status::Unavailable(what);
  }
  if (code == "RequestTimeout") return Status::DeadlineExceeded(what);
  if (code == "BucketAlreadyOwnedByYou") return Status::AlreadyExists(what);
  // The name is taken by another account: nothing this configuration can use.
  if (code == "BucketAlreadyExists") return Status::FailedPrecondition(what);
  if (code == "EntityTooLarge") return Status::ResourceExhausted(what, "object_too_large");
  if (http == 301 || code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed") {
    return Status::FailedPrecondition(what + " (is the region right?)");
  }
  if (http == 412 || http == 409) return Status::FailedPrecondition(what);
  if (http >= 400 && http < 500) return Status::InvalidArgument(what);
  return Status::Internal(what);
}

// A request to the bucket (key empty) or to one object.
struct Call {
  std::string operation;  // for messages: "GetObject images/x.jpg"
  std::string method;
  std::string key;
  sigv4::Params query;
  sigv4::Params headers;  // besides Host and the signature's
  // The body: `body`, or `length` bytes of `file` from `offset`.
  std::string_view body;
  const std::filesystem::path* file = nullptr;
  uint64_t offset = 0;
  uint64_t length = 0;
  // 2xx bodies go here when set; other bodies are kept in Outcome::body.
  const ChunkSink* sink = nullptr;
  // Safe to repeat after a retryable failure.
  bool idempotent = false;
};

struct Transfer {
  CURL* handle = nullptr;
  const Call* call = nullptr;
  Outcome* outcome = nullptr;
  std::FILE* file = nullptr;
  uint64_t remaining = 0;  // body bytes still to send
  size_t body_pos = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t want = static_cast<size_t>(std::min<uint64_t>(size * count, t->remaining));
  if (want == 0) return 0;
  size_t got = 0;
  if (t->file != nullptr) {
    got = std::fread(buffer, 1, want, t->file);
    if (got == 0) return CURL_READFUNC_ABORT;  // the file shrank under us
  } else {
    got = want;
    std::memcpy(buffer, t->call->body.data() + t->body_pos, got);
    t->body_pos += got;
  }
  t->remaining -= got;
  return got;
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (t->call->sink != nullptr && status >= 200 && status < 300) {
    Status s = (*t->call->sink)(std::string_view(data, n));
    if (!s.ok()) {
      t->outcome->sink_status = std::move(s);
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    t->outcome->delivered += n;
    return n;
  }
  const bool success = status >= 200 && status < 300;
  if (success || t->outcome->body.size() < kMaxErrorBodyBytes) t->outcome->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    t->outcome->headers.clear();  // a new response (after 100 Continue or a redirect)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->outcome->headers[AsciiLowerCopy(line.substr(0, colon))] = std::string(value);
  return n;
}

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // as in the Host header: name[:port]
};

Result<Endpoint> ParseEndpoint(const S3Options& options) {
  if (options.endpoint.empty()) {
    return Endpoint{"https", "s3." + options.region + ".amazonaws.com"};
  }
  const size_t sep = options.endpoint.find("://");
  if (sep == std::string::npos) {
    return Status::InvalidArgument("S3 endpoint must start with http:// or https://: " +
                                   options.endpoint);
  }
  Endpoint out{AsciiLowerCopy(options.endpoint.substr(0, sep)), options.endpoint.substr(sep + 3)};
  while (!out.host.empty() && out.host.back() == '/') out.host.pop_back();
  if ((out.scheme != "http" && out.scheme != "https") || out.host.empty() ||
      out.host.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 endpoint must be http(s)://host[:port]: " +
                                   options.endpoint);
  }
  return out;
}

class S3Client {
 public:
  S3Client(S3Options options, Endpoint endpoint, const Clock& clock)
      : options_(std::move(options)),
        endpoint_(std::move(endpoint)),
        clock_(clock),
        rng_(std::hash<std::string>{}(RandomBytes(16))) {}

  ~S3Client() {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  const S3Options& options() const { return options_; }

  std::string Host() const {
    return options_.path_style ? endpoint_.host : options_.bucket + "." + endpoint_.host;
  }
  // The unencoded path of `key` (of the bucket when empty).
  std::string Path(std::string_view key) const {
    std::string path = options_.path_style ? "/" + options_.bucket : "";
    if (!key.empty() || !options_.path_style) path += "/" + std::string(key);
    return path;
  }
  std::string Url(std::string_view key, const sigv4::Params& query) const {
    std::string url = endpoint_.scheme + "://" + Host() + sigv4::CanonicalUri(Path(key));
    if (!query.empty()) url += "?" + sigv4::EncodeQuery(query);
    return url;
  }
  // The URL a POST form goes to: the bucket's.
  std::string BucketUrl() const { return endpoint_.scheme + "://" + Host() + Path(""); }

  sigv4::SigningContext Context() const {
    sigv4::SigningContext context;
    context.credentials = {options_.access_key, options_.secret_key};
    context.region = options_.region;
    context.service = "s3";
    context.time = clock_.Now();
    return context;
  }

  // Performs `call`, retrying idempotent calls on retryable errors. OK only for a 2xx
  // answer without an <Error> document.
  Result<Outcome> Do(const Call& call) {
    const int tries = call.idempotent ? 1 + std::max(0, options_.max_retries) : 1;
    for (int attempt = 0;; ++attempt) {
      Outcome outcome = Attempt(call);
      Status status = MapS3Error(outcome, call.operation);
      if (status.ok()) return outcome;
      // A sink that already has bytes cannot take them again.
      if (!status.IsRetryable() || attempt + 1 >= tries || outcome.delivered > 0) return status;
      std::this_thread::sleep_for(Backoff(attempt));
    }
  }

 private:
  std::chrono::milliseconds Backoff(int attempt) {
    const auto ceiling =
        std::min<int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(attempt, 16));
    std::lock_guard lock(rng_mutex_);
    return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, ceiling)(rng_));
  }

  CURL* Acquire() {
    {
      std::lock_guard lock(idle_mutex_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* h) {
    std::lock_guard lock(idle_mutex_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  Outcome Attempt(const Call& call) {
    Outcome outcome;
    Transfer t;
    t.call = &call;
    t.outcome = &outcome;
    const bool has_body = call.method == "PUT" || call.method == "POST";
    sigv4::Request request;
    request.method = call.method;
    request.path = Path(call.key);
    request.query = call.query;
    request.headers = {{"Host", Host()}};
    request.headers.insert(request.headers.end(), call.headers.begin(), call.headers.end());
    if (call.file != nullptr) {
      t.file = std::fopen(call.file->c_str(), "rb");
      if (t.file == nullptr || ::fseeko(t.file, static_cast<off_t>(call.offset), SEEK_SET) != 0) {
        if (t.file != nullptr) std::fclose(t.file);
        outcome.curl = CURLE_READ_ERROR;
        outcome.curl_error = "cannot open " + call.file->string();
        return outcome;
      }
      t.remaining = call.length;
      // Hashing would read the file twice; S3 takes UNSIGNED-PAYLOAD on http and https.
      request.payload_hash = std::string(sigv4::kUnsignedPayload);
    } else {
      t.remaining = call.body.size();
      request.payload_hash = Sha256Hex(call.body);
    }
    const std::string authorization = sigv4::SignHeaders(Context(), request);

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      const std::string line = value.empty() ? name + ";" : name + ": " + value;
      headers = curl_slist_append(headers, line.c_str());
    }
    headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

    CURL* h = Acquire();
    t.handle = h;
    const std::string url = Url(call.key, call.query);
    const long timeout_ms = static_cast<long>(options_.request_timeout.count());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    // A stalled transfer (under 1 byte/s for the timeout) fails; a long healthy one does not.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, timeout_ms / 1000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    if (call.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.remaining));
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    } else if (call.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    outcome.curl = curl_easy_perform(h);
    outcome.curl_error = error[0] != '\0' ? error : curl_easy_strerror(outcome.curl);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.http_status);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    Release(h);
    curl_slist_free_all(headers);
    if (t.file != nullptr) std::fclose(t.file);
    return outcome;
  }

  const S3Options options_;
  const Endpoint endpoint_;
  const Clock& clock_;
  std::mutex idle_mutex_;
  std::vector<CURL*> idle_;  // GUARDED_BY(idle_mutex_)
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;  // GUARDED_BY(rng_mutex_)
};

std::optional<TimePoint> ParseHttpDate(const std::string& text) {
  const time_t t = curl_getdate(text.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

ObjectInfo InfoFromHeaders(std::string_view key, const Outcome& outcome) {
  ObjectInfo info;
  info.key = std::string(key);
  auto header = [&](const char* name) -> std::string {
    auto it = outcome.headers.find(name);
    return it == outcome.headers.end() ? std::string() : it->second;
  };
  info.etag = header("etag");
  info.content_type = header("content-type");
  info.last_modified = ParseHttpDate(header("last-modified")).value_or(TimePoint{});
  // "bytes 0-9/1234" for a range: the whole size is after the slash.
  const std::string range = header("content-range");
  const size_t slash = range.rfind('/');
  const std::string size_text =
      slash != std::string::npos ? range.substr(slash + 1) : header("content-length");
  info.size = std::strtoull(size_text.c_str(), nullptr, 10);
  return info;
}

// A header value must not smuggle in another header (or a second request).
Status CheckContentType(std::string_view content_type) {
  for (unsigned char c : content_type) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("content type contains a control character",
                                     "invalid_content_type");
    }
  }
  return Status::Ok();
}

sigv4::Params ContentTypeHeader(std::string_view content_type) {
  if (content_type.empty()) return {};
  return {{"Content-Type", std::string(content_type)}};
}

Status CheckExpiry(std::chrono::seconds expires_in) {
  if (expires_in.count() < 1 || expires_in > sigv4::kMaxPresignExpiry) {
    return Status::InvalidArgument(
        "expiry must be 1.." + std::to_string(sigv4::kMaxPresignExpiry.count()) + " s",
        "invalid_expiry");
  }
  return Status::Ok();
}

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(std::unique_ptr<S3Client> client) : client_(std::move(client)) {}

  std::string_view Name() const override { return "s3"; }

  Status Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    VMSG_RETURN_IF_ERROR(CheckContentType(options.content_type));
    Call call = ObjectCall("PutObject", "PUT", key);
    call.headers = ContentTypeHeader(options.content_type);
    call.body = data;
    call.idempotent = true;
    return client_->Do(call).status();
  }

  Status PutFile(std::string_view key, const std::filesystem::path& file,
                 const PutOptions& options) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    VMSG_RETURN_IF_ERROR(CheckContentType(options.content_type));
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) return Status::NotFound("cannot read " + file.string() + ": " + ec.message());
    if (size >= client_->options().multipart_threshold) {
      return PutMultipart(key, file, size, options);
    }
    Call call = ObjectCall("PutObject", "PUT", key);
    call.headers = ContentTypeHeader(options.content_type);
    call.file = &file;
    call.length = size;
    call.idempotent = true;
    return client_->Do(call).status();
  }

  Result<ObjectInfo> Get(std::string_view key, const ChunkSink& sink,
                         std::optional<ByteRange> range) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    Call call = ObjectCall("GetObject", "GET", key);
    if (range) {
      if (range->last && *range->last < range->first) {
        return Status::InvalidArgument("range ends before it starts", "range_not_satisfiable");
      }
      call.headers = {{"Range", "bytes=" + std::to_string(range->first) + "-" +
                                    (range->last ? std::to_string(*range->last) : "")}};
    }
    call.sink = &sink;
    call.idempotent = true;
    VMSG_ASSIGN_OR_RETURN(Outcome outcome, client_->Do(call));
    return InfoFromHeaders(key, outcome);
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    Call call = ObjectCall("HeadObject", "HEAD", key);
    call.idempotent = true;
    VMSG_ASSIGN_OR_RETURN(Outcome outcome, client_->Do(call));
    return InfoFromHeaders(key, outcome);
  }

  Status Delete(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    Call call = ObjectCall("DeleteObject", "DELETE", key);
    call.idempotent = true;
    // S3 answers 204 for an absent key too.
    return client_->Do(call).status();
  }

  Result<ListPage> List(std::string_view prefix, std::string_view continuation_token,
                        int max_keys) override {
    if (max_keys < 1 || max_keys > kMaxListKeys) {
      return Status::InvalidArgument("max_keys must be 1.." + std::to_string(kMaxListKeys));
    }
    Call call;
    call.operation = "ListObjectsV2 " + std::string(prefix);
    call.method = "GET";
    call.query = {{"list-type", "2"},
                  {"prefix", std::string(prefix)},
                  {"max-keys", std::to_string(max_keys)}};
    if (!continuation_token.empty()) {
      call.query.emplace_back("continuation-token", std::string(continuation_token));
    }
    call.idempotent = true;
    VMSG_ASSIGN_OR_RETURN(Outcome outcome, client_->Do(call));
    return s3xml::ParseListObjectsV2(outcome.body);
  }

  Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) override {
    VMSG_RETURN_IF_ERROR(ValidateKey(key));
    VMSG_RETURN_IF_ERROR(CheckExpiry(expires_in));
    sigv4::Request request;
    request.method = "GET";
    request.path = client_->Path(key);
    request.headers = {{"Host", client_->Host()}};
    VMSG_ASSIGN_OR_RETURN(sigv4::Params query,
                          sigv4::PresignQuery(client_->Context(), request, expires_in));
    return client_->Url(key, query);
  }

  Result<PresignedPost> PresignPost(const PostPolicy& policy) override {
    if (policy.key.empty() == policy.key_prefix.empty()) {
      return Status::InvalidArgument("a POST policy names exactly one of key and key_prefix");
    }
    if (!policy.key.empty()) VMSG_RETURN_IF_ERROR(ValidateKey(policy.key));
    if (!policy.key_prefix.empty()) {
      // A prefix is a key's beginning: valid once any file name follows it.
      VMSG_RETURN_IF_ERROR(ValidateKey(policy.key_prefix + "f"));
    }
    if (policy.min_bytes > policy.max_bytes) {
      return Status::InvalidArgument("POST policy min_bytes exceeds max_bytes");
    }
    VMSG_RETURN_IF_ERROR(CheckExpiry(policy.expires_in));
    VMSG_RETURN_IF_ERROR(CheckContentType(policy.content_type));
    const sigv4::SigningContext context = client_->Context();
    std::vector<PolicyCondition> conditions = {
        {PolicyCondition::Kind::kExact, "bucket", client_->options().bucket}};
    for (PolicyCondition& c : PolicyConditions(policy)) conditions.push_back(std::move(c));
    PresignedPost out;
    out.expires_at = context.time + policy.expires_in;
    const sigv4::SignedPolicy signed_policy =
        sigv4::SignPolicy(context, sigv4::PolicyDocument(context, out.expires_at, conditions));
    out.url = client_->BucketUrl();
    out.object_key = policy.key.empty() ? policy.key_prefix : policy.key;
    // S3 puts the browser's file name where "${filename}" stands.
    out.fields.emplace_back("key",
                            policy.key.empty() ? policy.key_prefix + "${filename}" : policy.key);
    if (!policy.content_type.empty()) out.fields.emplace_back("Content-Type", policy.content_type);
    out.fields.emplace_back("policy", signed_policy.policy_base64);
    out.fields.emplace_back("x-amz-algorithm", std::string(sigv4::kAlgorithm));
    out.fields.emplace_back("x-amz-credential",
                            context.credentials.access_key + "/" + sigv4::CredentialScope(context));
    out.fields.emplace_back("x-amz-date", sigv4::AmzDate(context.time));
    out.fields.emplace_back("x-amz-signature", signed_policy.signature);
    return out;
  }

  Status ApplyLifecycle(const std::vector<LifecycleRule>& rules) override {
    for (const LifecycleRule& r : rules) {
      if (r.expiration_days <= 0 && r.transition_days <= 0) {
        return Status::InvalidArgument("lifecycle rule " + r.id + " neither expires nor moves");
      }
      if (r.transition_days > 0 && r.transition_storage_class.empty()) {
        return Status::InvalidArgument("lifecycle rule " + r.id + " lacks a storage class");
      }
    }
    const std::string xml = s3xml::LifecycleConfiguration(rules);
    Call call;
    call.operation = "PutBucketLifecycleConfiguration";
    call.method = "PUT";
    call.query = {{"lifecycle", ""}};
    call.headers = {{"Content-Type", "application/xml"}, {"Content-MD5", Md5Base64(xml)}};
    call.body = xml;
    call.idempotent = true;
    return client_->Do(call).status();
  }

  Status CheckReachable() override {
    Call call;
    call.operation = "HeadBucket";
    call.method = "HEAD";
    return client_->Do(call).status();
  }

 private:
  static Call ObjectCall(std::string_view operation, std::string method, std::string_view key) {
    Call call;
    call.operation = std::string(operation) + " " + std::string(key);
    call.method = std::move(method);
    call.key = std::string(key);
    return call;
  }

  Status PutMultipart(std::string_view key, const std::filesystem::path& file, uint64_t size,
                      const PutOptions& options) {
    const S3Options& o = client_->options();
    const uint64_t part_size =
        std::max({o.multipart_threshold, kS3MinPartBytes, (size + kS3MaxParts - 1) / kS3MaxParts});
    Call create = ObjectCall("CreateMultipartUpload", "POST", key);
    create.query = {{"uploads", ""}};
    create.headers = ContentTypeHeader(options.content_type);
    VMSG_ASSIGN_OR_RETURN(Outcome created, client_->Do(create));
    VMSG_ASSIGN_OR_RETURN(const std::string upload_id, s3xml::ParseUploadId(created.body));

    Status status = UploadParts(key, file, size, part_size, upload_id);
    if (!status.ok()) {
      Call abort = ObjectCall("AbortMultipartUpload", "DELETE", key);
      abort.query = {{"uploadId", upload_id}};
      (void)client_->Do(abort);  // best effort: the error that matters is `status`
    }
    return status;
  }

  Status UploadParts(std::string_view key, const std::filesystem::path& file, uint64_t size,
                     uint64_t part_size, const std::string& upload_id) {
    std::vector<std::pair<int, std::string>> parts;
    int number = 1;
    for (uint64_t offset = 0; offset < size || offset == 0; offset += part_size, ++number) {
      Call part = ObjectCall("UploadPart", "PUT", key);
      part.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
      part.file = &file;
      part.offset = offset;
      part.length = std::min(part_size, size - offset);
      VMSG_ASSIGN_OR_RETURN(Outcome uploaded, client_->Do(part));
      const auto etag = uploaded.headers.find("etag");
      if (etag == uploaded.headers.end()) return Status::Internal("UploadPart gave no ETag");
      parts.emplace_back(number, etag->second);
      if (size == 0) break;
    }
    const std::string body = s3xml::CompleteMultipartUpload(parts);
    Call finish = ObjectCall("CompleteMultipartUpload", "POST", key);
    finish.query = {{"uploadId", upload_id}};
    finish.headers = {{"Content-Type", "application/xml"}};
    finish.body = body;
    return client_->Do(finish).status();
  }

  std::unique_ptr<S3Client> client_;
};

Result<std::unique_ptr<S3Client>> NewClient(const S3Options& options, const Clock& clock) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (options.bucket.empty()) return Status::InvalidArgument("S3 bucket is not set");
  if (options.region.empty()) return Status::InvalidArgument("S3 region is not set");
  if (options.access_key.empty() || options.secret_key.empty()) {
    return Status::InvalidArgument("S3 access key and secret key must both be set");
  }
  VMSG_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(options));
  return std::make_unique<S3Client>(options, std::move(endpoint), clock);
}

Call BucketCall(std::string operation, std::string method, std::string_view subresource) {
  Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.query = {{std::string(subresource), ""}};
  call.idempotent = true;
  return call;
}

Status PutVersioning(S3Client& client) {
  const std::string xml = s3xml::VersioningEnabled();
  Call call = BucketCall("PutBucketVersioning", "PUT", "versioning");
  call.headers = {{"Content-Type", "application/xml"}, {"Content-MD5", Md5Base64(xml)}};
  call.body = xml;
  return client.Do(call).status();
}

Status CreateBucket(S3Client& client) {
  const S3Options& o = client.options();
  const std::string xml = s3xml::CreateBucketConfiguration(o.region);
  Call call;
  call.operation = "CreateBucket " + o.bucket;
  call.method = "PUT";
  if (!xml.empty()) call.headers = {{"Content-Type", "application/xml"}};
  call.body = xml;
  Status status = client.Do(call).status();
  // Lost a race with another of our nodes creating it (BucketAlreadyOwnedByYou): fine.
  if (!status.ok() && status.code() != StatusCode::kAlreadyExists) return status;
  return PutVersioning(client);
}

}  // namespace

Result<bool> S3UsePathStyle(std::string_view addressing_style, std::string_view endpoint,
                            std::string_view bucket) {
  if (addressing_style == "path") return true;
  if (addressing_style == "virtual") return false;
  if (addressing_style != "auto") {
    return Status::InvalidArgument("S3 addressing style must be auto, path or virtual, not " +
                                   std::string(addressing_style));
  }
  if (!endpoint.empty()) return true;
  const bool dns_safe = std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  return !dns_safe;
}

Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const S3Options& options,
                                                      const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, NewClient(options, clock));
  Call head;
  head.operation = "HeadBucket " + options.bucket;
  head.method = "HEAD";
  head.idempotent = true;
  Status status = client->Do(head).status();
  if (status.IsNotFound() && options.create_bucket) {
    status = CreateBucket(*client);
  } else if (status.IsNotFound()) {
    status = Status::NotFound("S3 bucket " + options.bucket + " does not exist (set " +
                              "S3_CREATE_BUCKET to create it)");
  }
  VMSG_RETURN_IF_ERROR(status);
  return std::unique_ptr<ObjectStore>(new S3ObjectStore(std::move(client)));
}

Result<std::vector<LifecycleRule>> GetS3BucketLifecycle(const S3Options& options,
                                                        const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, NewClient(options, clock));
  VMSG_ASSIGN_OR_RETURN(Outcome outcome, client->Do(BucketCall("GetBucketLifecycleConfiguration",
                                                               "GET", "lifecycle")));
  return s3xml::ParseLifecycleConfiguration(outcome.body);
}

Result<std::string> GetS3BucketVersioning(const S3Options& options, const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, NewClient(options, clock));
  VMSG_ASSIGN_OR_RETURN(Outcome outcome,
                        client->Do(BucketCall("GetBucketVersioning", "GET", "versioning")));
  return s3xml::ParseVersioningStatus(outcome.body);
}

Status EnableS3BucketVersioning(const S3Options& options, const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, NewClient(options, clock));
  return PutVersioning(*client);
}

}  // namespace vmsg::objects
