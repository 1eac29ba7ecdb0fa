// A minimal CBOR (RFC 8949) value, encoder and decoder for the C2PA manifest: the claim,
// the assertions and the COSE signature are CBOR. Definite lengths only (C2PA writes no
// indefinite ones); maps keep their insertion order, because the signed bytes are whatever
// the encoder wrote and are never re-encoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace vmsg::disclosure::cbor {

// Nesting deeper than this is refused when decoding (outside input).
inline constexpr int kMaxDepth = 64;

class Value {
 public:
  enum class Kind { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kTag, kSimple, kFloat };

  // Simple values (major type 7).
  static constexpr uint64_t kFalse = 20;
  static constexpr uint64_t kTrue = 21;
  static constexpr uint64_t kNull = 22;
  static constexpr uint64_t kUndefined = 23;

  Value() : Value(Kind::kSimple, kNull) {}

  static Value Uint(uint64_t n) { return Value(Kind::kUnsigned, n); }
  static Value Int(int64_t n);
  // The negative integer -1 - n (covers down to -2^64).
  static Value NegativeMinusOne(uint64_t n) { return Value(Kind::kNegative, n); }
  static Value Bytes(std::string bytes) { return Value(Kind::kBytes, 0, std::move(bytes)); }
  static Value Text(std::string text) { return Value(Kind::kText, 0, std::move(text)); }
  static Value Array(std::vector<Value> items);
  static Value Map(std::vector<std::pair<Value, Value>> entries);
  static Value Tag(uint64_t tag, Value content);
  static Value Bool(bool b) { return Value(Kind::kSimple, b ? kTrue : kFalse); }
  static Value Null() { return Value(Kind::kSimple, kNull); }
  static Value Simple(uint64_t n) { return Value(Kind::kSimple, n); }
  static Value Float(double d);

  Kind kind() const { return kind_; }
  bool is_text() const { return kind_ == Kind::kText; }
  bool is_bytes() const { return kind_ == Kind::kBytes; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_null() const { return kind_ == Kind::kSimple && number_ == kNull; }

  // The argument: an unsigned value, n of a negative value (-1 - n), a tag number or a
  // simple value.
  uint64_t number() const { return number_; }
  // kUnsigned or kNegative as int64; false when out of range or not an integer.
  bool AsInt(int64_t* out) const;
  double float_value() const { return float_; }
  // The bytes of a byte string or the UTF-8 of a text string.
  const std::string& str() const { return str_; }
  // Array items; for a tag, its single content item.
  const std::vector<Value>& items() const { return items_; }
  size_t map_size() const { return items_.size() / 2; }
  const Value& map_key(size_t i) const { return items_[2 * i]; }
  const Value& map_value(size_t i) const { return items_[2 * i + 1]; }
  const Value& tag_content() const { return items_[0]; }

  // Map lookup by a text or an integer key; nullptr when absent or not a map.
  const Value* Find(std::string_view text_key) const;
  const Value* FindInt(int64_t key) const;

  friend bool operator==(const Value& a, const Value& b) = default;

 private:
  Value(Kind kind, uint64_t number, std::string str = {})
      : kind_(kind), number_(number), str_(std::move(str)) {}

  Kind kind_;
  uint64_t number_ = 0;
  double float_ = 0;
  std::string str_;
  std::vector<Value> items_;  // array items, map keys and values interleaved, tag content
};

// The encoding (shortest argument forms; floats as 64-bit).
std::string Encode(const Value& value);

// Decodes exactly one item filling all of `bytes`. InvalidArgument "cbor_invalid" for
// truncated or malformed input, trailing bytes, indefinite lengths or nesting past kMaxDepth.
Result<Value> Decode(std::string_view bytes);

}  // namespace vmsg::disclosure::cbor
