// CBOR against RFC 8949 appendix A's examples, round trips, and malformed input.
#include "disclosure/cbor.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vmsg::disclosure::cbor {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {kDigits[c >> 4], kDigits[c & 0xf]};
  return out;
}

Value T(const char* s) { return Value::Text(s); }

struct Known {
  Value value;
  const char* hex;
};

std::vector<Known> KnownEncodings() {
  std::vector<Value> items25;
  for (int i = 1; i <= 25; ++i) items25.push_back(Value::Int(i));
  return {
      {Value::Int(0), "00"},
      {Value::Int(1), "01"},
      {Value::Int(10), "0a"},
      {Value::Int(23), "17"},
      {Value::Int(24), "1818"},
      {Value::Int(25), "1819"},
      {Value::Int(100), "1864"},
      {Value::Int(1000), "1903e8"},
      {Value::Int(1000000), "1a000f4240"},
      {Value::Int(1000000000000), "1b000000e8d4a51000"},
      {Value::Uint(18446744073709551615ull), "1bffffffffffffffff"},
      {Value::NegativeMinusOne(18446744073709551615ull), "3bffffffffffffffff"},
      {Value::Int(-1), "20"},
      {Value::Int(-10), "29"},
      {Value::Int(-100), "3863"},
      {Value::Int(-1000), "3903e7"},
      {Value::Float(1.1), "fb3ff199999999999a"},
      {Value::Float(-4.1), "fbc010666666666666"},
      {Value::Bool(false), "f4"},
      {Value::Bool(true), "f5"},
      {Value::Null(), "f6"},
      {Value::Simple(Value::kUndefined), "f7"},
      {Value::Simple(16), "f0"},
      {Value::Simple(255), "f8ff"},
      {Value::Tag(0, T("2013-03-21T20:04:00Z")), "c074323031332d30332d32315432303a30343a30305a"},
      {Value::Tag(1, Value::Int(1363896240)), "c11a514b67b0"},
      {Value::Tag(23, Value::Bytes(Unhex("01020304"))), "d74401020304"},
      {Value::Tag(32, T("http://www.example.com")),
       "d82076687474703a2f2f7777772e6578616d706c652e636f6d"},
      {Value::Bytes(""), "40"},
      {Value::Bytes(Unhex("01020304")), "4401020304"},
      {T(""), "60"},
      {T("a"), "6161"},
      {T("IETF"), "6449455446"},
      {T("\"\\"), "62225c"},
      {T("\u00fc"), "62c3bc"},
      {T("\u6c34"), "63e6b0b4"},
      {Value::Array({}), "80"},
      {Value::Array({Value::Int(1), Value::Int(2), Value::Int(3)}), "83010203"},
      {Value::Array({Value::Int(1), Value::Array({Value::Int(2), Value::Int(3)}),
                     Value::Array({Value::Int(4), Value::Int(5)})}),
       "8301820203820405"},
      {Value::Array(items25), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
      {Value::Map({}), "a0"},
      {Value::Map({{Value::Int(1), Value::Int(2)}, {Value::Int(3), Value::Int(4)}}), "a201020304"},
      {Value::Map(
           {{T("a"), Value::Int(1)}, {T("b"), Value::Array({Value::Int(2), Value::Int(3)})}}),
       "a26161016162820203"},
      {Value::Array({T("a"), Value::Map({{T("b"), T("c")}})}), "826161a161626163"},
      {Value::Map({{T("a"), T("A")},
                   {T("b"), T("B")},
                   {T("c"), T("C")},
                   {T("d"), T("D")},
                   {T("e"), T("E")}}),
       "a56161614161626142616361436164614461656145"},
  };
}

TEST(CborTest, EncodesTheRfcExamples) {
  for (const Known& k : KnownEncodings()) EXPECT_EQ(Hex(Encode(k.value)), k.hex);
}

TEST(CborTest, DecodesTheRfcExamplesBackToTheSameValue) {
  for (const Known& k : KnownEncodings()) {
    auto decoded = Decode(Unhex(k.hex));
    ASSERT_TRUE(decoded.ok()) << k.hex << ": " << decoded.status();
    EXPECT_EQ(*decoded, k.value) << k.hex;
    EXPECT_EQ(Hex(Encode(*decoded)), k.hex);
  }
}

TEST(CborTest, DecodesHalfAndSinglePrecisionFloats) {
  const std::pair<const char*, double> cases[] = {
      {"f90000", 0.0},
      {"f93c00", 1.0},
      {"f93e00", 1.5},
      {"f97bff", 65504.0},
      {"fa47c35000", 100000.0},
      {"f90001", 5.960464477539063e-08},
      {"f90400", 6.103515625e-05},
      {"f9c400", -4.0},
      {"fa7f7fffff", 3.4028234663852886e+38},
  };
  for (const auto& [hex, expected] : cases) {
    auto v = Decode(Unhex(hex));
    ASSERT_TRUE(v.ok()) << hex;
    EXPECT_EQ(v->float_value(), expected) << hex;
  }
  EXPECT_TRUE(std::isinf(Decode(Unhex("f97c00"))->float_value()));
  EXPECT_TRUE(std::isnan(Decode(Unhex("f97e00"))->float_value()));
}

TEST(CborTest, IntegersReadBackAsInt64WhenInRange) {
  int64_t n = 0;
  EXPECT_TRUE(Value::Int(-7).AsInt(&n));
  EXPECT_EQ(n, -7);
  EXPECT_TRUE(Value::Int(INT64_MIN).AsInt(&n));
  EXPECT_EQ(n, INT64_MIN);
  EXPECT_FALSE(Value::Uint(UINT64_MAX).AsInt(&n));
  EXPECT_FALSE(T("1").AsInt(&n));
}

TEST(CborTest, FindsMapEntriesByTextAndIntegerKeys) {
  const Value map = Value::Map({{Value::Int(1), Value::Int(-7)}, {T("url"), T("x")}});
  ASSERT_NE(map.Find("url"), nullptr);
  EXPECT_EQ(map.Find("url")->str(), "x");
  ASSERT_NE(map.FindInt(1), nullptr);
  EXPECT_EQ(*map.FindInt(1), Value::Int(-7));
  EXPECT_EQ(map.Find("hash"), nullptr);
  EXPECT_EQ(T("url").Find("url"), nullptr);
}

TEST(CborTest, RefusesMalformedInput) {
  const char* bad[] = {
      "",                    // nothing
      "18",                  // argument missing
      "6261",                // text shorter than its length
      "8301",                // array missing items
      "a16161",              // map missing a value
      "0000",                // trailing bytes
      "1c",                  // reserved additional information
      "9f01ff",              // indefinite array
      "5f4101ff",            // indefinite byte string
      "9bffffffffffffffff",  // a huge count that is not there
  };
  for (const char* hex : bad) {
    auto v = Decode(Unhex(hex));
    ASSERT_FALSE(v.ok()) << hex;
    EXPECT_EQ(v.status().reason(), "cbor_invalid") << hex;
  }
}

TEST(CborTest, RefusesNestingPastTheLimit) {
  const std::string deep(kMaxDepth + 2, '\x81');
  auto v = Decode(deep + "\x01");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().reason(), "cbor_invalid");
  EXPECT_TRUE(Decode(std::string(kMaxDepth, '\x81') + "\x01").ok());
}

}  // namespace
}  // namespace vmsg::disclosure::cbor
