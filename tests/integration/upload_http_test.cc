// The upload routes over real loopback HTTP with the local store: the presign endpoint,
// form uploads accepted and refused as S3 would (expired, tampered, wrong type, key
// outside the policy, too large while streaming: nothing stored), and signed downloads.
// A FakeClock drives expiry.
#include <gtest/gtest.h>

#include <regex>

#include "api/upload_handlers.h"
#include "base/crypto.h"
#include "base/json.h"
#include "http_fetch.h"
#include "local_store_server.h"
#include "test_client.h"

namespace vmsg::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Fields = std::vector<std::pair<std::string, std::string>>;

class UploadHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = LocalStoreServer::Start(clock_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(*started);
  }

  objects::LocalObjectStore& store() { return server_->store(); }
  std::string Url(std::string_view path) const { return server_->base_url() + std::string(path); }

  // Every regular file under the objects directory (sidecars and temp files included).
  std::vector<std::string> FilesStored() const {
    std::vector<std::string> out;
    const fs::path root = server_->dir() / "objects";
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) out.push_back(e.path().lexically_relative(root).generic_string());
    }
    return out;
  }

  Json PresignJson(std::string_view kind, std::string_view type, FetchResult* raw = nullptr) {
    FetchResult r = HttpPostJson(Url("/api/uploads/presign"),
                                 DumpJson({{"kind", kind}, {"content_type", type}}));
    if (raw != nullptr) *raw = r;
    if (r.status != 200) return Json();
    return Json::parse(r.body);
  }

  static Fields FieldsOf(const Json& presigned) {
    Fields out;
    for (const auto& [name, value] : presigned["fields"].items()) {
      out.emplace_back(name, value.get<std::string>());
    }
    return out;
  }

  static Fields With(Fields fields, const std::string& name, const std::string& value) {
    for (auto& [n, v] : fields) {
      if (n == name) {
        v = value;
        return fields;
      }
    }
    fields.emplace_back(name, value);
    return fields;
  }

  static std::string CodeOf(const FetchResult& r) {
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << r.body;
    auto json = ParseJson(r.body);
    return json.ok() && json->contains("code") ? (*json)["code"].get<std::string>() : "";
  }

  FakeClock clock_{*ParseIso8601("2026-05-01T09:00:00Z")};
  std::unique_ptr<LocalStoreServer> server_;
};

