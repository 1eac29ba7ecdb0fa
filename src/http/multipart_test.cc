// Unit tests for the streaming multipart/form-data parser: framing, headers, chunking
// independence, limits and Content-Type boundary extraction.
#include "http/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace vmsg::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr std::string_view kBoundary = "XyZ123";
// File bytes that contain near-misses of the delimiter and end in a CR.
constexpr char kTrickyBinary[] = "\x00\x01\r\n--\r\n--XyZ12\r\n-XyZ123\r--XyZ123\xff\r";

std::string TrickyBinary() { return std::string(kTrickyBinary, sizeof(kTrickyBinary) - 1); }

// Records callbacks as readable events; consecutive data calls are merged so that event
// lists compare equal whatever the chunking.
class RecordingHandler final : public MultipartHandler {
 public:
  Status OnPartBegin(const PartInfo& part) override {
    std::string event = "begin name=" + part.name;
    if (part.filename) event += " filename=" + *part.filename;
    event += " type=" + part.content_type;
    events.push_back(std::move(event));
    parts.push_back(part);
    return begin_status;
  }
  Status OnPartData(std::string_view data) override {
    EXPECT_FALSE(data.empty());
    ++data_calls;
    data_bytes += data.size();
    if (events.empty() || !events.back().starts_with("data:")) events.emplace_back("data:");
    events.back().append(data);
    return Status::Ok();
  }
  Status OnPartEnd() override {
    events.emplace_back("end");
    return Status::Ok();
  }

  std::vector<std::string> events;
  std::vector<PartInfo> parts;
  size_t data_calls = 0;
  size_t data_bytes = 0;
  Status begin_status;
};

struct Outcome {
  std::vector<std::string> events;
  Status status;  // the first failing Feed, else Finish
};

// Feeds `body` in chunks whose sizes cycle through `chunk_sizes` (whole when empty).
Outcome Parse(std::string_view body, const std::vector<size_t>& chunk_sizes = {},
              MultipartLimits limits = {}, std::string_view boundary = kBoundary) {
  RecordingHandler handler;
  MultipartParser parser{std::string(boundary), limits, handler};
  Outcome outcome;
  size_t next = 0;
  size_t pos = 0;
  while (pos < body.size() || (pos == 0 && body.empty())) {
    size_t n = chunk_sizes.empty() ? body.size() : chunk_sizes[next++ % chunk_sizes.size()];
    n = std::min(n, body.size() - pos);
    outcome.status = parser.Feed(body.substr(pos, n));
    pos += n;
    if (!outcome.status.ok()) break;
    if (body.empty()) break;
  }
  if (outcome.status.ok()) outcome.status = parser.Finish();
  outcome.events = std::move(handler.events);
  return outcome;
}

// One part as it appears on the wire.
std::string Part(std::string_view headers, std::string_view body,
                 std::string_view boundary = kBoundary) {
  return "--" + std::string(boundary) + "\r\n" + std::string(headers) + "\r\n" + std::string(body) +
         "\r\n";
}

std::string Field(std::string_view name, std::string_view body) {
  return Part("Content-Disposition: form-data; name=\"" + std::string(name) + "\"\r\n", body);
}

std::string Close(std::string_view boundary = kBoundary) {
  return "--" + std::string(boundary) + "--\r\n";
}

// A form with a text field and a binary file whose bytes resemble delimiters.
std::string SampleForm() {
  return "preamble to ignore\r\n" + Field("title", "hello world") +
         Part(
             "Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
             "Content-Type: application/octet-stream\r\n",
             TrickyBinary()) +
         Field("empty", "") + Close() + "epilogue to ignore";
}

std::vector<std::string> SampleEvents() {
  return {"begin name=title type=text/plain",
          "data:hello world",
          "end",
          "begin name=file filename=a.bin type=application/octet-stream",
          "data:" + TrickyBinary(),
          "end",
          "begin name=empty type=text/plain",
          "end"};
}

