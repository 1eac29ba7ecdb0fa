// The ObjectStore conformance suite, run on every backend TestStores() lists. Only the
// interface and plain HTTP (libcurl) are used, so the same tests hold S3 and the local store
// to one contract. Each test works under a random prefix of its own, as backends may share
// a bucket.
#include "object_store_conformance.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "base/crypto.h"
#include "http_fetch.h"

namespace vmsg::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using objects::ByteRange;
using objects::ObjectStore;

class ObjectStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    Result<StoreUnderTest> made = GetParam().make();
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    sut_ = std::move(*made);
    prefix_ = "conformance/" + HexEncode(RandomBytes(6)) + "/";
  }
  void TearDown() override {
    if (!sut_.store) return;
    // Leave a shared bucket as it was.
    std::string token;
    do {
      auto page = store().List(prefix_, token, 1000);
      if (!page.ok()) break;
      for (const auto& o : page->objects) (void)store().Delete(o.key);
      token = page->next_token;
    } while (!token.empty());
  }

  ObjectStore& store() { return *sut_.store; }
  std::string K(std::string_view rest) const { return prefix_ + std::string(rest); }

  StoreUnderTest sut_;
  std::string prefix_;
};

std::string Pattern(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

TEST_P(ObjectStoreConformance, PutThenGetAndHeadRoundTrip) {
  ASSERT_TRUE(store().Put(K("a/hello.txt"), "hello", {"text/plain"}).ok());
  EXPECT_EQ(*store().GetBytes(K("a/hello.txt")), "hello");
  auto info = store().Head(K("a/hello.txt"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->key, K("a/hello.txt"));
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->etag, "\"5d41402abc4b2a76b9719d911017c592\"");  // quoted MD5, as S3
  EXPECT_EQ(info->content_type, "text/plain");
  const auto skew = std::chrono::abs(info->last_modified - std::chrono::system_clock::now());
  EXPECT_LT(skew, std::chrono::minutes(5));
  EXPECT_TRUE(*store().Exists(K("a/hello.txt")));
}

TEST_P(ObjectStoreConformance, EmptyAndBinaryObjects) {
  ASSERT_TRUE(store().Put(K("empty"), "", {}).ok());
  EXPECT_EQ(*store().GetBytes(K("empty")), "");
  EXPECT_EQ(store().Head(K("empty"))->size, 0u);
  const std::string binary = Pattern(100'000, 7) + std::string(3, '\0');
  ASSERT_TRUE(store().Put(K("bin"), binary, {}).ok());
  EXPECT_EQ(*store().GetBytes(K("bin")), binary);
}

TEST_P(ObjectStoreConformance, MissingKeysAreNotFoundAndDeleteIsIdempotent) {
  EXPECT_TRUE(store().Head(K("missing")).status().IsNotFound());
  EXPECT_TRUE(store().GetBytes(K("missing")).status().IsNotFound());
  EXPECT_FALSE(*store().Exists(K("missing")));
  EXPECT_TRUE(store().Delete(K("missing")).ok());
  ASSERT_TRUE(store().Put(K("x"), "1", {}).ok());
  EXPECT_TRUE(store().Delete(K("x")).ok());
  EXPECT_TRUE(store().Delete(K("x")).ok());
  EXPECT_TRUE(store().Head(K("x")).status().IsNotFound());
}

TEST_P(ObjectStoreConformance, InvalidKeysAreRefusedEverywhere) {
  const std::vector<std::string> bad = {"",
                                        "/abs",
                                        K("a//b"),
                                        K("a/../b"),
                                        K("./b"),
                                        K("dir/"),
                                        K("back\\slash"),
                                        K("ctl\x01"),
                                        K("nl\n"),
                                        K("bad\xff utf8"),
                                        K(std::string(1025, 'k'))};
  for (const std::string& key : bad) {
    EXPECT_EQ(store().Put(key, "x", {}).reason(), "invalid_object_key") << key;
    EXPECT_EQ(store().Head(key).status().reason(), "invalid_object_key") << key;
    EXPECT_EQ(store().Delete(key).reason(), "invalid_object_key") << key;
    EXPECT_EQ(store().PresignGet(key, 60s).status().reason(), "invalid_object_key") << key;
  }
  // The longest key, in UTF-8, is fine.
  std::string longest = K("日本語/");
  while (longest.size() < objects::kMaxKeyBytes) {
    longest += (longest.size() % 150 == 0) ? '/' : 'x';
  }
  longest.resize(objects::kMaxKeyBytes);
  if (longest.back() == '/') longest.back() = 'y';
  ASSERT_EQ(longest.size(), objects::kMaxKeyBytes);
  ASSERT_TRUE(store().Put(longest, "long", {}).ok());
  EXPECT_EQ(*store().GetBytes(longest), "long");
}

TEST_P(ObjectStoreConformance, RangesAndUnsatisfiableRanges) {
  ASSERT_TRUE(store().Put(K("digits"), "0123456789", {}).ok());
  auto get = [&](ByteRange r) { return store().GetBytes(K("digits"), r); };
  EXPECT_EQ(*get({2, 5}), "2345");
  EXPECT_EQ(*get({7, std::nullopt}), "789");
  EXPECT_EQ(*get({8, 100}), "89");  // a last byte past the end is clamped
  EXPECT_EQ(*get({9, 9}), "9");
  for (ByteRange r : {ByteRange{10, std::nullopt}, ByteRange{11, 20}}) {
    auto past = get(r);
    EXPECT_EQ(past.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(past.status().reason(), "range_not_satisfiable");
  }
  // The metadata describes the whole object even for a range.
  auto info = store().Get(
      K("digits"), [](std::string_view) { return Status::Ok(); }, ByteRange{0, 0});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 10u);
}

TEST_P(ObjectStoreConformance, AFailingSinkStopsTheTransfer) {
  ASSERT_TRUE(store().Put(K("big"), Pattern(1 << 20, 3), {}).ok());
  size_t seen = 0;
  auto got = store().Get(K("big"), [&](std::string_view chunk) {
    seen += chunk.size();
    return Status::Cancelled("enough");
  });
  EXPECT_EQ(got.status().code(), StatusCode::kCancelled);
  EXPECT_LT(seen, size_t{1} << 20);
}

TEST_P(ObjectStoreConformance, OverwriteIsAtomicForReaders) {
  const std::string a(512 * 1024, 'a');
  const std::string b(700 * 1024, 'b');
  ASSERT_TRUE(store().Put(K("flip"), a, {"text/plain"}).ok());
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      auto got = store().GetBytes(K("flip"));
      if (!got.ok()) {
        ++torn;
        continue;
      }
      ++reads;
      if (*got != a && *got != b) ++torn;
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store().Put(K("flip"), i % 2 == 0 ? b : a, {"text/plain"}).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(*store().GetBytes(K("flip")), a);
  EXPECT_EQ(store().Head(K("flip"))->size, a.size());
}

TEST_P(ObjectStoreConformance, ListingIsInBinaryKeyOrderAndPagesOverMoreThan1000Keys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1003; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "many/%04d", i);
    keys.push_back(K(name));
  }
  // Binary UTF-8 order: upper case before lower, multi-byte after ASCII.
  for (const char* odd : {"many/B", "many/a", "many/é", "many/~", "many/日", "many/Z/z"}) {
    keys.push_back(K(odd));
  }
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < keys.size(); i += 4) {
        if (!store().Put(keys[i], "v", {}).ok()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(store().Put(K("manyX"), "outside the prefix below", {}).ok());
  std::sort(keys.begin(), keys.end());

  auto first = store().List(K("many/"), "", 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->objects.size(), 1000u);
  ASSERT_FALSE(first->next_token.empty());
  auto second = store().List(K("many/"), first->next_token, 1000);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->objects.size(), keys.size() - 1000);
  EXPECT_TRUE(second->next_token.empty());
  std::vector<std::string> listed;
  for (const auto& page : {*first, *second}) {
    for (const auto& o : page.objects) listed.push_back(o.key);
  }
  EXPECT_EQ(listed, keys);
  EXPECT_EQ(first->objects[0].size, 1u);

  // Small pages walk the same sequence.
  listed.clear();
  std::string token;
  int pages = 0;
  do {
    auto page = store().List(K("many/0"), token, 97);
    ASSERT_TRUE(page.ok());
    ASSERT_LE(page->objects.size(), 97u);
    for (const auto& o : page->objects) listed.push_back(o.key);
    token = page->next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(listed, std::vector<std::string>(keys.begin(), keys.begin() + 1000));
  EXPECT_EQ(pages, 11);

  auto none = store().List(K("nothing/"), "", 1000);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->objects.empty());
  EXPECT_TRUE(none->next_token.empty());
}

