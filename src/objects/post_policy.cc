// See post_policy.h.
#include "objects/post_policy.h"

#include "base/json.h"

namespace vmsg::objects {
namespace {

std::string JsonString(std::string_view s) { return DumpJson(Json(std::string(s))); }

std::string ObjectForm(std::string_view field, std::string_view value) {
  return "{" + JsonString(field) + ": " + JsonString(value) + "}";
}

}  // namespace

std::vector<PolicyCondition> PolicyConditions(const PostPolicy& policy) {
  using Kind = PolicyCondition::Kind;
  std::vector<PolicyCondition> conditions;
  if (!policy.key.empty()) {
    conditions.push_back({Kind::kExact, "key", policy.key});
  } else {
    conditions.push_back({Kind::kStartsWith, "key", policy.key_prefix});
  }
  if (!policy.content_type.empty()) {
    conditions.push_back({Kind::kExact, "Content-Type", policy.content_type});
  }
  conditions.push_back({Kind::kContentLengthRange, "", "", policy.min_bytes, policy.max_bytes});
  return conditions;
}

std::string PolicyDocument(TimePoint expiration, const std::vector<PolicyCondition>& conditions,
                           const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> items;
  for (const PolicyCondition& c : conditions) {
    switch (c.kind) {
      case PolicyCondition::Kind::kExact:
        if (c.field == "bucket") {
          items.push_back(ObjectForm(c.field, c.value));
        } else {
          items.push_back("[\"eq\", " + JsonString("$" + c.field) + ", " + JsonString(c.value) +
                          "]");
        }
        break;
      case PolicyCondition::Kind::kStartsWith:
        items.push_back("[\"starts-with\", " + JsonString("$" + c.field) + ", " +
                        JsonString(c.value) + "]");
        break;
      case PolicyCondition::Kind::kContentLengthRange:
        items.push_back("[\"content-length-range\", " + std::to_string(c.min) + ", " +
                        std::to_string(c.max) + "]");
        break;
    }
  }
  for (const auto& [field, value] : fields) items.push_back(ObjectForm(field, value));
  std::string out =
      "{\"expiration\": " + JsonString(FormatIso8601Millis(expiration)) + ", \"conditions\": [";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out + "]}";
}

}  // namespace vmsg::objects