TEST(MultipartParserTest, ParsesFieldsAndBinaryFile) {
  Outcome outcome = Parse(SampleForm());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.events, SampleEvents());
}

TEST(MultipartParserTest, ReportsPartInfoAndHeaders) {
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  std::string body = Part(
                         "CONTENT-disposition: Form-Data; NAME=\"up\"; filename=\"x y.png\"\r\n"
                         "content-TYPE:   image/png  \r\n"
                         "X-Extra: 1\r\n",
                         "PNG") +
                     Close();
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Finish().ok());
  ASSERT_EQ(handler.parts.size(), 1u);
  const PartInfo& part = handler.parts[0];
  EXPECT_EQ(part.name, "up");
  EXPECT_EQ(part.filename, "x y.png");
  EXPECT_EQ(part.content_type, "image/png");
  EXPECT_THAT(part.headers, ElementsAre(Pair("content-disposition",
                                             "Form-Data; NAME=\"up\"; filename=\"x y.png\""),
                                        Pair("content-type", "image/png"), Pair("x-extra", "1")));
  EXPECT_EQ(parser.parts_seen(), 1u);
}

TEST(MultipartParserTest, OneByteFeedingMatchesWholeInput) {
  Outcome outcome = Parse(SampleForm(), {1});
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.events, SampleEvents());
}

TEST(MultipartParserTest, EveryTwoWaySplitMatchesWholeInput) {
  std::string body = SampleForm();
  for (size_t split = 0; split <= body.size(); ++split) {
    RecordingHandler handler;
    MultipartParser parser{std::string(kBoundary), {}, handler};
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(0, split)).ok()) << split;
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(split)).ok()) << split;
    ASSERT_TRUE(parser.Finish().ok()) << split;
    EXPECT_EQ(handler.events, SampleEvents()) << "split at " << split;
  }
}

TEST(MultipartParserTest, RandomChunkingsMatchWholeInput) {
  std::string body = SampleForm();
  std::mt19937 rng(12345);  // fixed seed: the test is deterministic
  std::uniform_int_distribution<size_t> size(1, 12);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> sizes;
    sizes.reserve(7);
    for (int i = 0; i < 7; ++i) sizes.push_back(size(rng));
    Outcome outcome = Parse(body, sizes);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status;
    EXPECT_EQ(outcome.events, SampleEvents()) << "round " << round;
  }
}

TEST(MultipartParserTest, EmptyChunksAreHarmless) {
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  std::string body = SampleForm();
  for (char c : body) {
    ASSERT_TRUE(parser.Feed("").ok());
    ASSERT_TRUE(parser.Feed(std::string_view(&c, 1)).ok());
  }
  ASSERT_TRUE(parser.Finish().ok());
  EXPECT_EQ(handler.events, SampleEvents());
}

TEST(MultipartParserTest, DataEndingInCrAndCrlfIsKept) {
  std::string body = Field("a", "x\r") + Field("b", "\r\n") + Field("c", "\r\n\r\n--") + Close();
  std::vector<std::string> expected = {"begin name=a type=text/plain", "data:x\r",        "end",
                                       "begin name=b type=text/plain", "data:\r\n",       "end",
                                       "begin name=c type=text/plain", "data:\r\n\r\n--", "end"};
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
    Outcome outcome = Parse(body, {chunk});
    ASSERT_TRUE(outcome.status.ok()) << outcome.status;
    EXPECT_EQ(outcome.events, expected) << "chunk " << chunk;
  }
}

TEST(MultipartParserTest, EmptyPartBody) {
  Outcome outcome = Parse(Field("nothing", "") + Close());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.events,
            (std::vector<std::string>{"begin name=nothing type=text/plain", "end"}));
}

TEST(MultipartParserTest, FormWithoutPartsIsAccepted) {
  Outcome outcome = Parse(Close());
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_TRUE(outcome.events.empty());
}

