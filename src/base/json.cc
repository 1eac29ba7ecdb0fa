// Non-throwing JSON parsing and field access.
#include "base/json.h"

#include <cstdio>

namespace vmsg {
namespace {

Result<const Json*> Field(const Json& object, std::string_view key) {
  if (!object.is_object()) return Status::InvalidArgument("expected a JSON object", "invalid_json");
  auto it = object.find(key);
  if (it == object.end()) {
    return Status::InvalidArgument("missing field '" + std::string(key) + "'", "missing_field");
  }
  return &*it;
}

Status WrongType(std::string_view key, std::string_view type) {
  return Status::InvalidArgument("field '" + std::string(key) + "' must be " + std::string(type),
                                 "invalid_field");
}

// Where parsing stopped, in our words: the parser's own text names its internals.
// `position` counts bytes from 1, and is past the end when the input ended too soon.
std::string DescribeJsonError(std::string_view text, size_t position) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return "the body is empty; expected JSON";
  }
  if (position == 0 || position > text.size()) {
    return "the JSON ends before it is complete (" + std::to_string(text.size()) + " bytes)";
  }
  const size_t at = position - 1;
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::string where = " at byte " + std::to_string(position) + " (line " +
                            std::to_string(line) + ", column " +
                            std::to_string(at - line_start + 1) + ")";
  const auto c = static_cast<unsigned char>(text[at]);
  // Inside a string any ASCII byte may follow a whole UTF-8 sequence, so a stop at or just
  // after a byte over 0x7F is a broken sequence.
  if (c >= 0x80 || (at > 0 && static_cast<unsigned char>(text[at - 1]) >= 0x80)) {
    return "text that is not valid UTF-8" + where;
  }
  if (c < 0x20) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", c);
    return "a control character (" + std::string(hex) + ") where JSON does not allow one" + where;
  }
  return "unexpected '" + std::string(1, char(c)) + "'" + where;
}

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument("invalid JSON: " + DescribeJsonError(text, e.byte),
                                   "invalid_json");
  }
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> GetString(const Json& object, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(const Json* v, Field(object, key));
  if (!v->is_string()) return WrongType(key, "a string");
  return v->get<std::string>();
}

Result<int64_t> GetInt(const Json& object, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(const Json* v, Field(object, key));
  if (!v->is_number_integer()) return WrongType(key, "an integer");
  return v->get<int64_t>();
}

Result<double> GetNumber(const Json& object, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(const Json* v, Field(object, key));
  if (!v->is_number()) return WrongType(key, "a number");
  return v->get<double>();
}

Result<bool> GetBool(const Json& object, std::string_view key) {
  VMSG_ASSIGN_OR_RETURN(const Json* v, Field(object, key));
  if (!v->is_boolean()) return WrongType(key, "a boolean");
  return v->get<bool>();
}

}  // namespace vmsg
