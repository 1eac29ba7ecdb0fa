// Tests for the static file helpers: path resolution against a real temporary tree (escapes,
// hidden files, symlinks), MIME types, ETags, If-None-Match and Range parsing.
#include "http/static_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace vmsg::http {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

void WriteFile(const fs::path& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  ASSERT_TRUE(out.good()) << path;
}

// base/
//   outside/secret.txt           a file the server must never reach
//   root/                        the document root
//     index.html  style.css  a b.txt  weird..name.txt
//     sub/index.html  sub/page.txt
//     nodir/file.txt             a directory without index.html
//     .env  .git/config          hidden entries
//     link_inside.txt   -> style.css          allowed
//     link_outside.txt  -> ../outside/secret.txt
//     link_outside_dir  -> ../outside
//     link_to_hidden.txt -> .env
//     link_abs_outside.txt -> <absolute path of outside/secret.txt>
class ResolveStaticPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "static_files_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    base_ = fs::canonical(tmpl);
    root_ = base_ / "root";
    const fs::path outside = base_ / "outside";
    fs::create_directories(root_ / "sub");
    fs::create_directories(root_ / "nodir");
    fs::create_directories(root_ / ".git");
    fs::create_directories(outside);
    WriteFile(outside / "secret.txt", "secret");
    WriteFile(root_ / "index.html", "<h1>home</h1>");
    WriteFile(root_ / "style.css", "body{}");
    WriteFile(root_ / "a b.txt", "space");
    WriteFile(root_ / "weird..name.txt", "dots");
    WriteFile(root_ / "sub" / "index.html", "<h1>sub</h1>");
    WriteFile(root_ / "sub" / "page.txt", "page");
    WriteFile(root_ / "nodir" / "file.txt", "file");
    WriteFile(root_ / ".env", "PASSWORD=x");
    WriteFile(root_ / ".git" / "config", "[core]");
    fs::create_symlink("style.css", root_ / "link_inside.txt");
    fs::create_symlink("../outside/secret.txt", root_ / "link_outside.txt");
    fs::create_directory_symlink("../outside", root_ / "link_outside_dir");
    fs::create_symlink(".env", root_ / "link_to_hidden.txt");
    fs::create_symlink(outside / "secret.txt", root_ / "link_abs_outside.txt");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  void ExpectResolves(std::string_view url, const fs::path& expected) {
    Result<fs::path> resolved = ResolveStaticPath(root_, url);
    ASSERT_TRUE(resolved.ok()) << url << ": " << resolved.status();
    EXPECT_EQ(*resolved, expected) << url;
  }

  void ExpectNotFound(std::string_view url) {
    Result<fs::path> resolved = ResolveStaticPath(root_, url);
    ASSERT_FALSE(resolved.ok()) << url << " resolved to " << *resolved;
    // Identical to a plain missing file, so a client learns nothing from the answer.
    const Status missing = ResolveStaticPath(root_, "/no-such-file.txt").status();
    EXPECT_TRUE(resolved.status().IsNotFound()) << url;
    EXPECT_EQ(resolved.status().reason(), "not_found") << url;
    EXPECT_EQ(resolved.status(), missing) << url;
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(ResolveStaticPathTest, ResolvesRegularFiles) {
  ExpectResolves("/style.css", root_ / "style.css");
  ExpectResolves("/sub/page.txt", root_ / "sub" / "page.txt");
  ExpectResolves("/nodir/file.txt", root_ / "nodir" / "file.txt");
  ExpectResolves("/weird..name.txt", root_ / "weird..name.txt");
}

TEST_F(ResolveStaticPathTest, DecodesPercentEscapes) {
  ExpectResolves("/a%20b.txt", root_ / "a b.txt");
  ExpectResolves("/%73tyle.css", root_ / "style.css");
  ExpectResolves("/s%75b/p%61ge.txt", root_ / "sub" / "page.txt");
}

TEST_F(ResolveStaticPathTest, DirectoriesServeIndexHtml) {
  ExpectResolves("/", root_ / "index.html");
  ExpectResolves("/sub/", root_ / "sub" / "index.html");
}

TEST_F(ResolveStaticPathTest, SymlinkInsideRootIsFollowed) {
  ExpectResolves("/link_inside.txt", root_ / "style.css");
}

TEST_F(ResolveStaticPathTest, RootGivenThroughSymlinkStillConfines) {
  const fs::path alias = base_ / "alias";
  fs::create_directory_symlink(root_, alias);
  Result<fs::path> ok = ResolveStaticPath(alias, "/sub/page.txt");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, root_ / "sub" / "page.txt");
  EXPECT_FALSE(ResolveStaticPath(alias, "/link_outside.txt").ok());
}