TEST(MultipartParserTest, StreamsBodyBeforeThePartEnds) {
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  std::string head = "--XyZ123\r\nContent-Disposition: form-data; name=\"big\"\r\n\r\n";
  ASSERT_TRUE(parser.Feed(head).ok());
  std::string block(size_t{64} * 1024, 'a');
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE(parser.Feed(block).ok());
    EXPECT_EQ(handler.data_bytes, block.size() * (i + 1));
  }
  ASSERT_TRUE(parser.Feed("\r\n--XyZ123--").ok());
  ASSERT_TRUE(parser.Finish().ok());
  EXPECT_EQ(handler.events.back(), "end");
}

TEST(MultipartParserTest, PreambleEpilogueAndTransportPadding) {
  std::string body =
      "ignored --XyZ123 not at line start\r\n"
      "--XyZ123 \t \r\n"
      "Content-Disposition: form-data; name=a\r\n\r\n"
      "1\r\n"
      "--XyZ123\t\r\n"
      "Content-Disposition: form-data; name=b\r\n\r\n"
      "2\r\n"
      "--XyZ123--  \r\n"
      "--XyZ123\r\nanything at all";
  for (size_t chunk : {size_t{1}, size_t{5}, body.size()}) {
    Outcome outcome = Parse(body, {chunk});
    ASSERT_TRUE(outcome.status.ok()) << outcome.status;
    EXPECT_EQ(outcome.events,
              (std::vector<std::string>{"begin name=a type=text/plain", "data:1", "end",
                                        "begin name=b type=text/plain", "data:2", "end"}));
  }
}

TEST(MultipartParserTest, EpilogueFedLaterIsIgnoredButCounted) {
  std::string body = Field("a", "1") + Close();
  MultipartLimits limits;
  limits.max_total_bytes = body.size() + 12;
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), limits, handler};
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Feed("--XyZ123\r\nxx").ok());  // exactly 12 more bytes
  EXPECT_TRUE(parser.Finish().ok());
  EXPECT_EQ(handler.events.size(), 3u);
  Status over = parser.Feed("e");
  EXPECT_EQ(over.reason(), "multipart_too_large");
  EXPECT_EQ(handler.events.size(), 3u);
}

TEST(MultipartParserTest, FilenameForms) {
  std::string body =
      Part("Content-Disposition: form-data; name=\"f1\"; filename=\"plain.txt\"\r\n", "1") +
      Part(
          "Content-Disposition: form-data; name=\"f2\"; "
          "filename*=UTF-8''na%C3%AFve%20%E2%82%AC.txt\r\n",
          "2") +
      Part(
          "Content-Disposition: form-data; name=\"f3\"; filename=\"fallback.txt\"; "
          "filename*=utf-8'en'r%C3%A9sum%C3%A9.pdf\r\n",
          "3") +
      Part("Content-Disposition: form-data; name=\"f4\"; filename*=ISO-8859-1''caf%E9\r\n", "4") +
      Part("Content-Disposition: form-data; name=\"f5\"; filename=\"\"\r\n", "") +
      Part("Content-Disposition: form-data; name=\"f6\"; filename=\"q\\\"uote;d.txt\"\r\n", "6") +
      Close();
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  ASSERT_TRUE(parser.Feed(body).ok());
  ASSERT_TRUE(parser.Finish().ok());
  ASSERT_EQ(handler.parts.size(), 6u);
  EXPECT_EQ(handler.parts[0].filename, "plain.txt");
  EXPECT_EQ(handler.parts[1].filename, "na\xC3\xAFve \xE2\x82\xAC.txt");
  EXPECT_EQ(handler.parts[2].filename, "r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ(handler.parts[3].filename, "caf\xC3\xA9");
  EXPECT_EQ(handler.parts[4].filename, "");
  EXPECT_EQ(handler.parts[5].filename, "q\"uote;d.txt");
}

TEST(MultipartParserTest, FieldWithoutFilenameHasNone) {
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  ASSERT_TRUE(parser.Feed(Field("a", "1") + Close()).ok());
  ASSERT_EQ(handler.parts.size(), 1u);
  EXPECT_FALSE(handler.parts[0].filename.has_value());
}

TEST(MultipartParserTest, RejectsBadFilenameStar) {
  for (std::string_view ext :
       {"UTF-8''bad%zz", "UTF-8''%C3", "UTF-8''a%C0%80", "UTF-16''x", "noquotes", "UTF-8''a b"}) {
    Outcome outcome = Parse(
        Part("Content-Disposition: form-data; name=f; filename*=\"" + std::string(ext) + "\"\r\n",
             "") +
        Close());
    EXPECT_EQ(outcome.status.reason(), "malformed_multipart") << ext;
    EXPECT_THAT(outcome.status.message(), HasSubstr("filename*")) << ext;
    EXPECT_TRUE(outcome.events.empty()) << ext;
  }
}

TEST(MultipartParserTest, QuotedBoundaryFromContentType) {
  Result<std::string> boundary =
      BoundaryFromContentType("multipart/form-data; boundary=\"with space:=?\"");
  ASSERT_TRUE(boundary.ok()) << boundary.status();
  EXPECT_EQ(*boundary, "with space:=?");
  std::string body =
      Part("Content-Disposition: form-data; name=a\r\n", "v", *boundary) + Close(*boundary);
  Outcome outcome = Parse(body, {3}, {}, *boundary);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.events,
            (std::vector<std::string>{"begin name=a type=text/plain", "data:v", "end"}));
}