TEST_F(UploadHttpTest, PresignGivesAFormThatUploadsAndASignedDownload) {
  const Json form = PresignJson("image", "image/jpeg");
  ASSERT_TRUE(form.is_object());
  const std::string key = form["object_key"];
  EXPECT_TRUE(std::regex_match(
      key, std::regex("images/uploads/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                      "[0-9a-f]{12}/original\\.jpg")))
      << key;
  EXPECT_EQ(form["url"], Url("/api/uploads"));
  EXPECT_EQ(form["expires_at"], "2026-05-01T10:00:00Z");
  EXPECT_EQ(form["max_bytes"], 10 << 20);
  EXPECT_EQ(form["fields"]["key"], key);
  EXPECT_EQ(form["fields"]["Content-Type"], "image/jpeg");
  EXPECT_TRUE(form["fields"].contains("policy"));
  EXPECT_TRUE(form["fields"].contains("x-vmsg-signature"));

  const std::string jpeg = "\xff\xd8\xff\xe0 a tiny jpeg";
  FetchResult up = HttpPostForm(form["url"], FieldsOf(form), "me.jpg", "image/jpeg", jpeg);
  ASSERT_EQ(up.status, 204) << up.error << up.body;
  EXPECT_EQ(up.Header("location"), "/files/" + key);
  EXPECT_EQ(up.Header("etag"), store().Head(key)->etag);
  EXPECT_EQ(*store().GetBytes(key), jpeg);

  FetchResult down = HttpGet(*store().PresignGet(key, 60s));
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.body, jpeg);
  EXPECT_EQ(down.Header("content-type"), "image/jpeg");
  EXPECT_EQ(down.Header("cache-control"), "private, no-store");
}

TEST_F(UploadHttpTest, PresignLaysOutEachKind) {
  const std::string id = "[0-9a-f-]{36}";
  EXPECT_TRUE(std::regex_match(PresignJson("voice", "audio/wav")["object_key"].get<std::string>(),
                               std::regex("voices/custom/uploads/" + id + "/reference\\.wav")));
  EXPECT_TRUE(std::regex_match(PresignJson("bgm", "audio/mpeg")["object_key"].get<std::string>(),
                               std::regex("bgm/user/uploads/" + id + "/original\\.mp3")));
  EXPECT_TRUE(std::regex_match(PresignJson("image", "image/png")["object_key"].get<std::string>(),
                               std::regex("images/uploads/" + id + "/original\\.png")));
  EXPECT_NE(PresignJson("image", "image/png")["object_key"],
            PresignJson("image", "image/png")["object_key"]);
}

TEST_F(UploadHttpTest, PresignRefusesUnknownKindsAndTypes) {
  FetchResult r;
  PresignJson("video", "video/mp4", &r);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), "unknown_upload_kind");
  PresignJson("image", "image/gif", &r);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), "unsupported_content_type");
  PresignJson("voice", "image/jpeg", &r);
  EXPECT_EQ(CodeOf(r), "unsupported_content_type");
  r = HttpPostJson(Url("/api/uploads/presign"), "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), "invalid_json");
  r = HttpPostJson(Url("/api/uploads/presign"), R"({"kind":"image"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), "invalid_request");
}

TEST_F(UploadHttpTest, AnExpiredFormIsRefused) {
  const Json form = PresignJson("image", "image/png");
  clock_.Advance(3600s);
  FetchResult r = HttpPostForm(form["url"], FieldsOf(form), "a.png", "image/png", "png");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "policy_expired");
  clock_.Advance(-1s);
  r = HttpPostForm(form["url"], FieldsOf(form), "a.png", "image/png", "png");
  EXPECT_EQ(r.status, 204) << r.body;
}

TEST_F(UploadHttpTest, ATamperedPolicyOrSignatureIsRefused) {
  const Json form = PresignJson("image", "image/png");
  const Fields fields = FieldsOf(form);
  // A policy allowing a bigger file, with the old signature.
  std::string doc = *Base64Decode(form["fields"]["policy"].get<std::string>());
  const size_t at = doc.find("10485760");
  ASSERT_NE(at, std::string::npos);
  doc.replace(at, 8, "99999999");
  FetchResult r = HttpPostForm(form["url"], With(fields, "policy", Base64Encode(doc)), "a.png",
                               "image/png", "png");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "signature_mismatch");
  // A signature changed in one digit.
  std::string sig = form["fields"]["x-vmsg-signature"];
  sig[10] = sig[10] == 'a' ? 'b' : 'a';
  r = HttpPostForm(form["url"], With(fields, "x-vmsg-signature", sig), "a.png", "image/png", "png");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "signature_mismatch");
  EXPECT_TRUE(FilesStored().empty());
}

TEST_F(UploadHttpTest, TheWrongTypeOrAKeyOutsideThePolicyIsRefused) {
  const Json form = PresignJson("image", "image/png");
  const Fields fields = FieldsOf(form);
  FetchResult r = HttpPostForm(form["url"], With(fields, "Content-Type", "text/html"), "a.png",
                               "text/html", "<script>");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "policy_condition_failed");
  r = HttpPostForm(form["url"], With(fields, "key", "videos/x/final_video.mp4"), "a.png",
                   "image/png", "png");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "policy_condition_failed");
  // A field the policy does not name.
  r = HttpPostForm(form["url"], With(fields, "x-amz-meta-owner", "me"), "a.png", "image/png",
                   "png");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "policy_condition_failed");
  EXPECT_TRUE(FilesStored().empty());
}

