// See form.h.
#include "http/form.h"

#include <algorithm>
#include <utility>

#include "http/multipart_body.h"

namespace vmsg::http {
namespace {

// "10 MiB" for whole MiB, else "4096 bytes".
std::string SizeText(size_t bytes) {
  constexpr size_t kMiB = 1024 * 1024;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

FormCollector::FormCollector(FormRules rules)
    : rules_(std::move(rules)), files_(rules_.files.size()) {}

Status FormCollector::OnPartBegin(const PartInfo& part) {
  for (size_t i = 0; i < rules_.files.size(); ++i) {
    const auto& names = rules_.files[i].names;
    if (std::find(names.begin(), names.end(), part.name) != names.end()) return BeginFile(i, part);
  }
  if (part.filename.has_value()) {
    for (size_t i = 0; i < rules_.files.size(); ++i) {
      if (rules_.files[i].any_filename) return BeginFile(i, part);
    }
    if (rules_.refuse_unknown_files) {
      return Status::InvalidArgument("unexpected file field '" + part.name + "'", "unknown_field");
    }
  }
  if (++text_fields_ > rules_.max_fields) {
    return Status::InvalidArgument("too many form fields", "too_many_fields");
  }
  if (rules_.refuse_repeated_fields && fields_.contains(part.name)) {
    return Status::InvalidArgument("field '" + part.name + "' given twice", "invalid_request");
  }
  file_rule_ = -1;
  field_name_ = part.name;
  limit_ = rules_.max_field_bytes;
  const auto& kept_fields = rules_.kept_fields;
  const bool kept = !kept_fields || std::find(kept_fields->begin(), kept_fields->end(),
                                              part.name) != kept_fields->end();
  current_ = kept ? &(fields_[part.name] = std::string()) : nullptr;
  return Status::Ok();
}

Status FormCollector::BeginFile(size_t rule, const PartInfo& part) {
  const FormFileRule& r = rules_.files[rule];
  if (files_[rule].size() == r.max_count) {
    return Status::InvalidArgument(r.too_many_message, r.too_many_reason);
  }
  files_[rule].push_back({part.name, part.filename.value_or(""), {}});
  file_rule_ = static_cast<int>(rule);
  field_name_ = part.name;
  limit_ = r.max_bytes;
  current_ = &files_[rule].back().bytes;
  return Status::Ok();
}

Status FormCollector::OnPartData(std::string_view data) {
  if (current_ == nullptr) return Status::Ok();
  if (current_->size() + data.size() <= limit_) {
    current_->append(data);
    return Status::Ok();
  }
  if (file_rule_ >= 0) {
    const FormFileRule& r = rules_.files[static_cast<size_t>(file_rule_)];
    const std::string what =
        r.max_count > 1
            ? r.what + " " + std::to_string(files_[static_cast<size_t>(file_rule_)].size())
            : r.what;
    return Status::ResourceExhausted(what + " is larger than " + SizeText(limit_),
                                     r.too_large_reason);
  }
  const std::string message =
      "field " + field_name_ + " is longer than " + std::to_string(limit_) + " bytes";
  if (auto it = rules_.field_too_long_reasons.find(field_name_);
      it != rules_.field_too_long_reasons.end()) {
    return Status::InvalidArgument(message, it->second);
  }
  return Status::InvalidArgument(message, "form_field_too_large");
}

Status FormCollector::OnPartEnd() {
  current_ = nullptr;
  return Status::Ok();
}

std::optional<std::string> FormCollector::field(std::string_view name) const {
  if (auto it = fields_.find(name); it != fields_.end()) return it->second;
  return std::nullopt;
}

boost::asio::awaitable<Status> ReadForm(Request& request, MultipartLimits limits,
                                        FormCollector& collector) {
  Result<std::string> boundary =
      BoundaryFromContentType(request.headers.Get("Content-Type").value_or(""));
  if (!boundary.ok()) co_return boundary.status();
  MultipartParser parser(*boundary, limits, collector);
  co_return co_await ReadMultipartBody(request, parser);
}

}  // namespace vmsg::http
