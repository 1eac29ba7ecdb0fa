// JSON helpers over nlohmann-json: parsing that returns a Status instead of throwing, and
// typed field access that names the field in its error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vmsg {

using Json = nlohmann::json;

// Parses `text`; InvalidArgument (reason "invalid_json") naming the byte offset on failure.
Result<Json> ParseJson(std::string_view text);

// Serialises without throwing on invalid UTF-8 (replaced by U+FFFD).
std::string DumpJson(const Json& value, int indent = -1);

// Reads `object[key]` as T. NotFound-free: a missing key is InvalidArgument
// ("missing field 'key'"), a wrong type InvalidArgument ("field 'key' must be a string").
Result<std::string> GetString(const Json& object, std::string_view key);
Result<int64_t> GetInt(const Json& object, std::string_view key);
Result<double> GetNumber(const Json& object, std::string_view key);
Result<bool> GetBool(const Json& object, std::string_view key);

}  // namespace vmsg