TEST(MultipartParserTest, MissingClosingDelimiterIsTruncated) {
  struct Case {
    std::string body;
    std::string where;
  };
  std::vector<Case> cases = {
      {"", "before the first boundary"},
      {"just a preamble", "before the first boundary"},
      {"--XyZ123\r\nContent-Disposition: form-", "in the headers of part 1"},
      {Field("a", "1") + "--XyZ123\r\nContent-Disposition: form-data; name=b\r\n\r\nhalf",
       "in the body of part 2 ('b')"},
      {Field("a", "1"), "in the body of part 1 ('a')"},
      {Field("a", "1") + "--XyZ123", "in the boundary line after part 1 ('a')"},
      {Field("a", "1") + "--XyZ123-", "in the boundary line after part 1 ('a')"},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{1000}}) {
      Outcome outcome = Parse(c.body, {chunk});
      EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument) << c.body;
      EXPECT_EQ(outcome.status.reason(), "multipart_truncated") << c.body;
      EXPECT_THAT(outcome.status.message(), HasSubstr(c.where)) << c.body;
    }
  }
}

TEST(MultipartParserTest, MalformedInputs) {
  struct Case {
    std::string body;
    std::string message;
  };
  const std::string cd = "Content-Disposition: form-data; name=a\r\n";
  std::vector<Case> cases = {
      {Part("Content-Type: text/plain\r\n", "x") + Close(),
       "part 1: missing Content-Disposition header"},
      {Part("Content-Disposition: attachment; name=a\r\n", "x") + Close(),
       "must be form-data, got 'attachment'"},
      {Part("Content-Disposition: form-data\r\n", "x") + Close(), "has no name parameter"},
      {Part("Content-Disposition: form-data; name=\"\"\r\n", "x") + Close(), "has an empty name"},
      {Part("Content-Disposition: form-data; name=a; name=b\r\n", "x") + Close(),
       "parameter 'name' appears twice"},
      {Part("Content-Disposition: form-data; name=\"a\r\n", "x") + Close(),
       "unterminated quoted value"},
      {Part("Content-Disposition: form-data;\r\n name=a\r\n", "x") + Close(),
       "folded header lines"},
      {Part(cd + "X-Long: one\r\n\ttwo\r\n", "x") + Close(), "folded header lines"},
      {Part(cd + "no colon here\r\n", "x") + Close(), "has no ':'"},
      {Part(cd + "Bad Name: x\r\n", "x") + Close(), "invalid header name 'Bad Name'"},
      {Part(cd + "X-A: a\x01z\r\n", "x") + Close(), "control byte '\\x01'"},
      {Part(cd + cd, "x") + Close(), "header 'content-disposition' appears twice"},
      {Part(cd + "Content-Type:\r\n", "x") + Close(), "field 'a' has an empty Content-Type"},
      {"--XyZ123\r\nContent-Disposition: form-data; name=a\n\r\nx\r\n" + Close(),
       "bare LF instead of CRLF"},
      {"--XyZ123\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n" + Close(),
       "the first boundary line has '\\x0a' after the boundary"},
      {"--XyZ123\r\r\n", "the first boundary line ends in a CR without LF"},
      {"--XyZ123 x\r\n", "has 'x' after its padding"},
      {"--XyZ123-x", "where the second '-' of '--XyZ123--' belongs"},
      {Field("a", "x\r\n--XyZ1234") + Close(),
       "the boundary line after part 1 ('a') has '4' after the boundary"},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{1000}}) {
      Outcome outcome = Parse(c.body, {chunk});
      EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument) << c.body;
      EXPECT_EQ(outcome.status.reason(), "malformed_multipart") << c.body;
      EXPECT_THAT(outcome.status.message(), HasSubstr(c.message)) << c.body;
    }
  }
}

