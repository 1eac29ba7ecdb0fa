// LocalObjectStore's own behaviour: layout, secret handling, signatures, POST policy
// verification and the lifecycle sweeper (driven by a FakeClock). The behaviour it shares
// with S3 is in tests/integration's conformance suite.
#include "objects/local/local_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "base/crypto.h"
#include "base/json.h"

namespace vmsg::objects {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Fields = std::vector<std::pair<std::string, std::string>>;

TimePoint At(std::string_view iso) { return *ParseIso8601(iso); }

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vmsg_local_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = Make();
  }
  void TearDown() override { fs::remove_all(dir_); }

  LocalStoreOptions Options() const {
    return {.root = dir_ / "objects",
            .cold_dir = dir_ / "cold",
            .secret_path = dir_ / "object_store.secret",
            .public_base_url = "http://example.test"};
  }
  std::unique_ptr<LocalObjectStore> Make() {
    auto store = NewLocalObjectStore(Options(), clock_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Files under the store's root, relative, sorted.
  std::vector<std::string> FilesUnder(const fs::path& base) const {
    std::vector<std::string> out;
    if (!fs::exists(base)) return out;
    for (const auto& e : fs::recursive_directory_iterator(base)) {
      if (e.is_regular_file()) out.push_back(e.path().lexically_relative(base).generic_string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The fields of a presigned form as a list, optionally with one field replaced.
  Fields FormFor(const PostPolicy& policy) {
    auto post = store_->PresignPost(policy);
    EXPECT_TRUE(post.ok()) << post.status().ToString();
    return post->fields;
  }
  static void SetField(Fields& fields, std::string_view name, std::string value) {
    for (auto& [n, v] : fields) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    fields.emplace_back(std::string(name), std::move(value));
  }

  fs::path dir_;
  FakeClock clock_{At("2026-03-10T15:00:00Z")};
  std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalStoreTest, SecretIsCreatedPrivateAndReused) {
  struct stat st {};
  ASSERT_EQ(::stat(Options().secret_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(kLocalSecretBytes));
  const std::string url = *store_->PresignGet("a/b.txt", 60s);
  auto again = Make();
  EXPECT_EQ(*again->PresignGet("a/b.txt", 60s), url);
}

TEST_F(LocalStoreTest, SecretWithWiderPermissionsIsRefused) {
  ASSERT_EQ(::chmod(Options().secret_path.c_str(), 0640), 0);
  auto store = NewLocalObjectStore(Options(), clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("0640"), std::string::npos);
}

TEST_F(LocalStoreTest, SecretOfTheWrongSizeIsRefused) {
  std::ofstream(Options().secret_path, std::ios::trunc) << "short";
  auto store = NewLocalObjectStore(Options(), clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LocalStoreTest, ObjectsAreFilesAtTheirKeyWithASidecarAndNoTempFiles) {
  ASSERT_TRUE(store_->Put("images/uploads/t1/original.jpg", "jpegbytes", {"image/jpeg"}).ok());
  EXPECT_EQ(FilesUnder(dir_ / "objects"),
            (std::vector<std::string>{"images/uploads/t1/.vmsg-meta.original.jpg",
                                      "images/uploads/t1/original.jpg"}));
  std::ifstream in(dir_ / "objects/images/uploads/t1/original.jpg");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "jpegbytes");
}

TEST_F(LocalStoreTest, MetadataIsQuotedMd5ContentTypeAndClockTime) {
  ASSERT_TRUE(store_->Put("a.txt", "hello", {"text/plain"}).ok());
  auto info = store_->Head("a.txt");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->etag, "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(info->content_type, "text/plain");
  EXPECT_EQ(info->last_modified, clock_.Now());
  EXPECT_EQ(info->size, 5u);
}

TEST_F(LocalStoreTest, LostSidecarFallsBackToTheFileItself) {
  ASSERT_TRUE(store_->Put("a.txt", "hello", {"text/plain"}).ok());
  fs::remove(dir_ / "objects/.vmsg-meta.a.txt");
  auto info = store_->Head("a.txt");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->etag, "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(info->content_type, "application/octet-stream");
}

TEST_F(LocalStoreTest, ReservedAndOverlongSegmentsAreRefused) {
  for (const std::string& key :
       std::vector<std::string>{".vmsg-meta.a", "x/.vmsg-tmp-1/y", std::string(241, 'a')}) {
    Status s = store_->Put(key, "x", {});
    EXPECT_EQ(s.reason(), "invalid_object_key") << key;
  }
  EXPECT_TRUE(store_->Put(std::string(240, 'a'), "x", {}).ok());
}

TEST_F(LocalStoreTest, AKeyThatWouldNeedAFileAsDirectoryIsAConflict) {
  ASSERT_TRUE(store_->Put("a", "1", {}).ok());
  EXPECT_EQ(store_->Put("a/b", "2", {}).reason(), "key_conflict");
  ASSERT_TRUE(store_->Put("c/d", "1", {}).ok());
  EXPECT_EQ(store_->Put("c", "2", {}).reason(), "key_conflict");
  EXPECT_EQ(*store_->GetBytes("a"), "1");
}

TEST_F(LocalStoreTest, DeleteRemovesTheSidecarAndEmptyDirectories) {
  ASSERT_TRUE(store_->Put("x/y/z.bin", "1", {}).ok());
  ASSERT_TRUE(store_->Put("x/keep.bin", "1", {}).ok());
  ASSERT_TRUE(store_->Delete("x/y/z.bin").ok());
  EXPECT_EQ(FilesUnder(dir_ / "objects"),
            (std::vector<std::string>{"x/.vmsg-meta.keep.bin", "x/keep.bin"}));
  EXPECT_FALSE(fs::exists(dir_ / "objects/x/y"));
}

// Splits "http://host/files/k?expires=E&signature=S".
struct GetUrl {
  std::string path, expires, signature;
};
GetUrl ParseUrl(const std::string& url) {
  GetUrl out;
  const size_t q = url.find('?');
  out.path = url.substr(0, q);
  const std::string query = url.substr(q + 1);
  const size_t amp = query.find('&');
  out.expires = query.substr(std::string("expires=").size(), amp - 8);
  out.signature = query.substr(amp + std::string("&signature=").size());
  return out;
}

TEST_F(LocalStoreTest, PresignedGetUrlIsSignedAndExpires) {
  ASSERT_TRUE(store_->Put("videos/t/final video.mp4", "mp4", {"video/mp4"}).ok());
  const std::string url = *store_->PresignGet("videos/t/final video.mp4", 3600s);
  const GetUrl parts = ParseUrl(url);
  EXPECT_EQ(parts.path, "http://example.test/files/videos/t/final%20video.mp4");
  auto ok = store_->VerifyGetUrl("videos/t/final video.mp4", parts.expires, parts.signature);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->info.content_type, "video/mp4");
  EXPECT_EQ(ok->file, dir_ / "objects/videos/t/final video.mp4");

  EXPECT_EQ(
      store_->VerifyGetUrl("videos/t/other.mp4", parts.expires, parts.signature).status().reason(),
      "signature_mismatch");
  EXPECT_EQ(store_
                ->VerifyGetUrl("videos/t/final video.mp4",
                               std::to_string(std::stoll(parts.expires) + 1), parts.signature)
                .status()
                .reason(),
            "signature_mismatch");
  std::string flipped = parts.signature;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  EXPECT_EQ(
      store_->VerifyGetUrl("videos/t/final video.mp4", parts.expires, flipped).status().reason(),
      "signature_mismatch");
  clock_.Advance(3600s);
  EXPECT_TRUE(store_->VerifyGetUrl("videos/t/final video.mp4", parts.expires, parts.signature)
                  .ok());  // valid through its last second
  clock_.Advance(1s);
  auto expired = store_->VerifyGetUrl("videos/t/final video.mp4", parts.expires, parts.signature);
  EXPECT_EQ(expired.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(expired.status().reason(), "url_expired");
}

TEST_F(LocalStoreTest, PresignRefusesExpiriesBeyondSevenDays) {
  EXPECT_EQ(store_->PresignGet("a", kMaxPresignExpiry + 1s).status().reason(), "invalid_expiry");
  EXPECT_TRUE(store_->PresignGet("a", kMaxPresignExpiry).ok());
}

TEST_F(LocalStoreTest, PresignedPostHasS3ShapedFieldsAndPolicy) {
  auto post = store_->PresignPost({.key = "images/uploads/t/original.jpg",
                                   .content_type = "image/jpeg",
                                   .max_bytes = 10 * 1024 * 1024});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->url, "http://example.test/api/uploads");
  ASSERT_EQ(post->fields.size(), 4u);
  EXPECT_EQ(post->fields[0],
            (std::pair<std::string, std::string>{"key", "images/uploads/t/original.jpg"}));
  EXPECT_EQ(post->fields[1].first, "Content-Type");
  EXPECT_EQ(post->fields[2].first, "policy");
  EXPECT_EQ(post->fields[3].first, "x-vmsg-signature");
  const Json policy = Json::parse(*Base64Decode(post->fields[2].second));
  // The same document S3's form carries (objects/post_policy.h), less the x-amz-* fields.
  EXPECT_EQ(policy["expiration"], "2026-03-10T16:00:00.000Z");
  EXPECT_EQ(
      policy["conditions"],
      Json::parse(R"([["eq","$key","images/uploads/t/original.jpg"],)"
                  R"(["eq","$Content-Type","image/jpeg"],["content-length-range",0,10485760]])"));
  EXPECT_EQ(post->expires_at, At("2026-03-10T16:00:00Z"));
}

TEST_F(LocalStoreTest, AGoodFormUploadsAndOnlyCommitStoresIt) {
  Fields form = FormFor({.key = "images/uploads/t/original.jpg", .content_type = "image/jpeg"});
  auto upload = store_->VerifyPostUpload(form, "me.jpg");
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  ASSERT_TRUE((*upload)->Write("abc").ok());
  EXPECT_FALSE(*store_->Exists("images/uploads/t/original.jpg"));
  ASSERT_TRUE((*upload)->Commit().ok());
  EXPECT_EQ(*store_->GetBytes("images/uploads/t/original.jpg"), "abc");
  EXPECT_EQ(store_->Head("images/uploads/t/original.jpg")->content_type, "image/jpeg");
}

TEST_F(LocalStoreTest, FilenameIsSubstitutedIntoAPrefixKey) {
  Fields form = FormFor({.key_prefix = "bgm/user/u1/"});
  EXPECT_EQ(form[0].second, "bgm/user/u1/${filename}");
  auto upload = store_->VerifyPostUpload(form, "song.mp3");
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ((*upload)->key(), "bgm/user/u1/song.mp3");
  ASSERT_TRUE((*upload)->Commit().ok());
  EXPECT_EQ(store_->Head("bgm/user/u1/song.mp3")->content_type, "binary/octet-stream");
  // A filename that would leave the prefix's directory is not a valid key.
  auto escape = store_->VerifyPostUpload(FormFor({.key_prefix = "bgm/user/u1/"}), "../../x");
  EXPECT_EQ(escape.status().reason(), "invalid_object_key");
}

TEST_F(LocalStoreTest, RefusedFormsSayWhy) {
  const PostPolicy policy{.key_prefix = "images/uploads/t/", .content_type = "image/png"};
  auto reason = [&](Fields form) {
    return store_->VerifyPostUpload(form, "f.png").status().reason();
  };
  {
    Fields f = FormFor(policy);
    SetField(f, "key", "videos/t/f.png");
    EXPECT_EQ(reason(f), "policy_condition_failed");
  }
  {
    Fields f = FormFor(policy);
    SetField(f, "Content-Type", "image/jpeg");
    EXPECT_EQ(reason(f), "policy_condition_failed");
  }
  {
    Fields f = FormFor(policy);
    SetField(f, "success_action_status", "201");  // not named by the policy
    EXPECT_EQ(reason(f), "policy_condition_failed");
    SetField(f, "success_action_status", "201");
    f.emplace_back("x-ignore-note", "fine");
    f.erase(f.begin() + 4);
    EXPECT_EQ(reason(f), "");
  }
  {
    Fields f = FormFor(policy);
    auto [encoded, signature] = std::pair{f[2].second, f[3].second};
    Json doc = Json::parse(*Base64Decode(encoded));
    doc["conditions"][2][2] = 1 << 30;  // a bigger upload, signature left as it was
    SetField(f, "policy", Base64Encode(DumpJson(doc)));
    EXPECT_EQ(reason(f), "signature_mismatch");
  }
  {
    Fields f = FormFor(policy);
    SetField(f, "x-vmsg-signature", std::string(64, '0'));
    EXPECT_EQ(reason(f), "signature_mismatch");
  }
  {
    Fields f = FormFor(policy);
    f.erase(f.begin() + 3);
    EXPECT_EQ(reason(f), "missing_field");
  }
  {
    Fields f = FormFor(policy);
    f.emplace_back("KEY", "images/uploads/t/again.png");
    EXPECT_EQ(reason(f), "duplicate_field");
  }
  {
    Fields f = FormFor(policy);
    clock_.Advance(3600s);
    EXPECT_EQ(reason(f), "policy_expired");
    clock_.Advance(-1s);
    EXPECT_EQ(reason(f), "");
  }
  {
    auto [encoded, signature] = store_->SignPolicy("{not json");
    Fields f = {{"key", "a"}, {"policy", encoded}, {"x-vmsg-signature", signature}};
    EXPECT_EQ(reason(f), "malformed_policy");
  }
  EXPECT_EQ(FilesUnder(dir_ / "objects"), std::vector<std::string>{});
}

TEST_F(LocalStoreTest, ConditionsAreCheckedAsS3Does) {
  const Json doc = {
      {"expiration", "2026-03-10T16:00:00.000Z"},
      {"conditions",
       Json::parse(R"([["starts-with","$key","a/"],["eq","$Content-Type","text/plain"],
                                     {"success_action_status":"201"},["starts-with","$x-note",""],
                                     ["content-length-range",2,4]])")}};
  auto [encoded, signature] = store_->SignPolicy(DumpJson(doc));
  Fields f = {{"key", "a/b"},
              {"content-type", "text/plain"},
              {"success_action_status", "201"},
              {"x-note", "anything"},
              {"policy", encoded},
              {"x-vmsg-signature", signature}};
  auto upload = store_->VerifyPostUpload(f, "");
  ASSERT_TRUE(upload.ok()) << upload.status().ToString();
  EXPECT_TRUE((*upload)->Write("abcd").ok());
  EXPECT_EQ((*upload)->Write("e").reason(), "entity_too_large");
  upload = store_->VerifyPostUpload(f, "");
  ASSERT_TRUE((*upload)->Write("a").ok());
  EXPECT_EQ((*upload)->Commit().status().reason(), "entity_too_small");
  upload->reset();
  f[2].second = "200";
  EXPECT_EQ(store_->VerifyPostUpload(f, "").status().reason(), "policy_condition_failed");
  EXPECT_EQ(FilesUnder(dir_ / "objects"), std::vector<std::string>{});
}

TEST_F(LocalStoreTest, AnAbandonedUploadLeavesNothing) {
  {
    auto upload = store_->VerifyPostUpload(FormFor({.key = "a/b", .max_bytes = 8}), "");
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE((*upload)->Write("12345678").ok());
    EXPECT_EQ((*upload)->Write("9").reason(), "entity_too_large");
  }
  EXPECT_FALSE(*store_->Exists("a/b"));
  for (const std::string& f : FilesUnder(dir_ / "objects")) ADD_FAILURE() << f;
}

TEST(LifecycleDueTimeTest, RoundsUpToTheNextMidnightUtc) {
  // AWS's own example: created 1/15/2014 10:30 UTC, 3 days: due 1/19/2014 00:00 UTC.
  EXPECT_EQ(LifecycleDueTime(At("2014-01-15T10:30:00Z"), 3), At("2014-01-19T00:00:00Z"));
  EXPECT_EQ(LifecycleDueTime(At("2014-01-15T00:00:00Z"), 3), At("2014-01-19T00:00:00Z"));
  EXPECT_EQ(LifecycleDueTime(At("2014-01-15T23:59:59Z"), 3), At("2014-01-19T00:00:00Z"));
}

class LifecycleTest : public LocalStoreTest {
 protected:
  void SetUp() override {
    LocalStoreTest::SetUp();
    ASSERT_TRUE(store_->ApplyLifecycle(SpecLifecycleRules()).ok());
    // Written 2026-03-10 15:00 UTC; one object under each rule's prefix and some outside.
    for (const char* key :
         {"images/uploads/t/original.jpg", "voices/generated/t/base_voice.wav",
          "videos/t/final_video.mp4", "voices/custom/p.wav", "images/previews/t/p0.jpg",
          "voices/system/default_female.wav", "bgm/system/a.mp3", "imagesX/uploads/t.jpg"}) {
      ASSERT_TRUE(store_->Put(key, key, {}).ok());
    }
  }

  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    auto page = store_->List("", "", 1000);
    for (const auto& o : page->objects) keys.push_back(o.key);
    return keys;
  }

  // Sweeps at `when` and returns the keys left.
  std::vector<std::string> SweepAt(std::string_view when) {
    auto stats = store_->Sweep(At(when));
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return Keys();
  }

  static bool Has(const std::vector<std::string>& keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  }
};

TEST_F(LifecycleTest, EachRuleActsOnItsPrefixOnItsDayAndNotADayEarlier) {
  const auto untouched = {"images/previews/t/p0.jpg", "voices/system/default_female.wav",
                          "bgm/system/a.mp3", "imagesX/uploads/t.jpg"};
  // 7-day rules: 2026-03-10T15:00 + 7 d = 03-17T15:00, rounded up to 03-18T00:00.
  auto keys = SweepAt("2026-03-17T00:00:00Z");  // a day earlier
  EXPECT_TRUE(Has(keys, "images/uploads/t/original.jpg"));
  keys = SweepAt("2026-03-17T23:59:59Z");
  EXPECT_TRUE(Has(keys, "images/uploads/t/original.jpg"));
  EXPECT_TRUE(Has(keys, "voices/generated/t/base_voice.wav"));
  keys = SweepAt("2026-03-18T00:00:00Z");
  EXPECT_FALSE(Has(keys, "images/uploads/t/original.jpg"));
  EXPECT_FALSE(Has(keys, "voices/generated/t/base_voice.wav"));
  EXPECT_TRUE(Has(keys, "videos/t/final_video.mp4"));
  EXPECT_TRUE(Has(keys, "voices/custom/p.wav"));
  EXPECT_FALSE(fs::exists(dir_ / "objects/images/uploads"));  // empty directories go too

  // 30 days: 04-09T15:00 -> 04-10T00:00.
  keys = SweepAt("2026-04-09T00:00:00Z");
  EXPECT_TRUE(Has(keys, "videos/t/final_video.mp4"));
  keys = SweepAt("2026-04-09T23:59:59Z");
  EXPECT_TRUE(Has(keys, "videos/t/final_video.mp4"));
  keys = SweepAt("2026-04-10T00:00:00Z");
  EXPECT_FALSE(Has(keys, "videos/t/final_video.mp4"));
  EXPECT_TRUE(fs::exists(dir_ / "objects/voices/custom/p.wav"));

  // 90 days to cold: 06-08T15:00 -> 06-09T00:00.
  SweepAt("2026-06-08T00:00:00Z");
  SweepAt("2026-06-08T23:59:59Z");
  EXPECT_TRUE(fs::exists(dir_ / "objects/voices/custom/p.wav"));
  EXPECT_FALSE(fs::exists(dir_ / "cold/voices/custom/p.wav"));
  auto stats = store_->Sweep(At("2026-06-09T00:00:00Z"));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->transitioned, 1);
  EXPECT_FALSE(fs::exists(dir_ / "objects/voices/custom/p.wav"));
  EXPECT_TRUE(fs::exists(dir_ / "cold/voices/custom/p.wav"));
  EXPECT_TRUE(fs::exists(dir_ / "cold/voices/custom/.vmsg-meta.p.wav"));
  // Cold objects stay readable, listed, with their metadata, and are not moved again.
  EXPECT_EQ(*store_->GetBytes("voices/custom/p.wav"), "voices/custom/p.wav");
  EXPECT_EQ(store_->Head("voices/custom/p.wav")->last_modified, At("2026-03-10T15:00:00Z"));
  EXPECT_EQ(store_->Sweep(At("2027-01-01T00:00:00Z"))->transitioned, 0);
  keys = Keys();
  EXPECT_TRUE(Has(keys, "voices/custom/p.wav"));
  for (const char* key : untouched) EXPECT_TRUE(Has(keys, key)) << key;
  EXPECT_EQ(keys.size(), 5u);
  // Overwriting a cold object makes it hot again; deleting removes it everywhere.
  ASSERT_TRUE(store_->Put("voices/custom/p.wav", "new", {}).ok());
  EXPECT_FALSE(fs::exists(dir_ / "cold/voices/custom/p.wav"));
  EXPECT_EQ(*store_->GetBytes("voices/custom/p.wav"), "new");
}

TEST_F(LifecycleTest, ExpiryCountsFromTheLastWrite) {
  clock_.Set(At("2026-03-16T12:00:00Z"));
  ASSERT_TRUE(store_->Put("images/uploads/t/original.jpg", "again", {}).ok());
  EXPECT_TRUE(Has(SweepAt("2026-03-18T00:00:00Z"), "images/uploads/t/original.jpg"));
  EXPECT_TRUE(Has(SweepAt("2026-03-23T23:59:59Z"), "images/uploads/t/original.jpg"));
  EXPECT_FALSE(Has(SweepAt("2026-03-24T00:00:00Z"), "images/uploads/t/original.jpg"));
}

TEST_F(LifecycleTest, NoRulesNoSweep) {
  ASSERT_TRUE(store_->ApplyLifecycle({}).ok());
  EXPECT_EQ(SweepAt("2030-01-01T00:00:00Z").size(), 8u);
}

}  // namespace
}  // namespace vmsg::objects
