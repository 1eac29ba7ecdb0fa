// CBOR encoding and decoding (RFC 8949 sections 3 and 4.2.1's shortest argument forms).
#include "disclosure/cbor.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace vmsg::disclosure::cbor {
namespace {

enum Major : uint8_t {
  kMajorUnsigned = 0,
  kMajorNegative = 1,
  kMajorBytes = 2,
  kMajorText = 3,
  kMajorArray = 4,
  kMajorMap = 5,
  kMajorTag = 6,
  kMajorSimple = 7,
};

constexpr uint8_t kInfo8 = 24;
constexpr uint8_t kInfo16 = 25;
constexpr uint8_t kInfo32 = 26;
constexpr uint8_t kInfo64 = 27;
constexpr uint8_t kInfoIndefinite = 31;

void PutHead(uint8_t major, uint64_t n, std::string& out) {
  const auto first = static_cast<char>(major << 5);
  if (n < kInfo8) {
    out.push_back(static_cast<char>(first | n));
    return;
  }
  int bytes = 8;
  uint8_t info = kInfo64;
  if (n <= 0xff) {
    bytes = 1, info = kInfo8;
  } else if (n <= 0xffff) {
    bytes = 2, info = kInfo16;
  } else if (n <= 0xffffffff) {
    bytes = 4, info = kInfo32;
  }
  out.push_back(static_cast<char>(first | info));
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
}

void EncodeTo(const Value& v, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kUnsigned:
      return PutHead(kMajorUnsigned, v.number(), out);
    case Value::Kind::kNegative:
      return PutHead(kMajorNegative, v.number(), out);
    case Value::Kind::kBytes:
    case Value::Kind::kText:
      PutHead(v.is_bytes() ? kMajorBytes : kMajorText, v.str().size(), out);
      out += v.str();
      return;
    case Value::Kind::kArray:
      PutHead(kMajorArray, v.items().size(), out);
      for (const Value& item : v.items()) EncodeTo(item, out);
      return;
    case Value::Kind::kMap:
      PutHead(kMajorMap, v.map_size(), out);
      for (const Value& item : v.items()) EncodeTo(item, out);
      return;
    case Value::Kind::kTag:
      PutHead(kMajorTag, v.number(), out);
      return EncodeTo(v.tag_content(), out);
    case Value::Kind::kSimple:
      return PutHead(kMajorSimple, v.number(), out);
    case Value::Kind::kFloat:
      out.push_back(static_cast<char>((kMajorSimple << 5) | kInfo64));
      const auto bits = std::bit_cast<uint64_t>(v.float_value());
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(bits >> (8 * i)));
      return;
  }
}

Status Invalid(std::string_view what) {
  return Status::InvalidArgument("CBOR: " + std::string(what), "cbor_invalid");
}