TEST_F(ResolveStaticPathTest, RefusesDotDotInEveryForm) {
  for (std::string_view url : {
           "/../outside/secret.txt",
           "/%2e%2e/outside/secret.txt",
           "/%2E%2e/outside/secret.txt",
           "/.%2e/outside/secret.txt",
           "/%2E%2e%2foutside%2fsecret.txt",
           "/..%2foutside%2fsecret.txt",
           "/..%5coutside%5csecret.txt",
           "/sub/..%5c..%5coutside%5csecret.txt",
           "/sub/../index.html",
           "/sub/%2e%2e/index.html",
           "/..",
           "/sub/..",
           "/../",
       }) {
    ExpectNotFound(url);
  }
}

TEST_F(ResolveStaticPathTest, RefusesDotSegmentsAndEmptySegments) {
  for (std::string_view url : {
           "/./index.html",
           "/%2e/index.html",
           "/sub/./page.txt",
           "/.",
           "/./",
           "//index.html",
           "//",
           "/sub//page.txt",
           "/sub//",
           "/sub/page.txt//",
       }) {
    ExpectNotFound(url);
  }
}

TEST_F(ResolveStaticPathTest, RefusesSeparatorsAndNul) {
  for (std::string_view url : {
           std::string_view("/sub\\page.txt"),
           std::string_view("/sub%5cpage.txt"),
           std::string_view("/sub%5Cpage.txt"),
           std::string_view("/sub%2fpage.txt"),
           std::string_view("/sub%2Fpage.txt"),
           std::string_view("/index.html%00"),
           std::string_view("/index.html%00.txt"),
           std::string_view("/index.html\0", 12),
       }) {
    ExpectNotFound(url);
  }
}

TEST_F(ResolveStaticPathTest, RefusesHiddenEntries) {
  for (std::string_view url :
       {"/.env", "/%2eenv", "/%2Eenv", "/.git/config", "/.git/", "/link_to_hidden.txt"}) {
    ExpectNotFound(url);
  }
}

TEST_F(ResolveStaticPathTest, RefusesSymlinksLeavingRoot) {
  // The targets exist and are readable, so only the confinement check can refuse them.
  ASSERT_TRUE(fs::is_regular_file(root_ / "link_outside.txt"));
  ASSERT_TRUE(fs::is_regular_file(root_ / "link_outside_dir" / "secret.txt"));
  ExpectNotFound("/link_outside.txt");
  ExpectNotFound("/link_outside_dir/secret.txt");
  ExpectNotFound("/link_abs_outside.txt");
}

TEST_F(ResolveStaticPathTest, RefusesWhatIsNotARegularFile) {
  ExpectNotFound("/nodir/");  // a directory without index.html
  ExpectNotFound("/nodir");
  ExpectNotFound("/sub");  // a directory named without its trailing slash
  ExpectNotFound("/missing.txt");
  ExpectNotFound("/sub/missing/");
}

TEST_F(ResolveStaticPathTest, RefusesMalformedPaths) {
  ExpectNotFound("");
  ExpectNotFound("index.html");
  ExpectNotFound("/%zz");
  ExpectNotFound("/style.css%");
  ExpectNotFound("/style.css%2");
  ExpectNotFound("/" + std::string(kMaxStaticUrlPathLength, 'a'));
}

TEST_F(ResolveStaticPathTest, MissingRootIsNotFound) {
  EXPECT_TRUE(ResolveStaticPath(base_ / "no-root", "/").status().IsNotFound());
}