TEST(MultipartParserTest, ErrorsAreSticky) {
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), {}, handler};
  Status first = parser.Feed("--XyZ123\r\nno colon\r\n");
  ASSERT_EQ(first.reason(), "malformed_multipart");
  EXPECT_EQ(parser.Feed(Field("a", "1") + Close()), first);
  EXPECT_EQ(parser.Finish(), first);
  EXPECT_EQ(parser.Feed("x"), first);
  EXPECT_TRUE(handler.events.empty());

  RecordingHandler truncated_handler;
  MultipartParser truncated{std::string(kBoundary), {}, truncated_handler};
  ASSERT_TRUE(truncated.Feed("--XyZ").ok());
  Status finish = truncated.Finish();
  ASSERT_EQ(finish.reason(), "multipart_truncated");
  EXPECT_EQ(truncated.Feed("123--\r\n"), finish);
  EXPECT_EQ(truncated.Finish(), finish);
}

TEST(MultipartParserTest, HandlerErrorAbortsAndSticks) {
  RecordingHandler handler;
  handler.begin_status = Status::Cancelled("stop here");
  MultipartParser parser{std::string(kBoundary), {}, handler};
  Status status = parser.Feed(Field("a", "1") + Field("b", "2") + Close());
  EXPECT_EQ(status, Status::Cancelled("stop here"));
  EXPECT_EQ(handler.events, std::vector<std::string>{"begin name=a type=text/plain"});
  EXPECT_EQ(parser.Finish(), status);
  EXPECT_EQ(parser.parts_seen(), 1u);
}

TEST(MultipartParserTest, InvalidBoundaryFailsFirstCall) {
  RecordingHandler handler;
  MultipartParser parser{"", {}, handler};
  Status status = parser.Feed("--\r\n");
  EXPECT_EQ(status.reason(), "invalid_content_type");
  EXPECT_EQ(parser.Finish(), status);
  MultipartParser crlf{"a\r\nb", {}, handler};
  EXPECT_EQ(crlf.Finish().reason(), "invalid_content_type");
}

std::string Fields(size_t n) {
  std::string body;
  for (size_t i = 0; i < n; ++i) body += Field("f" + std::to_string(i), "v");
  return body + Close();
}