TEST_P(ObjectStoreConformance, PutFileStreamsALargeFile) {
  const fs::path file =
      fs::temp_directory_path() / ("vmsg_conformance_" + HexEncode(RandomBytes(6)) + ".bin");
  constexpr size_t kChunk = 1 << 20;
  constexpr int kChunks = 40;  // 40 MiB, written and compared a chunk at a time
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < kChunks; ++i) out << Pattern(kChunk, static_cast<uint32_t>(i));
  }
  ASSERT_TRUE(store().PutFile(K("large.bin"), file, {"application/octet-stream"}).ok());
  fs::remove(file);
  EXPECT_EQ(store().Head(K("large.bin"))->size, kChunk * kChunks);
  ASSERT_TRUE(store().GetToFile(K("large.bin"), file).ok());
  std::ifstream in(file, std::ios::binary);
  std::string piece(kChunk, '\0');
  for (int i = 0; i < kChunks; ++i) {
    in.read(piece.data(), kChunk);
    ASSERT_EQ(in.gcount(), static_cast<std::streamsize>(kChunk));
    ASSERT_TRUE(piece == Pattern(kChunk, static_cast<uint32_t>(i))) << "chunk " << i;
  }
  fs::remove(file);
  // A range from the middle.
  EXPECT_EQ(*store().GetBytes(K("large.bin"), ByteRange{kChunk * 7 + 5, kChunk * 7 + 9}),
            Pattern(kChunk, 7).substr(5, 5));
}