// IEEE 754 half precision to double (RFC 8949 appendix D).
double HalfToDouble(uint16_t half) {
  const int exponent = (half >> 10) & 0x1f;
  const int mantissa = half & 0x3ff;
  double value;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent != 31) {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  } else {
    value = mantissa == 0 ? INFINITY : NAN;
  }
  return (half & 0x8000) ? -value : value;
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  Result<Value> Item(int depth) {
    if (depth > kMaxDepth) return Invalid("nested too deeply");
    if (pos_ >= bytes_.size()) return Invalid("truncated");
    const auto first = static_cast<uint8_t>(bytes_[pos_++]);
    const uint8_t major = first >> 5;
    const uint8_t info = first & 0x1f;
    if (major == kMajorSimple && info >= kInfo16 && info <= kInfo64) return FloatItem(info);
    VMSG_ASSIGN_OR_RETURN(uint64_t n, Argument(info));
    switch (major) {
      case kMajorUnsigned:
        return Value::Uint(n);
      case kMajorNegative:
        return Value::NegativeMinusOne(n);
      case kMajorBytes:
      case kMajorText:
        return StringItem(major, n);
      case kMajorArray:
        return ArrayItem(n, depth);
      case kMajorMap:
        return MapItem(n, depth);
      case kMajorTag: {
        VMSG_ASSIGN_OR_RETURN(Value content, Item(depth + 1));
        return Value::Tag(n, std::move(content));
      }
      default:
        return Value::Simple(n);
    }
  }

  bool AtEnd() const { return pos_ == bytes_.size(); }

 private:
  Result<uint64_t> Argument(uint8_t info) {
    if (info < kInfo8) return uint64_t{info};
    if (info == kInfoIndefinite) return Invalid("indefinite lengths are not supported");
    if (info > kInfo64) return Invalid("reserved additional information");
    const size_t size = size_t{1} << (info - kInfo8);
    VMSG_ASSIGN_OR_RETURN(std::string_view raw, Take(size));
    uint64_t n = 0;
    for (char c : raw) n = (n << 8) | static_cast<uint8_t>(c);
    return n;
  }

  Result<std::string_view> Take(uint64_t size) {
    if (size > bytes_.size() - pos_) return Invalid("truncated");
    std::string_view out = bytes_.substr(pos_, size);
    pos_ += size;
    return out;
  }

  Result<Value> FloatItem(uint8_t info) {
    const size_t size = size_t{1} << (info - kInfo8);
    VMSG_ASSIGN_OR_RETURN(std::string_view raw, Take(size));
    uint64_t bits = 0;
    for (char c : raw) bits = (bits << 8) | static_cast<uint8_t>(c);
    if (info == kInfo16) return Value::Float(HalfToDouble(static_cast<uint16_t>(bits)));
    if (info == kInfo32) return Value::Float(std::bit_cast<float>(static_cast<uint32_t>(bits)));
    return Value::Float(std::bit_cast<double>(bits));
  }

  Result<Value> StringItem(uint8_t major, uint64_t size) {
    VMSG_ASSIGN_OR_RETURN(std::string_view raw, Take(size));
    return major == kMajorBytes ? Value::Bytes(std::string(raw)) : Value::Text(std::string(raw));
  }

  Result<Value> ArrayItem(uint64_t count, int depth) {
    if (count > bytes_.size() - pos_) return Invalid("truncated");  // one byte an item at least
    std::vector<Value> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      VMSG_ASSIGN_OR_RETURN(Value item, Item(depth + 1));
      items.push_back(std::move(item));
    }
    return Value::Array(std::move(items));
  }

  Result<Value> MapItem(uint64_t count, int depth) {
    if (count > (bytes_.size() - pos_) / 2) return Invalid("truncated");
    std::vector<std::pair<Value, Value>> entries;
    entries.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      VMSG_ASSIGN_OR_RETURN(Value key, Item(depth + 1));
      VMSG_ASSIGN_OR_RETURN(Value value, Item(depth + 1));
      entries.emplace_back(std::move(key), std::move(value));
    }
    return Value::Map(std::move(entries));
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace

Value Value::Int(int64_t n) {
  if (n >= 0) return Uint(static_cast<uint64_t>(n));
  return NegativeMinusOne(static_cast<uint64_t>(-(n + 1)));
}

Value Value::Array(std::vector<Value> items) {
  Value v(Kind::kArray, 0);
  v.items_ = std::move(items);
  return v;
}

Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  Value v(Kind::kMap, 0);
  v.items_.reserve(entries.size() * 2);
  for (auto& [key, value] : entries) {
    v.items_.push_back(std::move(key));
    v.items_.push_back(std::move(value));
  }
  return v;
}

Value Value::Tag(uint64_t tag, Value content) {
  Value v(Kind::kTag, tag);
  v.items_.push_back(std::move(content));
  return v;
}

Value Value::Float(double d) {
  Value v(Kind::kFloat, 0);
  v.float_ = d;
  return v;
}

bool Value::AsInt(int64_t* out) const {
  constexpr auto kMax = static_cast<uint64_t>(INT64_MAX);
  if ((kind_ != Kind::kUnsigned && kind_ != Kind::kNegative) || number_ > kMax) return false;
  *out =
      kind_ == Kind::kUnsigned ? static_cast<int64_t>(number_) : -1 - static_cast<int64_t>(number_);
  return true;
}

const Value* Value::Find(std::string_view text_key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (size_t i = 0; i < map_size(); ++i) {
    if (map_key(i).is_text() && map_key(i).str() == text_key) return &map_value(i);
  }
  return nullptr;
}

const Value* Value::FindInt(int64_t key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (size_t i = 0; i < map_size(); ++i) {
    int64_t k;
    if (map_key(i).AsInt(&k) && k == key) return &map_value(i);
  }
  return nullptr;
}

std::string Encode(const Value& value) {
  std::string out;
  EncodeTo(value, out);
  return out;
}

Result<Value> Decode(std::string_view bytes) {
  Reader reader(bytes);
  VMSG_ASSIGN_OR_RETURN(Value value, reader.Item(0));
  if (!reader.AtEnd()) return Invalid("trailing bytes after the item");
  return value;
}

}  // namespace vmsg::disclosure::cbor
