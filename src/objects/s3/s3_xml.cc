// S3's XML documents (see s3_xml.h).
#include "objects/s3/s3_xml.h"

#include <cstdlib>
#include <pugixml.hpp>
#include <sstream>

#include "base/clock.h"

namespace vmsg::objects::s3xml {
namespace {

std::string Child(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

Result<pugi::xml_document> Parse(std::string_view body, std::string_view what) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return Status::Internal("S3 sent malformed XML for " + std::string(what));
  }
  return doc;
}

pugi::xml_node Root(pugi::xml_document& doc, const char* name) {
  pugi::xml_node root = doc.append_child(name);
  root.append_attribute("xmlns") = std::string(kNamespace).c_str();
  return root;
}

std::string Save(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace

ErrorInfo ParseError(std::string_view body) {
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return {};
  const pugi::xml_node error = doc.child("Error");
  return {Child(error, "Code"), Child(error, "Message")};
}

Result<ListPage> ParseListObjectsV2(std::string_view body) {
  VMSG_ASSIGN_OR_RETURN(pugi::xml_document doc, Parse(body, "ListObjectsV2"));
  const pugi::xml_node result = doc.child("ListBucketResult");
  if (!result) return Status::Internal("ListObjectsV2 answer is not a ListBucketResult");
  ListPage page;
  for (pugi::xml_node c = result.child("Contents"); c; c = c.next_sibling("Contents")) {
    ObjectInfo info;
    info.key = Child(c, "Key");
    info.size = std::strtoull(Child(c, "Size").c_str(), nullptr, 10);
    info.etag = Child(c, "ETag");
    info.last_modified = ParseIso8601(Child(c, "LastModified")).value_or(TimePoint{});
    page.objects.push_back(std::move(info));
  }
  if (Child(result, "IsTruncated") == "true") {
    page.next_token = Child(result, "NextContinuationToken");
    if (page.next_token.empty()) {
      return Status::Internal("S3 said the listing is truncated but gave no token");
    }
  }
  return page;
}

Result<std::string> ParseUploadId(std::string_view body) {
  VMSG_ASSIGN_OR_RETURN(pugi::xml_document doc, Parse(body, "CreateMultipartUpload"));
  std::string id = Child(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return Status::Internal("CreateMultipartUpload gave no UploadId");
  return id;
}

std::string CompleteMultipartUpload(const std::vector<std::pair<int, std::string>>& parts) {
  pugi::xml_document doc;
  pugi::xml_node root = Root(doc, "CompleteMultipartUpload");
  for (const auto& [number, etag] : parts) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text() = number;
    part.append_child("ETag").text() = etag.c_str();
  }
  return Save(doc);
}

std::string LifecycleConfiguration(const std::vector<LifecycleRule>& rules) {
  pugi::xml_document doc;
  pugi::xml_node root = Root(doc, "LifecycleConfiguration");
  for (const LifecycleRule& r : rules) {
    pugi::xml_node rule = root.append_child("Rule");
    rule.append_child("ID").text() = r.id.c_str();
    rule.append_child("Filter").append_child("Prefix").text() = r.prefix.c_str();
    rule.append_child("Status").text() = "Enabled";
    if (r.transition_days > 0) {
      pugi::xml_node transition = rule.append_child("Transition");
      transition.append_child("Days").text() = r.transition_days;
      transition.append_child("StorageClass").text() = r.transition_storage_class.c_str();
    }
    if (r.expiration_days > 0) {
      rule.append_child("Expiration").append_child("Days").text() = r.expiration_days;
    }
  }
  return Save(doc);
}

Result<std::vector<LifecycleRule>> ParseLifecycleConfiguration(std::string_view body) {
  VMSG_ASSIGN_OR_RETURN(pugi::xml_document doc, Parse(body, "lifecycle configuration"));
  const pugi::xml_node root = doc.child("LifecycleConfiguration");
  if (!root) return Status::Internal("lifecycle answer is not a LifecycleConfiguration");
  std::vector<LifecycleRule> rules;
  for (pugi::xml_node r = root.child("Rule"); r; r = r.next_sibling("Rule")) {
    LifecycleRule rule;
    rule.id = Child(r, "ID");
    rule.prefix = r.child("Filter") ? Child(r.child("Filter"), "Prefix") : Child(r, "Prefix");
    rule.expiration_days = r.child("Expiration").child("Days").text().as_int();
    rule.transition_days = r.child("Transition").child("Days").text().as_int();
    rule.transition_storage_class = Child(r.child("Transition"), "StorageClass");
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::string VersioningEnabled() {
  pugi::xml_document doc;
  Root(doc, "VersioningConfiguration").append_child("Status").text() = "Enabled";
  return Save(doc);
}

Result<std::string> ParseVersioningStatus(std::string_view body) {
  VMSG_ASSIGN_OR_RETURN(pugi::xml_document doc, Parse(body, "versioning"));
  return Child(doc.document_element(), "Status");
}

std::string CreateBucketConfiguration(std::string_view region) {
  if (region == "us-east-1") return {};
  pugi::xml_document doc;
  Root(doc, "CreateBucketConfiguration").append_child("LocationConstraint").text() =
      std::string(region).c_str();
  return Save(doc);
}

}  // namespace vmsg::objects::s3xml