TEST(MultipartLimitsTest, MaxParts) {
  MultipartLimits limits;
  limits.max_parts = 3;
  for (size_t chunk : {size_t{1}, size_t{4096}}) {
    EXPECT_TRUE(Parse(Fields(3), {chunk}, limits).status.ok());
    Outcome over = Parse(Fields(4), {chunk}, limits);
    EXPECT_EQ(over.status.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(over.status.reason(), "multipart_too_many_parts");
    EXPECT_THAT(over.status.message(), HasSubstr("more than 3 parts"));
    EXPECT_EQ(over.events.size(), 9u);  // three complete parts, nothing of the fourth
  }
}

TEST(MultipartLimitsTest, MaxPartHeaderBytes) {
  // Header bytes count every header line with its CRLF, not the blank line.
  std::string headers = "Content-Disposition: form-data; name=a\r\nX-Pad: ";
  MultipartLimits limits;
  limits.max_part_header_bytes = 100;
  std::string at_limit = headers + std::string(100 - headers.size() - 2, 'p') + "\r\n";
  ASSERT_EQ(at_limit.size(), 100u);
  std::string over_limit = headers + std::string(100 - headers.size() - 1, 'p') + "\r\n";
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{4096}}) {
    Outcome ok = Parse(Part(at_limit, "x") + Close(), {chunk}, limits);
    EXPECT_TRUE(ok.status.ok()) << ok.status << " chunk " << chunk;
    Outcome over = Parse(Part(over_limit, "x") + Close(), {chunk}, limits);
    EXPECT_EQ(over.status.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(over.status.reason(), "multipart_header_too_large");
    EXPECT_THAT(over.status.message(), HasSubstr("part 1 has more than 100 bytes of headers"));
    EXPECT_TRUE(over.events.empty());
  }
}

TEST(MultipartLimitsTest, HeaderLimitStopsAnEndlessLine) {
  MultipartLimits limits;
  limits.max_part_header_bytes = 64;
  RecordingHandler handler;
  MultipartParser parser{std::string(kBoundary), limits, handler};
  ASSERT_TRUE(parser.Feed("--XyZ123\r\nX: ").ok());
  Status status;
  size_t fed = 0;
  while (status.ok() && fed < 1000) {
    status = parser.Feed("a");
    ++fed;
  }
  EXPECT_EQ(status.reason(), "multipart_header_too_large");
  EXPECT_LT(fed, 64u);  // failed as soon as the line could no longer fit
}

TEST(MultipartLimitsTest, MaxPartBytes) {
  MultipartLimits limits;
  limits.max_part_bytes = 10;
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}}) {
    Outcome ok =
        Parse(Field("a", "0123456789") + Field("b", "abcdefghij") + Close(), {chunk}, limits);
    EXPECT_TRUE(ok.status.ok()) << ok.status;
    Outcome over =
        Parse(Field("a", "0123456789") + Field("b", "abcdefghijk") + Close(), {chunk}, limits);
    EXPECT_EQ(over.status.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(over.status.reason(), "multipart_part_too_large");
    EXPECT_THAT(over.status.message(), HasSubstr("part 2 ('b') is larger than 10 bytes"));
    // Exactly the allowed bytes are delivered before the error, whatever the chunking.
    EXPECT_EQ(over.events.back(), "data:abcdefghij");
  }
}

TEST(MultipartLimitsTest, PartEndingInCrAtTheLimit) {
  MultipartLimits limits;
  limits.max_part_bytes = 3;
  for (size_t chunk : {size_t{1}, size_t{4096}}) {
    EXPECT_TRUE(Parse(Field("a", "ab\r") + Close(), {chunk}, limits).status.ok());
    EXPECT_EQ(Parse(Field("a", "ab\r\r") + Close(), {chunk}, limits).status.reason(),
              "multipart_part_too_large");
  }
}

