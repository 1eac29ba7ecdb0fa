// Starts and stops a private moto_server for tests (see moto_test_server.h).
#include "testing/moto_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "testing/child_process.h"

namespace vmsg::test {
namespace {

// moto imports a great deal of Python before it listens; on a loaded machine that is slow.
constexpr std::chrono::seconds kStartTimeout{60};
constexpr std::chrono::milliseconds kStartPoll{100};
constexpr long kProbeTimeoutMs = 1000;

// The first moto_server on the PATH.
std::filesystem::path FindMotoServer() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::filesystem::path candidate = std::filesystem::path(dir) / "moto_server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// The port in werkzeug's "Running on http://127.0.0.1:PORT" line, 0 before it is printed.
int PortFromLog(const std::string& log) {
  constexpr std::string_view kRunningOn = "Running on http://127.0.0.1:";
  const size_t at = log.find(kRunningOn);
  if (at == std::string::npos) return 0;
  int port = 0;
  for (size_t i = at + kRunningOn.size(); i < log.size() && std::isdigit(uint8_t(log[i])); ++i) {
    port = port * 10 + (log[i] - '0');
  }
  return port;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// True when something answers HTTP at `url`.
bool Answers(const std::string& url) {
  CURL* h = curl_easy_init();
  if (h == nullptr) return false;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, kProbeTimeoutMs);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return rc == CURLE_OK && status > 0;
}

size_t AppendTo(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// POSTs `body` to `url`, signed for `service` when `service` is set; the response body, or
// an error for a transport failure or a non-2xx answer.
Result<std::string> Post(const std::string& host, const std::string& url_path,
                         const std::string& body, const std::string& service) {
  objects::sigv4::Request request{"POST", url_path, {}, {{"Host", host}}, Sha256Hex(body)};
  // IAM takes a form; moto's reset-auth reads the raw body, which a form type would hide.
  request.headers.emplace_back(
      "Content-Type", service.empty() ? "text/plain" : "application/x-www-form-urlencoded");
  std::string authorization;
  if (!service.empty()) {
    objects::sigv4::SigningContext context;
    // Any key will do: moto does not check signatures until EnableAuth switches them on.
    context.credentials = {"AKIAVMSGSETUP0000000", "setup"};
    context.region = "us-east-1";
    context.service = service;
    context.time = std::chrono::system_clock::now();
    authorization = objects::sigv4::SignHeaders(context, request);
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  if (!authorization.empty()) {
    headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  }
  std::string response;
  CURL* h = curl_easy_init();
  const std::string url = "http://" + host + url_path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, AppendTo);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK || status < 200 || status >= 300) {
    return Status::Unavailable("moto POST " + url_path + " failed (" + std::to_string(status) +
                               "): " + response);
  }
  return response;
}

std::string Form(const objects::sigv4::Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += "&";
    out += UriEncode(name, false) + "=" + UriEncode(value, false);
  }
  return out;
}

}  // namespace

Result<objects::sigv4::Credentials> MotoTestServer::EnableAuth() {
  const std::string host = "127.0.0.1:" + std::to_string(port_);
  const std::string user = "vmsg-test";
  const std::string allow_s3 =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",)"
      R"("Resource":"*"}]})";
  VMSG_RETURN_IF_ERROR(
      Post(host, "/",
           Form({{"Action", "CreateUser"}, {"UserName", user}, {"Version", "2010-05-08"}}), "iam")
          .status());
  VMSG_RETURN_IF_ERROR(Post(host, "/",
                            Form({{"Action", "PutUserPolicy"},
                                  {"UserName", user},
                                  {"PolicyName", "s3"},
                                  {"PolicyDocument", allow_s3},
                                  {"Version", "2010-05-08"}}),
                            "iam")
                           .status());
  VMSG_ASSIGN_OR_RETURN(
      std::string created,
      Post(host, "/",
           Form({{"Action", "CreateAccessKey"}, {"UserName", user}, {"Version", "2010-05-08"}}),
           "iam"));
  pugi::xml_document doc;
  doc.load_buffer(created.data(), created.size());
  const pugi::xml_node key =
      doc.child("CreateAccessKeyResponse").child("CreateAccessKeyResult").child("AccessKey");
  objects::sigv4::Credentials credentials{key.child("AccessKeyId").text().as_string(),
                                          key.child("SecretAccessKey").text().as_string()};
  if (credentials.access_key.empty() || credentials.secret_key.empty()) {
    return Status::Internal("moto CreateAccessKey gave no key: " + created);
  }
  // From now on every request needs a valid signature.
  VMSG_RETURN_IF_ERROR(Post(host, "/moto-api/reset-auth", "0", "").status());
  return credentials;
}

