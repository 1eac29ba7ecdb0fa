// Non-throwing JSON parsing and field access.
#include "common/json.h"

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

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Status::InvalidArgument(
        "invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what(), "invalid_json");
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
