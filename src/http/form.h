// FormCollector: the one way a route reads a multipart/form-data form into memory. The route
// declares its files and limits (FormRules); the collector keeps text fields and files,
// refusing a part the moment it passes its limit with the route's own stable reason, so no
// handler keeps its own MultipartHandler. (A form streamed straight into the object store,
// the presigned POST, is the upload route's own.)
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/message.h"
#include "http/multipart.h"

namespace vmsg::http {

// One kind of file the form accepts.
struct FormFileRule {
  std::vector<std::string> names;  // the part names holding it, e.g. {"image"}
  bool any_filename = false;       // also every part with a filename not claimed elsewhere
  size_t max_count = 1;
  size_t max_bytes = 0;
  std::string what;              // "the photo", "recording": the subject of messages
  std::string too_large_reason;  // ResourceExhausted when one passes max_bytes
  std::string too_many_reason;   // InvalidArgument when more than max_count come
  std::string too_many_message;  // e.g. "send one photo per request"
};

struct FormRules {
  std::vector<FormFileRule> files;
  size_t max_fields = 16;         // text fields ("too_many_fields")
  size_t max_field_bytes = 4096;  // per text field ("form_field_too_large")
  // A text field's own reason for passing max_field_bytes, e.g. {"name", "name_too_long"}.
  std::map<std::string, std::string, std::less<>> field_too_long_reasons;
  bool refuse_unknown_files = false;    // a file in a field no rule names: "unknown_field"
  bool refuse_repeated_fields = false;  // a text field given twice: "invalid_request"
  // The text fields kept; others are read past and dropped. nullopt: every one kept.
  std::optional<std::vector<std::string>> kept_fields;
};

struct FormFile {
  std::string field;
  std::string filename;  // as the client sent it; empty when none
  std::string bytes;
};

class FormCollector final : public MultipartHandler {
 public:
  explicit FormCollector(FormRules rules);

  Status OnPartBegin(const PartInfo& part) override;
  Status OnPartData(std::string_view data) override;
  Status OnPartEnd() override;

  // The text fields, by name.
  const std::map<std::string, std::string, std::less<>>& fields() const { return fields_; }
  std::optional<std::string> field(std::string_view name) const;
  // The files of rule `rule` (an index into FormRules::files), in the order they came.
  std::vector<FormFile>& files(size_t rule) { return files_[rule]; }

 private:
  Status BeginFile(size_t rule, const PartInfo& part);

  FormRules rules_;
  std::map<std::string, std::string, std::less<>> fields_;
  std::vector<std::vector<FormFile>> files_;
  std::string* current_ = nullptr;  // where the part's bytes go; null: dropped
  size_t limit_ = 0;
  int file_rule_ = -1;  // the current part's rule, or -1 for a text field
  std::string field_name_;
  size_t text_fields_ = 0;
};

// Reads the whole form of `request` into `collector`: the boundary from its Content-Type,
// then the body under `limits`. The first refusal (the parser's or the collector's).
boost::asio::awaitable<Status> ReadForm(Request& request, MultipartLimits limits,
                                        FormCollector& collector);

}  // namespace vmsg::http