Result<std::unique_ptr<MotoTestServer>> MotoTestServer::Start(std::vector<std::string> env) {
  static std::atomic<int> counter{0};
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("vmsg_moto_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<MotoTestServer> server(new MotoTestServer(dir));
  VMSG_RETURN_IF_ERROR(server->Launch(env));
  return server;
}

Status MotoTestServer::Launch(const std::vector<std::string>& env) {
  const std::filesystem::path binary = FindMotoServer();
  if (binary.empty()) {
    return Status::Unavailable(
        "moto_server is not on the PATH (pip install 'moto[server]' into the Python on the "
        "PATH); the S3 backend cannot be tested");
  }
  // Port 0: the kernel picks a free one while the server binds, and the server prints it
  // (a port found free beforehand could be taken by the time the server binds it).
  // In its own process group, so that stopping it reaches anything it starts.
  VMSG_ASSIGN_OR_RETURN(pid_, SpawnChild({.args = {binary.string(), "-H", "127.0.0.1", "-p", "0"},
                                          .extra_env = env,
                                          .log = dir_ / "moto.log",
                                          .own_process_group = true}));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    if (port_ == 0) port_ = PortFromLog(Log());
    if (port_ != 0 && Answers(Endpoint() + "/moto-api/")) return Status::Ok();
    if (ChildExited(pid_)) {
      pid_ = -1;
      return Status::Unavailable("moto_server exited at start: " + Log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("moto_server did not answer within " +
                                 std::to_string(kStartTimeout.count()) + " s: " + Log());
    }
    std::this_thread::sleep_for(kStartPoll);
  }
}

MotoTestServer::~MotoTestServer() {
  StopChild(pid_, SIGKILL, /*group=*/true);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string MotoTestServer::Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

objects::S3Options MotoTestServer::Options(std::string bucket) const {
  objects::S3Options options;
  options.endpoint = Endpoint();
  options.region = "us-east-1";
  options.bucket = std::move(bucket);
  options.access_key = "testing";
  options.secret_key = "testing";
  options.path_style = true;
  options.create_bucket = true;
  options.request_timeout = std::chrono::seconds(30);
  options.max_retries = 2;
  return options;
}

std::string MotoTestServer::Log() const {
  std::stringstream text;
  text << std::ifstream(dir_ / "moto.log").rdbuf();
  return text.str();
}

Result<MotoTestServer*> SharedMotoServer() {
  static Result<std::unique_ptr<MotoTestServer>> server = MotoTestServer::Start();
  if (!server.ok()) return server.status();
  return server->get();
}

Result<objects::S3Options> NewMotoBucketOptions() {
  static std::atomic<int> counter{0};
  VMSG_ASSIGN_OR_RETURN(MotoTestServer * server, SharedMotoServer());
  return server->Options("vmsg-test-" + std::to_string(::getpid()) + "-" +
                         std::to_string(++counter));
}

Result<std::unique_ptr<objects::ObjectStore>> MakeS3StoreForTest(const Clock& clock) {
  VMSG_ASSIGN_OR_RETURN(objects::S3Options options, NewMotoBucketOptions());
  return objects::NewS3ObjectStore(options, clock);
}

Result<std::unique_ptr<objects::ObjectStore>> MakeS3StoreForTest() {
  static const std::unique_ptr<Clock> clock = NewSystemClock();
  return MakeS3StoreForTest(*clock);
}

}  // namespace vmsg::test