TEST_P(ObjectStoreConformance, PresignedGetDownloadsWithAPlainClient) {
  const std::string body = "a presigned download";
  ASSERT_TRUE(store().Put(K("dl/file name ü.txt"), body, {"text/plain"}).ok());
  auto url = store().PresignGet(K("dl/file name ü.txt"), 300s);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  FetchResult got = HttpGet(*url);
  ASSERT_EQ(got.status, 200) << got.error << got.body;
  EXPECT_EQ(got.body, body);
  EXPECT_EQ(got.Header("content-type").substr(0, 10), "text/plain");

  FetchResult part = HttpGet(*url, {"Range: bytes=2-11"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "presigned ");
  EXPECT_EQ(HttpGet(*url, {"Range: bytes=100-"}).status, 416);

  if (!GetParam().enforces_signatures) return;  // see StoreFactory::enforces_signatures
  // Tampering with any part of the URL breaks it.
  std::string tampered = *url;
  const size_t sig = tampered.find("ignature=");
  ASSERT_NE(sig, std::string::npos);
  char& c = tampered[sig + 9];
  c = c == '0' ? '1' : '0';
  EXPECT_EQ(HttpGet(tampered).status, 403);
  ASSERT_TRUE(store().Put(K("dl/other.txt"), "other", {"text/plain"}).ok());
  std::string other = *url;
  const std::string encoded_name = "file%20name%20%C3%BC.txt";
  const size_t at = other.find(encoded_name);
  ASSERT_NE(at, std::string::npos) << other;
  other.replace(at, encoded_name.size(), "other.txt");
  EXPECT_EQ(HttpGet(other).status, 403);
}

// A form's fields with `name` replaced (or added).
std::vector<std::pair<std::string, std::string>> With(
    std::vector<std::pair<std::string, std::string>> fields, const std::string& name,
    const std::string& value) {
  for (auto& [n, v] : fields) {
    if (n == name) {
      v = value;
      return fields;
    }
  }
  fields.emplace_back(name, value);
  return fields;
}

TEST_P(ObjectStoreConformance, PresignedPostUploadsWithAPlainClient) {
  auto post = store().PresignPost(
      {.key = K("up/original.png"), .content_type = "image/png", .max_bytes = 4096});
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  EXPECT_EQ(post->object_key, K("up/original.png"));
  EXPECT_GT(post->expires_at, std::chrono::system_clock::now() + 3500s);
  const std::string png = "\x89PNG\r\n\x1a\n" + Pattern(3000, 1);
  FetchResult r = HttpPostForm(post->url, post->fields, "me.png", "image/png", png);
  ASSERT_EQ(r.status, 204) << r.error << r.body;
  EXPECT_EQ(*store().GetBytes(K("up/original.png")), png);
  EXPECT_EQ(store().Head(K("up/original.png"))->content_type, "image/png");
}

TEST_P(ObjectStoreConformance, PresignedPostWithAPrefixTakesTheFilename) {
  auto post = store().PresignPost({.key_prefix = K("bgm/"), .max_bytes = 100});
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  FetchResult r = HttpPostForm(post->url, post->fields, "song.mp3", "audio/mpeg", "ID3....");
  ASSERT_EQ(r.status, 204) << r.error << r.body;
  EXPECT_EQ(*store().GetBytes(K("bgm/song.mp3")), "ID3....");
}

TEST_P(ObjectStoreConformance, PresignedPostRefusesWhatItsPolicyForbids) {
  if (!GetParam().enforces_signatures) {
    GTEST_SKIP() << GetParam().name << "'s endpoint does not enforce POST policies";
  }
  auto post = store().PresignPost(
      {.key_prefix = K("pol/"), .content_type = "image/jpeg", .max_bytes = 1024});
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  const auto& fields = post->fields;
  // Wrong content type.
  FetchResult r =
      HttpPostForm(post->url, With(fields, "Content-Type", "image/png"), "a.jpg", "image/png", "x");
  EXPECT_EQ(r.status, 403) << r.body;
  // Too large.
  r = HttpPostForm(post->url, fields, "b.jpg", "image/jpeg", std::string(1025, 'j'));
  EXPECT_EQ(r.status, 400) << r.body;
  // A key outside the policy.
  r = HttpPostForm(post->url, With(fields, "key", K("elsewhere/c.jpg")), "c.jpg", "image/jpeg",
                   "x");
  EXPECT_EQ(r.status, 403) << r.body;
  // A policy edited after signing.
  std::string policy;
  for (const auto& [n, v] : fields) {
    if (n == "policy") policy = v;
  }
  std::string decoded = *Base64Decode(policy);
  const size_t max_at = decoded.find("1024");
  ASSERT_NE(max_at, std::string::npos) << decoded;
  decoded.replace(max_at, 4, "9999");
  r = HttpPostForm(post->url, With(fields, "policy", Base64Encode(decoded)), "d.jpg", "image/jpeg",
                   std::string(2000, 'j'));
  EXPECT_EQ(r.status, 403) << r.body;
  // None of them stored anything.
  auto page = store().List(K(""), "", 1000);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  // And the form itself still works.
  r = HttpPostForm(post->url, fields, "e.jpg", "image/jpeg", std::string(1024, 'j'));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(*store().Exists(K("pol/e.jpg")));
}

TEST_P(ObjectStoreConformance, CheckReachableIsOk) { EXPECT_TRUE(store().CheckReachable().ok()); }

INSTANTIATE_TEST_SUITE_P(Stores, ObjectStoreConformance, ::testing::ValuesIn(TestStores()),
                         [](const ::testing::TestParamInfo<StoreFactory>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace vmsg::testing