TEST(PercentDecodePathTest, DecodesEscapes) {
  EXPECT_EQ(PercentDecodePath("/a%20b").value(), "/a b");
  EXPECT_EQ(PercentDecodePath("%41%6a%6A").value(), "Ajj");
  EXPECT_EQ(PercentDecodePath("/a+b").value(), "/a+b");
  EXPECT_EQ(PercentDecodePath("%2f%2E%e2%82%ac").value(), "/.\xe2\x82\xac");
  EXPECT_EQ(PercentDecodePath("").value(), "");
}

TEST(PercentDecodePathTest, RejectsBadEscapesAndNul) {
  for (std::string_view raw : {
           std::string_view("%zz"),
           std::string_view("/a%g1"),
           std::string_view("/a%1g"),
           std::string_view("%"),
           std::string_view("/a%2"),
           std::string_view("%00"),
           std::string_view("/a\0b", 4),
       }) {
    Result<std::string> decoded = PercentDecodePath(raw);
    ASSERT_FALSE(decoded.ok()) << raw;
    EXPECT_TRUE(decoded.status().IsInvalidArgument());
    EXPECT_EQ(decoded.status().reason(), "bad_path");
  }
}

TEST(MimeTypeForTest, KnownExtensions) {
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"index.html", "text/html; charset=utf-8"},
      {"old.htm", "text/html; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"mod.mjs", "text/javascript; charset=utf-8"},
      {"data.json", "application/json"},
      {"site.webmanifest", "application/manifest+json"},
      {"logo.svg", "image/svg+xml"},
      {"a.png", "image/png"},
      {"a.jpg", "image/jpeg"},
      {"a.jpeg", "image/jpeg"},
      {"a.webp", "image/webp"},
      {"a.gif", "image/gif"},
      {"favicon.ico", "image/x-icon"},
      {"clip.mp4", "video/mp4"},
      {"clip.webm", "video/webm"},
      {"song.mp3", "audio/mpeg"},
      {"song.wav", "audio/wav"},
      {"song.ogg", "audio/ogg"},
      {"song.m4a", "audio/mp4"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"font.woff2", "font/woff2"},
      {"mod.wasm", "application/wasm"},
      {"app.js.map", "application/json"},
      {"/srv/www/sub/page.HTML", "text/html; charset=utf-8"},
  };
  for (const auto& [name, mime] : cases) EXPECT_EQ(MimeTypeFor(name), mime) << name;
}

TEST(MimeTypeForTest, ExtensionIsCaseInsensitive) {
  EXPECT_EQ(MimeTypeFor("A.PNG"), "image/png");
  EXPECT_EQ(MimeTypeFor("b.JpEg"), "image/jpeg");
  EXPECT_EQ(MimeTypeFor("c.Css"), "text/css; charset=utf-8");
}

TEST(MimeTypeForTest, UnknownIsOctetStream) {
  for (const char* name : {"README", "archive.tar.gz", "a.exe", ".bashrc", "trailing.", "a.html5",
                           "a.htmlx", "a.h", ""}) {
    EXPECT_EQ(MimeTypeFor(name), "application/octet-stream") << name;
  }
}

TEST(MakeETagTest, FormatsSizeAndNanosecondsInHex) {
  const fs::file_time_type mtime(std::chrono::nanoseconds(0x1234abcd));
  EXPECT_EQ(MakeETag(255, mtime), "\"ff-1234abcd\"");
  EXPECT_EQ(MakeETag(0, fs::file_time_type(std::chrono::nanoseconds(0))), "\"0-0\"");
}

TEST(MakeETagTest, ChangesWithSizeOrMtime) {
  const fs::file_time_type mtime(std::chrono::seconds(1'700'000'000));
  const std::string tag = MakeETag(100, mtime);
  EXPECT_EQ(tag, MakeETag(100, mtime));
  EXPECT_NE(tag, MakeETag(101, mtime));
  EXPECT_NE(tag, MakeETag(100, mtime + std::chrono::nanoseconds(1)));
  EXPECT_NE(tag, MakeETag(100, mtime - std::chrono::seconds(1)));
}

TEST(MakeETagTest, FollowsARealFile) {
  std::string tmpl = ::testing::TempDir() + "etag_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const fs::path file = fs::path(tmpl) / "f.txt";
  WriteFile(file, "hello");
  const std::string before = MakeETag(fs::file_size(file), fs::last_write_time(file));
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(5));
  const std::string touched = MakeETag(fs::file_size(file), fs::last_write_time(file));
  EXPECT_NE(before, touched);
  fs::remove_all(tmpl);
}

TEST(IfNoneMatchTest, MatchesExactAndListedTags) {
  EXPECT_TRUE(IfNoneMatchMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\",\"y\" ,\t\"abc\"  ", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"a,b\"", "\"a,b\""));  // commas may sit inside a tag
}