TEST_F(UploadHttpTest, AFormWithoutItsFileOrSignatureIsABadRequest) {
  const Json form = PresignJson("image", "image/png");
  Fields fields = FieldsOf(form);
  // Only fields: build the form by hand with no file part.
  std::string body;
  for (const auto& [n, v] : fields) {
    body += "--b\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
  }
  body += "--b--\r\n";
  Client c(server_->port());
  c.Send(
      "POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
      "boundary=b\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  auto resp = c.Read();
  EXPECT_EQ(resp.result_int(), 400);
  EXPECT_NE(resp.body().find("missing_file"), std::string::npos) << resp.body();

  std::erase_if(fields, [](const auto& f) { return f.first == "x-vmsg-signature"; });
  FetchResult r = HttpPostForm(form["url"], fields, "a.png", "image/png", "png");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), "missing_field");
  EXPECT_TRUE(FilesStored().empty());
}

TEST_F(UploadHttpTest, AnOversizedFileIsRefusedWhileStreamingAndNothingIsStored) {
  auto post = store().PresignPost({.key = "images/uploads/t/original.png",
                                   .content_type = "image/png",
                                   .max_bytes = 64 * 1024});
  ASSERT_TRUE(post.ok());
  std::string head;
  for (const auto& [n, v] : post->fields) {
    head += "--b\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
  }
  head +=
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
      "Content-Type: image/png\r\n\r\n";
  // The request announces 8 MiB but only the first 200 KiB are sent: the answer must come
  // before the rest, as soon as the file passes its 64 KiB.
  const size_t announced = 8 << 20;
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.Send(
      "POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
      "boundary=b\r\nContent-Length: " +
      std::to_string(announced) + "\r\n\r\n" + head + std::string(200 * 1024, 'p'));
  auto resp = c.Read();
  ASSERT_FALSE(c.error()) << c.error().message();
  EXPECT_EQ(resp.result_int(), 400);
  EXPECT_NE(resp.body().find("entity_too_large"), std::string::npos) << resp.body();
  EXPECT_FALSE(resp.keep_alive());
  EXPECT_TRUE(FilesStored().empty());  // no object, no sidecar, no temp file
  EXPECT_FALSE(*store().Exists("images/uploads/t/original.png"));

  // Exactly at the limit is fine.
  FetchResult ok =
      HttpPostForm(post->url, post->fields, "a.png", "image/png", std::string(64 * 1024, 'p'));
  EXPECT_EQ(ok.status, 204) << ok.body;
}

// A multipart body with `fields`, the file, then `after` (fields S3 ignores).
std::string FormBody(const Fields& fields, const std::string& file, const Fields& after = {}) {
  std::string body;
  auto field = [&](const std::string& n, const std::string& v) {
    body += "--b\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\n" + v + "\r\n";
  };
  for (const auto& [n, v] : fields) field(n, v);
  body += "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" + file +
          "\r\n";
  for (const auto& [n, v] : after) field(n, v);
  return body + "--b--\r\n";
}

std::string FormRequest(const std::string& body) {
  return "POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
         "boundary=b\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(UploadHttpTest, FieldsAfterTheFileAreIgnoredAndFieldsAreBounded) {
  const Json form = PresignJson("image", "image/png");
  Client c(server_->port());
  c.Send(FormRequest(FormBody(FieldsOf(form), "png", {{"Content-Type", "text/html"}})));
  auto resp = c.Read();
  EXPECT_EQ(resp.result_int(), 204) << resp.body();
  EXPECT_EQ(store().Head(form["object_key"].get<std::string>())->content_type, "image/png");

  Fields many = FieldsOf(PresignJson("image", "image/png"));
  for (size_t i = 0; i < api::kMaxUploadFormFields; ++i) {
    many.emplace_back("x-ignore-" + std::to_string(i), "v");
  }
  Client c2(server_->port());
  c2.Send(FormRequest(FormBody(many, "png")));
  resp = c2.Read();
  EXPECT_EQ(resp.result_int(), 400);
  EXPECT_NE(resp.body().find("too_many_fields"), std::string::npos) << resp.body();

  Fields big = FieldsOf(PresignJson("image", "image/png"));
  big.emplace_back("x-ignore-big", std::string(api::kMaxUploadFieldBytes + 1, 'v'));
  Client c3(server_->port());
  c3.Send(FormRequest(FormBody(big, "png")));
  resp = c3.Read();
  EXPECT_EQ(resp.result_int(), 400);
  EXPECT_NE(resp.body().find("form_field_too_large"), std::string::npos) << resp.body();
}