TEST(MultipartLimitsTest, MaxTotalBytes) {
  std::string body = Field("a", "payload") + Close();
  MultipartLimits limits;
  limits.max_total_bytes = body.size();
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
    EXPECT_TRUE(Parse(body, {chunk}, limits).status.ok());
    Outcome over = Parse(body + "x", {chunk}, limits);
    EXPECT_EQ(over.status.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(over.status.reason(), "multipart_too_large");
    EXPECT_THAT(over.status.message(), HasSubstr("larger than " + std::to_string(body.size())));
  }
  limits.max_total_bytes = body.size() - 1;
  Outcome short_limit = Parse(body, {}, limits);
  EXPECT_EQ(short_limit.status.reason(), "multipart_too_large");
  // The part was complete within the limit; only the closing line's LF was cut off.
  EXPECT_EQ(short_limit.events.back(), "end");
}

TEST(BoundaryFromContentTypeTest, Accepts) {
  EXPECT_EQ(*BoundaryFromContentType("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*BoundaryFromContentType("Multipart/Form-Data;BOUNDARY=\"a b\""), "a b");
  EXPECT_EQ(*BoundaryFromContentType(
                "  multipart/form-data ; charset=utf-8 ;\tBoundary = ----WebKit123 ; x=\"y\"  "),
            "----WebKit123");
  EXPECT_EQ(*BoundaryFromContentType("multipart/form-data; boundary=----=_Part_0/1:2?"),
            "----=_Part_0/1:2?");
  std::string seventy(70, 'b');
  EXPECT_EQ(*BoundaryFromContentType("multipart/form-data; boundary=" + seventy), seventy);
}

TEST(BoundaryFromContentTypeTest, Rejects) {
  struct Case {
    std::string content_type;
    std::string message;
  };
  std::vector<Case> cases = {
      {"", "Content-Type is empty"},
      {"multipart/form-data", "has no boundary parameter"},
      {"multipart/form-data; charset=utf-8", "has no boundary parameter"},
      {"multipart/mixed; boundary=abc", "must be multipart/form-data, got 'multipart/mixed'"},
      {"text/plain", "must be multipart/form-data"},
      {"multipart/form-data-x; boundary=abc", "must be multipart/form-data"},
      {"multipart/form-data; boundary=" + std::string(71, 'b'), "71 characters"},
      {"multipart/form-data; boundary=a@b", "contains '@'"},
      {"multipart/form-data; boundary=\"a\r\nb\"", "contains '\\x0d'"},
      {"multipart/form-data; boundary=\"abc \"", "must not end with a space"},
      {"multipart/form-data; boundary=\"q\\\"\"", "contains '\"'"},
      {"multipart/form-data; boundary=\"\"", "boundary is empty"},
      {"multipart/form-data; boundary=", "has an empty value"},
      {"multipart/form-data; boundary=\"abc", "unterminated quoted value"},
      {"multipart/form-data; boundary=a; boundary=b", "'boundary' appears twice"},
      {"multipart/form-data; boundary", "has no '=value'"},
      {"multipart/form-data boundary=abc", "must be multipart/form-data"},
      {"multipart/form-data; boundary=abc junk", "expected ';'"},
  };
  for (const Case& c : cases) {
    Result<std::string> result = BoundaryFromContentType(c.content_type);
    ASSERT_FALSE(result.ok()) << c.content_type;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().reason(), "invalid_content_type") << c.content_type;
    EXPECT_THAT(result.status().message(), HasSubstr(c.message)) << c.content_type;
  }
}

TEST(ValidateBoundaryTest, Rfc2046Alphabet) {
  EXPECT_TRUE(ValidateBoundary("azAZ09'()+_,-./:=? x").ok());
  EXPECT_FALSE(ValidateBoundary("a\"b").ok());
  EXPECT_FALSE(ValidateBoundary("a;b").ok());
  EXPECT_FALSE(ValidateBoundary("tab\t").ok());
  EXPECT_FALSE(ValidateBoundary("\xc3\xa9").ok());
}

}  // namespace
}  // namespace vmsg::http