TEST(IfNoneMatchTest, ComparesWeakly) {
  EXPECT_TRUE(IfNoneMatchMatches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"abc\"", "W/\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("W/\"abd\"", "\"abc\""));
}

TEST(IfNoneMatchTest, Wildcard) {
  EXPECT_TRUE(IfNoneMatchMatches("*", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("  * ", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("*abc", "\"abc\""));
}

TEST(IfNoneMatchTest, RejectsNonMatches) {
  EXPECT_FALSE(IfNoneMatchMatches("", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"ab\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"abcd\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"x\", \"y\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("abc", "\"abc\""));    // unquoted
  EXPECT_FALSE(IfNoneMatchMatches("\"abc", "\"abc\""));  // unterminated
  EXPECT_FALSE(IfNoneMatchMatches("w/\"abc\"x", "\"abc\""));
}

TEST(IfNoneMatchTest, SkipsMalformedMembers) {
  EXPECT_TRUE(IfNoneMatchMatches("garbage, \"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches(",,\"abc\"", "\"abc\""));
}

TEST(IfNoneMatchTest, WorksWithMakeETag) {
  const std::string tag = MakeETag(42, fs::file_time_type(std::chrono::seconds(7)));
  EXPECT_TRUE(IfNoneMatchMatches("W/" + tag, tag));
  EXPECT_FALSE(IfNoneMatchMatches(MakeETag(43, fs::file_time_type(std::chrono::seconds(7))), tag));
}

void ExpectSingle(std::string_view header, uint64_t size, uint64_t offset, uint64_t length) {
  const RangeRequest r = ParseRange(header, size);
  ASSERT_EQ(r.kind, RangeKind::kSingle) << header << " size " << size;
  EXPECT_EQ(r.range.offset, offset) << header;
  EXPECT_EQ(r.range.length, length) << header;
}

void ExpectKind(std::string_view header, uint64_t size, RangeKind kind) {
  EXPECT_EQ(ParseRange(header, size).kind, kind) << "'" << header << "' size " << size;
}

TEST(ParseRangeTest, SingleRangeForms) {
  ExpectSingle("bytes=0-499", 1000, 0, 500);
  ExpectSingle("bytes=500-", 1000, 500, 500);
  ExpectSingle("bytes=-200", 1000, 800, 200);
  ExpectSingle("bytes=999-999", 1000, 999, 1);
  ExpectSingle("bytes=0-0", 1000, 0, 1);
  ExpectSingle("bytes=999-", 1000, 999, 1);
}

TEST(ParseRangeTest, ClampsPastTheEnd) {
  ExpectSingle("bytes=900-5000", 1000, 900, 100);
  ExpectSingle("bytes=0-1000", 1000, 0, 1000);
  ExpectSingle("bytes=-5000", 1000, 0, 1000);  // suffix longer than the representation
  ExpectSingle("bytes=-1000", 1000, 0, 1000);
}

TEST(ParseRangeTest, UnitAndWhitespace) {
  ExpectSingle("BYTES=0-1", 1000, 0, 2);
  ExpectSingle("Bytes=0-1", 1000, 0, 2);
  ExpectSingle("  bytes=0-1 \t", 1000, 0, 2);
  ExpectSingle("bytes= 0-1", 1000, 0, 2);
  ExpectSingle("bytes=0-1 ,", 1000, 0, 2);  // empty list members are ignored
  ExpectSingle("bytes=, ,-10", 1000, 990, 10);
  ExpectKind("items=0-1", 1000, RangeKind::kNone);
  ExpectKind("bytesx=0-1", 1000, RangeKind::kNone);
  ExpectKind("bytes 0-1", 1000, RangeKind::kNone);
}

TEST(ParseRangeTest, Unsatisfiable) {
  ExpectKind("bytes=1000-", 1000, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=1000-2000", 1000, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=5000-6000", 1000, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=-0", 1000, RangeKind::kUnsatisfiable);
}

TEST(ParseRangeTest, HugeNumbersSaturateInsteadOfOverflowing) {
  ExpectKind("bytes=99999999999999999999999-", 1000, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=18446744073709551616-", 1000, RangeKind::kUnsatisfiable);  // 2^64
  ExpectKind("bytes=99999999999999999999999-99999999999999999999999", 1000,
             RangeKind::kUnsatisfiable);
  ExpectSingle("bytes=0-99999999999999999999999", 1000, 0, 1000);
  ExpectSingle("bytes=-99999999999999999999999", 1000, 0, 1000);
  // 2^64 would wrap to 0 without saturation and then look like a valid range.
  ExpectSingle("bytes=5-18446744073709551616", 1000, 5, 995);
  ExpectKind("bytes=18446744073709551616-5", 1000, RangeKind::kNone);  // last < first
}

TEST(ParseRangeTest, LargestRepresentation) {
  ExpectSingle("bytes=0-", kMax, 0, kMax);
  ExpectSingle("bytes=-1", kMax, kMax - 1, 1);
  ExpectSingle("bytes=18446744073709551614-", kMax, kMax - 1, 1);
  ExpectKind("bytes=18446744073709551615-", kMax, RangeKind::kUnsatisfiable);
}

TEST(ParseRangeTest, MalformedIsIgnored) {
  for (std::string_view header : {"",
                                  "   ",
                                  "bytes",
                                  "bytes=",
                                  "bytes=,",
                                  "=0-1",
                                  "bytes=abc",
                                  "bytes=5",
                                  "bytes=-",
                                  "bytes=1-0",
                                  "bytes=0 - 1",
                                  "bytes=0- 1",
                                  "bytes=0x10-",
                                  "bytes=+1-2",
                                  "bytes=--1",
                                  "bytes=1-2-3",
                                  "bytes=-1-2",
                                  "bytes=-+5",
                                  "bytes=1.5-2",
                                  "bytes==0-1"}) {
    ExpectKind(header, 1000, RangeKind::kNone);
  }
}

TEST(ParseRangeTest, MultiRangeIsServedWhole) {
  ExpectKind("bytes=0-1,5-6", 1000, RangeKind::kNone);
  ExpectKind("bytes=0-1, -5", 1000, RangeKind::kNone);
  ExpectKind("bytes=2000-3000, 4000-", 1000, RangeKind::kNone);
}

TEST(ParseRangeTest, ZeroSizeRepresentation) {
  ExpectKind("bytes=0-", 0, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=0-0", 0, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=-0", 0, RangeKind::kUnsatisfiable);
  ExpectKind("bytes=-5", 0, RangeKind::kNone);  // satisfiable, but a 206 cannot say zero bytes
  ExpectKind("", 0, RangeKind::kNone);
}

TEST(ContentRangeTest, FormatsHeaders) {
  EXPECT_EQ(ContentRangeHeader(ByteRange{0, 500}, 1000), "bytes 0-499/1000");
  EXPECT_EQ(ContentRangeHeader(ByteRange{999, 1}, 1000), "bytes 999-999/1000");
  EXPECT_EQ(ContentRangeHeader(ByteRange{0, kMax}, kMax),
            "bytes 0-18446744073709551614/18446744073709551615");
  EXPECT_EQ(UnsatisfiedContentRangeHeader(1000), "bytes */1000");
  EXPECT_EQ(UnsatisfiedContentRangeHeader(0), "bytes */0");
}

TEST(ContentRangeTest, RoundTripsParsedRange) {
  const RangeRequest r = ParseRange("bytes=-200", 1000);
  ASSERT_EQ(r.kind, RangeKind::kSingle);
  EXPECT_EQ(ContentRangeHeader(r.range, 1000), "bytes 800-999/1000");
}

}  // namespace
}  // namespace vmsg::http
