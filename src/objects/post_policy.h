// The POST policy both backends sign for a browser upload (PresignPost): the conditions a
// PostPolicy stands for and the policy document's JSON, in one place so the local store and
// S3 sign the same thing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "objects/object_store.h"

namespace vmsg::objects {

// A POST policy condition.
struct PolicyCondition {
  enum class Kind { kExact, kStartsWith, kContentLengthRange };
  Kind kind = Kind::kExact;
  std::string field;  // without '$': "key", "Content-Type", "bucket"
  std::string value;  // kExact and kStartsWith
  uint64_t min = 0;   // kContentLengthRange
  uint64_t max = 0;
};

// The key (exact, or starts-with the prefix), the content type when set, and the length
// range: what every backend's form for `policy` is held to.
std::vector<PolicyCondition> PolicyConditions(const PostPolicy& policy);

// {"expiration": "...", "conditions": [...]}: `conditions`, then `fields` as {"name": "value"}
// conditions (S3's x-amz-*). Exact conditions on "bucket" also use the {"field": "value"}
// form, others ["eq", "$field", "value"].
std::string PolicyDocument(TimePoint expiration, const std::vector<PolicyCondition>& conditions,
                           const std::vector<std::pair<std::string, std::string>>& fields = {});

}  // namespace vmsg::objects
