// S3ObjectStore without an S3 service: the addressing-style choice, and faults moto cannot
// produce: a loopback HTTP server that answers
// each request with the next scripted response (5xx, SlowDown, a 200 carrying an <Error>,
// or silence), recording what it was asked. Checks the retry policy, the error mapping,
// the timeout and the abort of a failed multipart upload.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "objects/s3/s3_store.h"

namespace vmsg::objects {
namespace {

using ::testing::ElementsAre;

constexpr std::chrono::milliseconds kPoll{50};

std::string Response(int status, std::string_view body = "", std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

std::string ErrorXml(std::string_view code) {
  return "<?xml version=\"1.0\"?><Error><Code>" + std::string(code) +
         "</Code><Message>scripted</Message></Error>";
}

// Answers request i with responses[i] (an empty string: never answers, holds the
// connection until the server stops); requests beyond the script get a 500.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> responses) : responses_(std::move(responses)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  S3Options Options() const {
    S3Options options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    options.bucket = "b";
    options.access_key = "AK";
    options.secret_key = "SK";
    options.max_retries = 2;
    options.request_timeout = std::chrono::seconds(1);
    return options;
  }
  // "METHOD /path?query" of each request so far.
  std::vector<std::string> Requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  bool WaitReadable(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (!stop_) {
      if (::poll(&p, 1, static_cast<int>(kPoll.count())) > 0) return true;
    }
    return false;
  }

  void Serve() {
    size_t next = 0;
    while (WaitReadable(listen_fd_)) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string request;
      char buf[65536];
      size_t header_end = std::string::npos;
      while (header_end == std::string::npos && WaitReadable(fd)) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
        header_end = request.find("\r\n\r\n");
      }
      if (header_end == std::string::npos) {
        ::close(fd);
        continue;
      }
      // Read (and drop) the body so the client never blocks on a full socket.
      size_t body_length = 0;
      const std::string lower_headers = [&] {
        std::string h = request.substr(0, header_end);
        for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return h;
      }();
      if (size_t at = lower_headers.find("content-length:"); at != std::string::npos) {
        body_length = std::strtoull(lower_headers.c_str() + at + 15, nullptr, 10);
      }
      size_t have = request.size() - header_end - 4;
      while (have < body_length && WaitReadable(fd)) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        have += static_cast<size_t>(n);
      }
      const std::string line = request.substr(0, request.find("\r\n"));
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(line.substr(0, line.rfind(' ')));
      }
      const std::string response = next < responses_.size() ? responses_[next] : Response(500);
      ++next;
      if (response.empty()) {
        while (!stop_) std::this_thread::sleep_for(kPoll);  // silence until stopped
      } else {
        (void)!::write(fd, response.data(), response.size());
      }
      ::close(fd);
    }
  }

  std::vector<std::string> responses_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;  // GUARDED_BY(mutex_)
};

class S3FaultTest : public ::testing::Test {
 protected:
  std::unique_ptr<Clock> clock_ = NewSystemClock();
};

TEST_F(S3FaultTest, IdempotentCallsRetryServerErrorsThenSucceed) {
  ScriptedServer server({Response(503, ErrorXml("SlowDown")), Response(500), Response(200)});
  auto store = NewS3ObjectStore(server.Options(), *clock_);
  EXPECT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(server.Requests(), ElementsAre("HEAD /b", "HEAD /b", "HEAD /b"));
}