TEST_F(UploadHttpTest, SuccessActionStatusAnswersAsS3) {
  const Json doc = {{"expiration", "2026-05-01T10:00:00Z"},
                    {"conditions", Json::parse(R"([["starts-with","$key","bgm/user/u1/"],
                                                  ["starts-with","$success_action_status",""],
                                                  ["content-length-range",0,100]])")}};
  auto [policy, signature] = store().SignPolicy(DumpJson(doc));
  Fields fields = {{"key", "bgm/user/u1/${filename}"},
                   {"success_action_status", "201"},
                   {"policy", policy},
                   {"x-vmsg-signature", signature}};
  FetchResult r = HttpPostForm(Url("/api/uploads"), fields, "tune & more.mp3", "audio/mpeg", "ID3");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.body.find("<Key>bgm/user/u1/tune &amp; more.mp3</Key>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<ETag>&quot;"), std::string::npos) << r.body;
  EXPECT_EQ(*store().GetBytes("bgm/user/u1/tune & more.mp3"), "ID3");
  EXPECT_EQ(store().Head("bgm/user/u1/tune & more.mp3")->content_type, "binary/octet-stream");

  r = HttpPostForm(Url("/api/uploads"), With(fields, "success_action_status", "200"), "b.mp3",
                   "audio/mpeg", "ID3");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  r = HttpPostForm(Url("/api/uploads"), With(fields, "success_action_status", "302"), "c.mp3",
                   "audio/mpeg", "ID3");
  EXPECT_EQ(r.status, 204);
}

TEST_F(UploadHttpTest, SignedDownloadsHonourRangesSignaturesAndExpiry) {
  ASSERT_TRUE(store().Put("videos/t1/final_video.mp4", "0123456789", {"video/mp4"}).ok());
  const std::string url = *store().PresignGet("videos/t1/final_video.mp4", 600s);
  FetchResult r = HttpGet(url, {"Range: bytes=3-5"});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "345");
  EXPECT_EQ(r.Header("content-range"), "bytes 3-5/10");
  EXPECT_EQ(r.Header("content-type"), "video/mp4");
  r = HttpGet(url, {"Range: bytes=10-"});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("content-range"), "bytes */10");

  // The object's ETag (as the upload answered it) and conditional requests on it.
  const std::string etag = store().Head("videos/t1/final_video.mp4")->etag;
  r = HttpGet(url);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("etag"), etag);
  EXPECT_EQ(r.Header("accept-ranges"), "bytes");
  r = HttpGet(url, {"If-None-Match: " + etag});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.Header("etag"), etag);
  r = HttpGet(url, {"If-None-Match: \"other\""});
  EXPECT_EQ(r.status, 200);

  r = HttpGet(url.substr(0, url.find('&')));  // no signature
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "signature_mismatch");
  r = HttpGet(Url("/files/videos/t1/final_video.mp4"));
  EXPECT_EQ(r.status, 403);

  // A valid signature for an object that is gone.
  const std::string gone = *store().PresignGet("videos/t1/thumbnail.jpg", 600s);
  r = HttpGet(gone);
  EXPECT_EQ(r.status, 404);

  clock_.Advance(601s);
  r = HttpGet(url);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(CodeOf(r), "url_expired");
}

}  // namespace
}  // namespace vmsg::testing
