// The S3 REST API's XML documents, written and read (pugixml): error bodies, ListObjectsV2
// pages, multipart upload ids and completion lists, lifecycle and versioning
// configurations. Pure functions over text, so every reader can be tested on AWS's
// documented examples and fed arbitrary bytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "objects/object_store.h"

namespace vmsg::objects::s3xml {

inline constexpr std::string_view kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// <Error><Code>..</Code><Message>..</Message></Error>; both empty when `body` is not one.
struct ErrorInfo {
  std::string code;
  std::string message;
};
ErrorInfo ParseError(std::string_view body);

// A ListBucketResult. Internal when the XML is malformed or says it is truncated without a
// continuation token.
Result<ListPage> ParseListObjectsV2(std::string_view body);

// The UploadId of an InitiateMultipartUploadResult; Internal when there is none.
Result<std::string> ParseUploadId(std::string_view body);
// CompleteMultipartUpload with (part number, ETag) in order.
std::string CompleteMultipartUpload(const std::vector<std::pair<int, std::string>>& parts);

// LifecycleConfiguration with one enabled rule per entry: ID, Filter/Prefix, Transition
// (Days, StorageClass) when transition_days > 0, Expiration (Days) when expiration_days > 0.
std::string LifecycleConfiguration(const std::vector<LifecycleRule>& rules);
// The rules of a LifecycleConfiguration, in document order; the prefix is read from
// Filter/Prefix or from the older Rule/Prefix form (as in the spec's lifecycle JSON).
Result<std::vector<LifecycleRule>> ParseLifecycleConfiguration(std::string_view body);

// <VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>.
std::string VersioningEnabled();
// "Enabled", "Suspended" or "" (never enabled). S3's root element is VersioningConfiguration;
// moto names it GetBucketVersioningResponse, so any root is read.
Result<std::string> ParseVersioningStatus(std::string_view body);

// CreateBucketConfiguration naming `region`; empty for us-east-1, the default location,
// which S3 refuses to see named.
std::string CreateBucketConfiguration(std::string_view region);

}  // namespace vmsg::objects::s3xml