TEST_F(S3FaultTest, RetriesStopAfterMaxRetries) {
  ScriptedServer server({Response(200), Response(503, ErrorXml("SlowDown")),
                         Response(503, ErrorXml("SlowDown")), Response(503, ErrorXml("SlowDown")),
                         Response(200, "late")});
  auto store = NewS3ObjectStore(server.Options(), *clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto got = (*store)->GetBytes("k");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status();
  EXPECT_TRUE(got.status().IsRetryable());
  EXPECT_THAT(got.status().message(), ::testing::HasSubstr("SlowDown"));
  EXPECT_EQ(server.Requests().size(), 4u);  // the HEAD, then 1 + max_retries GETs
}

TEST_F(S3FaultTest, PermanentErrorsAreNotRetried) {
  ScriptedServer server(
      {Response(200), Response(403, ErrorXml("AccessDenied")), Response(404, ErrorXml("NoSuchKey")),
       Response(416, ErrorXml("InvalidRange")), Response(400, ErrorXml("InvalidArgument"))});
  auto store = NewS3ObjectStore(server.Options(), *clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->GetBytes("k").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*store)->GetBytes("k").status().code(), StatusCode::kNotFound);
  Status range = (*store)->GetBytes("k", ByteRange{9, std::nullopt}).status();
  EXPECT_EQ(range.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(range.reason(), "range_not_satisfiable");
  EXPECT_EQ((*store)->Put("k", "v", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.Requests().size(), 5u);
}

TEST_F(S3FaultTest, SilentServerTimesOutAsDeadlineExceeded) {
  ScriptedServer server({Response(200), ""});
  S3Options options = server.Options();
  options.max_retries = 0;
  auto store = NewS3ObjectStore(options, *clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  const auto start = std::chrono::steady_clock::now();
  Status status = (*store)->GetBytes("k").status();
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(status.IsRetryable());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(S3FaultTest, BucketCreationRacesAndForeignBuckets) {
  // Another of our nodes created it meanwhile: ours, so versioning follows.
  ScriptedServer ours(
      {Response(404), Response(409, ErrorXml("BucketAlreadyOwnedByYou")), Response(200)});
  S3Options options = ours.Options();
  options.create_bucket = true;
  EXPECT_TRUE(NewS3ObjectStore(options, *clock_).ok());
  EXPECT_THAT(ours.Requests(), ElementsAre("HEAD /b", "PUT /b", "PUT /b?versioning="));
  // Someone else's bucket: unusable.
  ScriptedServer theirs({Response(404), Response(409, ErrorXml("BucketAlreadyExists"))});
  options = theirs.Options();
  options.create_bucket = true;
  EXPECT_EQ(NewS3ObjectStore(options, *clock_).status().code(), StatusCode::kFailedPrecondition);
}

class S3MultipartFaultTest : public S3FaultTest {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() /
            ("vmsg_s3_fault_" + std::to_string(::getpid()) + ".bin");
    std::ofstream(file_, std::ios::binary) << std::string(kS3MinPartBytes + 1, 'x');
  }
  void TearDown() override { std::filesystem::remove(file_); }
  std::filesystem::path file_;
};

const char kCreated[] =
    "<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>";

TEST_F(S3MultipartFaultTest, FailedPartAbortsTheUploadWithoutRetrying) {
  ScriptedServer server({Response(200), Response(200, kCreated), Response(500), Response(204)});
  S3Options options = server.Options();
  options.multipart_threshold = kS3MinPartBytes;
  auto store = NewS3ObjectStore(options, *clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  Status status = (*store)->PutFile("v/k.mp4", file_, {});
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_THAT(server.Requests(), ElementsAre("HEAD /b", "POST /b/v/k.mp4?uploads=",
                                             "PUT /b/v/k.mp4?partNumber=1&uploadId=U1",
                                             "DELETE /b/v/k.mp4?uploadId=U1"));
}

TEST_F(S3MultipartFaultTest, ErrorInsideA200CompleteIsAFailure) {
  ScriptedServer server({Response(200), Response(200, kCreated),
                         Response(200, "", "ETag: \"e1\"\r\n"),
                         Response(200, "", "ETag: \"e2\"\r\n"),
                         Response(200, ErrorXml("InternalError")), Response(204)});
  S3Options options = server.Options();
  options.multipart_threshold = kS3MinPartBytes;
  auto store = NewS3ObjectStore(options, *clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  Status status = (*store)->PutFile("k", file_, {});
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_THAT(server.Requests(),
              ElementsAre("HEAD /b", "POST /b/k?uploads=", "PUT /b/k?partNumber=1&uploadId=U1",
                          "PUT /b/k?partNumber=2&uploadId=U1", "POST /b/k?uploadId=U1",
                          "DELETE /b/k?uploadId=U1"));
}

TEST(S3AddressingTest, AutoPicksPathStyleForCustomEndpointsAndDottedBuckets) {
  EXPECT_EQ(S3UsePathStyle("path", "", "b").value_or(false), true);
  EXPECT_EQ(S3UsePathStyle("virtual", "http://127.0.0.1:9000", "b").value_or(true), false);
  EXPECT_EQ(S3UsePathStyle("auto", "http://127.0.0.1:9000", "b").value_or(false), true);
  EXPECT_EQ(S3UsePathStyle("auto", "", "video-message-app-storage").value_or(true), false);
  EXPECT_EQ(S3UsePathStyle("auto", "", "my.bucket").value_or(false), true);
  EXPECT_EQ(S3UsePathStyle("auto", "", "My_Bucket").value_or(false), true);
  EXPECT_TRUE(S3UsePathStyle("sideways", "", "b").status().IsInvalidArgument());
}

}  // namespace
}  // namespace vmsg::objects
