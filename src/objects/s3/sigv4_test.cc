// SigV4 against AWS's published vectors and, for many generated requests, against
// botocore as an offline oracle (tests/sigv4/botocore_oracle.py run by /usr/bin/python3).
#include "objects/s3/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/crypto.h"
#include "base/json.h"

namespace vmsg::objects::sigv4 {
namespace {

TimePoint ParseAmz(std::string_view s) {
  // "20150830T123600Z" -> "2015-08-30T12:36:00Z"
  const std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
                          std::string(s.substr(6, 2)) + "T" + std::string(s.substr(9, 2)) + ":" +
                          std::string(s.substr(11, 2)) + ":" + std::string(s.substr(13, 2)) + "Z";
  return *ParseIso8601(iso);
}

TEST(SigV4Test, DateFormats) {
  const TimePoint t = ParseAmz("20150830T123600Z");
  EXPECT_EQ(AmzDate(t), "20150830T123600Z");
  EXPECT_EQ(DateStamp(t), "20150830");
}

// The signature test suite's get-vanilla.
TEST(SigV4Test, GetVanillaFromTheAwsTestSuite) {
  SigningContext context;
  context.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  context.region = "us-east-1";
  context.service = "service";
  context.time = ParseAmz("20150830T123600Z");
  Request request;
  request.method = "GET";
  request.path = "/";
  request.headers = {{"Host", "example.amazonaws.com"}};
  request.payload_hash = Sha256Hex("");
  const std::string authorization = SignHeaders(context, request);
  EXPECT_EQ(CanonicalRequest(request),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// "Example: A presigned URL" in the S3 query-string authentication documentation.
TEST(SigV4Test, S3PresignedGetExample) {
  SigningContext context;
  context.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  context.region = "us-east-1";
  context.time = ParseAmz("20130524T000000Z");
  Request request;
  request.method = "GET";
  request.path = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  auto query = PresignQuery(context, request, std::chrono::seconds(86400));
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(EncodeQuery(*query),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
            "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-"
            "Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&X-"
            "Amz-SignedHeaders=host");
  EXPECT_EQ(query->back().first, "X-Amz-Signature");
}

TEST(SigV4Test, PresignRejectsExpiryOutsideSevenDays) {
  SigningContext context;
  context.credentials = {"AKIAIOSFODNN7EXAMPLE", "secret"};
  context.region = "us-east-1";
  Request request{"GET", "/k", {}, {{"Host", "h"}}, ""};
  EXPECT_TRUE(PresignQuery(context, request, kMaxPresignExpiry).ok());
  EXPECT_TRUE(PresignQuery(context, request, kMaxPresignExpiry + std::chrono::seconds(1))
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(PresignQuery(context, request, std::chrono::seconds(0)).status().IsInvalidArgument());
}

// The "sigv4examplebucket" browser-upload example of the S3 documentation: the policy text
// (CRLF line ends, as published) must give the published base64 and signature.
TEST(SigV4Test, S3PostPolicyExample) {
  const std::string policy =
      "{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n"
      "  \"conditions\": [\r\n"
      "    {\"bucket\": \"sigv4examplebucket\"},\r\n"
      "    [\"starts-with\", \"$key\", \"user/user1/\"],\r\n"
      "    {\"acl\": \"public-read\"},\r\n"
      "    {\"success_action_redirect\": "
      "\"http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html\"},\r\n"
      "    [\"starts-with\", \"$Content-Type\", \"image/\"],\r\n"
      "    {\"x-amz-meta-uuid\": \"14365123651274\"},\r\n"
      "    {\"x-amz-server-side-encryption\": \"AES256\"},\r\n"
      "    [\"starts-with\", \"$x-amz-meta-tag\", \"\"],\r\n"
      "\r\n"
      "    {\"x-amz-credential\": "
      "\"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"},\r\n"
      "    {\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"},\r\n"
      "    {\"x-amz-date\": \"20151229T000000Z\" }\r\n"
      "  ]\r\n"
      "}";
  SigningContext context;
  context.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  context.region = "us-east-1";
  context.time = ParseAmz("20151229T000000Z");
  const SignedPolicy signed_policy = SignPolicy(context, policy);
  EXPECT_EQ(
      signed_policy.policy_base64,
      "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgI"
      "CB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAid"
      "XNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fc"
      "mVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfd"
      "XBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogI"
      "CAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlL"
      "WVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiI"
      "l0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZ"
      "WFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyN"
      "TYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9");
  EXPECT_EQ(signed_policy.signature,
            "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e");
}

TEST(SigV4Test, CanonicalFormsEncodeSortAndCollapse) {
  EXPECT_EQ(CanonicalUri("/b/dir/a b+c~é"), "/b/dir/a%20b%2Bc~%C3%A9");
  EXPECT_EQ(CanonicalQuery({{"b", "2"}, {"a", "z"}, {"a", "y"}, {"c", ""}, {"sp ace", "x+y"}}),
            "a=y&a=z&b=2&c=&sp%20ace=x%2By");
  const CanonicalHeaders headers = CanonicalizeHeaders(
      {{"Host", "h"}, {"X-Amz-Meta-A", "  one   two \t three  "}, {"x-amz-meta-a", "four"}});
  EXPECT_EQ(headers.block, "host:h\nx-amz-meta-a:one two three,four\n");
  EXPECT_EQ(headers.signed_headers, "host;x-amz-meta-a");
}

TEST(SigV4Test, PolicyDocumentNamesEveryCondition) {
  SigningContext context;
  context.credentials = {"AK", "SK"};
  context.region = "eu-west-1";
  context.time = ParseAmz("20240102T030405Z");
  const std::string doc =
      PolicyDocument(context, context.time + std::chrono::hours(1),
                     {{PolicyCondition::Kind::kExact, "bucket", "b"},
                      {PolicyCondition::Kind::kStartsWith, "key", "images/\"q\"/"},
                      {PolicyCondition::Kind::kExact, "Content-Type", "image/jpeg"},
                      {PolicyCondition::Kind::kContentLengthRange, "", "", 0, 10485760}});
  auto json = ParseJson(doc);
  ASSERT_TRUE(json.ok()) << json.status() << doc;
  EXPECT_EQ((*json)["expiration"], "2024-01-02T04:04:05.000Z");
  const Json& c = (*json)["conditions"];
  ASSERT_EQ(c.size(), 7u);
  EXPECT_EQ(c[0], Json({{"bucket", "b"}}));
  EXPECT_EQ(c[1], Json::array({"starts-with", "$key", "images/\"q\"/"}));
  EXPECT_EQ(c[2], Json::array({"eq", "$Content-Type", "image/jpeg"}));
  EXPECT_EQ(c[3], Json::array({"content-length-range", 0, 10485760}));
  EXPECT_EQ(c[4], Json({{"x-amz-algorithm", "AWS4-HMAC-SHA256"}}));
  EXPECT_EQ(c[5], Json({{"x-amz-credential", "AK/20240102/eu-west-1/s3/aws4_request"}}));
  EXPECT_EQ(c[6], Json({{"x-amz-date", "20240102T030405Z"}}));
}

// ---- botocore oracle ----

// A small deterministic generator, so every run signs the same cases.
class Gen {
 public:
  explicit Gen(uint64_t seed) : state_(seed) {}
  uint32_t Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state_ >> 33);
  }
  size_t Below(size_t n) { return Next() % n; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  uint64_t state_;
};

const std::vector<std::string> kPieces = {"a",
                                          "Z",
                                          "0",
                                          " ",
                                          "+",
                                          "~",
                                          "%",
                                          "=",
                                          "&",
                                          "\xc3\xa9",
                                          "-",
                                          "_",
                                          ".",
                                          "!",
                                          "*",
                                          "'",
                                          "(",
                                          ")",
                                          ":",
                                          "@",
                                          ",",
                                          ";",
                                          "?",
                                          "$",
                                          "#",
                                          "[",
                                          "]",
                                          "\xe6\x97\xa5\xe6\x9c\xac",
                                          "\xf0\x9f\x8e\xac",
                                          "/",
                                          "ab",
                                          "x y"};

std::string RandomText(Gen& g, size_t max_len) {
  std::string out;
  const size_t n = g.Below(max_len + 1);
  for (size_t i = 0; i < n; ++i) out += g.Pick(kPieces);
  return out;
}

std::string RandomSpaces(Gen& g) {
  static const std::vector<std::string> kBlanks = {"", " ", "  ", "\t", " \t  "};
  return g.Pick(kBlanks);
}

std::string RandomHeaderValue(Gen& g) {
  static const std::vector<std::string> kWords = {"alpha",   "b",        "image/jpeg", "bytes=0-99",
                                                  "x=1;y=2", "no-cache", "\"q\""};
  std::string out = RandomSpaces(g);
  const size_t words = g.Below(4);
  for (size_t i = 0; i < words; ++i) {
    if (i > 0) out += g.Pick(std::vector<std::string>{" ", "  ", "\t", " \t "});
    out += g.Pick(kWords);
  }
  return out + RandomSpaces(g);
}

struct OracleCase {
  Json json;
  SigningContext context;
  Request request;
  std::chrono::seconds expires{0};
  std::vector<PolicyCondition> conditions;
  std::string ours;  // what we computed: Authorization, signature or policy base64
};

const std::vector<std::string> kHosts = {"examplebucket.s3.amazonaws.com", "127.0.0.1:9000",
                                         "s3.eu-west-1.amazonaws.com", "localhost:45678"};
const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1", "ap-northeast-1"};

Json ParamsJson(const Params& params) {
  Json out = Json::array();
  for (const auto& [k, v] : params) out.push_back(Json::array({k, v}));
  return out;
}

OracleCase MakeCase(Gen& g, int index) {
  OracleCase c;
  c.context.credentials = {"AKIA" + std::to_string(1000 + index),
                           "secret/" + RandomText(g, 3) + "+key" + std::to_string(index)};
  // Secrets are ASCII in practice; keep them so (botocore encodes them as UTF-8 too).
  for (char& ch : c.context.credentials.secret_key) {
    if (static_cast<unsigned char>(ch) >= 0x80) ch = 'u';
  }
  c.context.region = g.Pick(kRegions);
  c.context.time = ParseAmz("20240229T235959Z") + std::chrono::seconds(g.Below(400000000));
  const int type = index % 3;
  c.request.method = g.Pick(std::vector<std::string>{"GET", "PUT", "HEAD", "DELETE", "POST"});
  const std::string host = g.Pick(kHosts);
  std::string key = "k" + RandomText(g, 8);
  c.request.path = "/" + g.Pick(std::vector<std::string>{"", "bucket/"}) + key;
  c.request.headers = {{"Host", host}};
  c.json = {{"host", host},
            {"path", c.request.path},
            {"method", c.request.method},
            {"region", c.context.region},
            {"time", AmzDate(c.context.time)},
            {"access", c.context.credentials.access_key},
            {"secret", c.context.credentials.secret_key}};
  if (type == 0) {
    const size_t nq = g.Below(5);
    for (size_t i = 0; i < nq; ++i) {
      std::string name = g.Below(3) == 0 ? "dup" : "q" + RandomText(g, 3);
      c.request.query.emplace_back(name, g.Below(4) == 0 ? "" : RandomText(g, 5));
    }
    const size_t nh = g.Below(5);
    for (size_t i = 0; i < nh; ++i) {
      c.request.headers.emplace_back(
          g.Pick(std::vector<std::string>{"Content-Type", "X-Amz-Meta-Note", "Range",
                                          "x-amz-meta-MIXED", "Cache-Control", "If-Match"}),
          RandomHeaderValue(g));
    }
    const std::string body = g.Below(3) == 0 ? "" : RandomText(g, 20);
    const bool unsigned_payload = g.Below(4) == 0;
    c.request.payload_hash = unsigned_payload ? std::string(kUnsignedPayload) : Sha256Hex(body);
    c.json["type"] = "header";
    c.json["query"] = ParamsJson(c.request.query);
    c.json["headers"] =
        ParamsJson(std::vector(c.request.headers.begin() + 1, c.request.headers.end()));
    c.json["headers"].insert(c.json["headers"].begin(), Json::array({"Host", host}));
    c.json["body"] = body;
    c.json["unsigned"] = unsigned_payload;
    Request signed_request = c.request;
    c.ours = SignHeaders(c.context, signed_request);
  } else if (type == 1) {
    // botocore's query signer keeps one value per name; ours allows repeats, but the
    // oracle can only judge unique names.
    const size_t nq = g.Below(3);
    for (size_t i = 0; i < nq; ++i) {
      c.request.query.emplace_back("response-" + std::to_string(i) + RandomText(g, 2),
                                   RandomText(g, 5));
    }
    c.expires = std::chrono::seconds(1 + g.Below(kMaxPresignExpiry.count()));
    c.json["type"] = "presign";
    c.json["query"] = ParamsJson(c.request.query);
    c.json["headers"] = Json::array();
    c.json["expires"] = c.expires.count();
    auto query = PresignQuery(c.context, c.request, c.expires);
    c.ours = query.ok() ? query->back().second : query.status().ToString();
  } else {
    c.conditions.push_back({PolicyCondition::Kind::kExact, "bucket", "bucket-" + RandomText(g, 2)});
    if (g.Below(2) == 0) {
      c.conditions.push_back({PolicyCondition::Kind::kExact, "key", key});
    } else {
      c.conditions.push_back({PolicyCondition::Kind::kStartsWith, "key", RandomText(g, 6)});
    }
    if (g.Below(2) == 0) {
      c.conditions.push_back({PolicyCondition::Kind::kExact, "Content-Type", "image/jpeg"});
    }
    c.conditions.push_back(
        {PolicyCondition::Kind::kContentLengthRange, "", "", g.Below(10), 1 + g.Below(1u << 30)});
    c.expires = std::chrono::seconds(1 + g.Below(kMaxPresignExpiry.count()));
    Json conditions = Json::array();
    for (const auto& pc : c.conditions) {
      const char* kind = pc.kind == PolicyCondition::Kind::kExact        ? "exact"
                         : pc.kind == PolicyCondition::Kind::kStartsWith ? "starts-with"
                                                                         : "range";
      conditions.push_back({{"kind", kind},
                            {"field", pc.field},
                            {"value", pc.value},
                            {"min", pc.min},
                            {"max", pc.max}});
    }
    c.json["type"] = "post";
    c.json["conditions"] = conditions;
    c.json["expires"] = c.expires.count();
    c.ours =
        SignPolicy(c.context, PolicyDocument(c.context, c.context.time + c.expires, c.conditions))
            .policy_base64;
    c.json["ours_policy"] = c.ours;
  }
  return c;
}

std::filesystem::path SourceDir() {
  const char* dir = std::getenv("VMSG_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::path(VMSG_DEFAULT_SOURCE_DIR);
}

constexpr int kOracleCases = 600;
constexpr const char* kOraclePython = "/usr/bin/python3";

TEST(SigV4OracleTest, MatchesBotocoreOnGeneratedRequests) {
  ASSERT_EQ(::access(kOraclePython, X_OK), 0)
      << kOraclePython << " is missing: the botocore oracle cannot run (apt-get install "
      << "python3-boto3)";
  const std::filesystem::path script = SourceDir() / "tests/sigv4/botocore_oracle.py";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;

  Gen g(20240229);
  std::vector<OracleCase> cases;
  Json all = Json::array();
  for (int i = 0; i < kOracleCases; ++i) {
    cases.push_back(MakeCase(g, i));
    all.push_back(cases.back().json);
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("vmsg_sigv4_oracle_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto in = dir / "cases.json";
  const auto out = dir / "results.json";
  std::ofstream(in) << DumpJson(all);
  const std::string command =
      std::string(kOraclePython) + " " + script.string() + " " + in.string() + " " + out.string();
  const int rc = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
      << command << " failed (exit " << WEXITSTATUS(rc)
      << "); is python3-boto3 installed for /usr/bin/python3?";
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  std::filesystem::remove_all(dir);
  auto parsed = ParseJson(text.str());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Json& results = (*parsed)["results"];
  ASSERT_EQ(results.size(), cases.size());

  int headers = 0, presigns = 0, posts = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const OracleCase& c = cases[i];
    const Json& r = results[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + DumpJson(c.json));
    const std::string type = c.json["type"];
    if (type == "header") {
      ++headers;
      EXPECT_EQ(c.ours, r["authorization"].get<std::string>());
      EXPECT_EQ(c.request.payload_hash, r["content_sha256"].get<std::string>());
    } else if (type == "presign") {
      ++presigns;
      EXPECT_EQ(c.ours, r["signature"].get<std::string>()) << r["url"];
    } else {
      ++posts;
      EXPECT_EQ(r["ours_json"], r["policy_json"]);
      // Our signer over botocore's own policy text gives botocore's signature.
      EXPECT_EQ(SignPolicy(c.context, *Base64Decode(r["policy"].get<std::string>())).signature,
                r["signature"].get<std::string>());
    }
  }
  EXPECT_GT(headers, 150);
  EXPECT_GT(presigns, 150);
  EXPECT_GT(posts, 150);
  std::cout << "botocore " << (*parsed)["botocore"].get<std::string>() << ": " << headers
            << " header, " << presigns << " presign, " << posts << " post cases agree\n";
}

}  // namespace
}  // namespace vmsg::objects::sigv4
