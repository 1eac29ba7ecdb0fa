#include "objects/object_store.h"

#include <fstream>

#include "base/utf8.h"
#include "objects/keys.h"

namespace vmsg::objects {
Status ValidateKey(std::string_view key) {
  auto bad = [&](std::string why) {
    return Status::InvalidArgument("invalid object key: " + why, "invalid_object_key");
  };
  if (key.empty()) return bad("empty");
  if (key.size() > kMaxKeyBytes) {
    return bad("longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  if (!IsValidUtf8(key)) return bad("not valid UTF-8");
  if (key.front() == '/') return bad("absolute (starts with '/')");
  if (key.back() == '/') return bad("ends with '/'");
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return bad("contains a control character");
    if (c == '\\') return bad("contains a backslash");
  }
  size_t start = 0;
  while (start <= key.size()) {
    const size_t slash = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.empty()) return bad("has an empty path segment ('//')");
    if (segment == "." || segment == "..") return bad("has a '.' or '..' segment");
    start = slash + 1;
  }
  return Status::Ok();
}

const std::vector<LifecycleRule>& SpecLifecycleRules() {
  static const std::vector<LifecycleRule> kRules = {
      {.id = "DeleteTempFilesAfter7Days",
       .prefix = std::string(keys::kImageUploads),
       .expiration_days = 7},
      {.id = "DeleteGeneratedVoicesAfter7Days",
       .prefix = std::string(keys::kGeneratedVoices),
       .expiration_days = 7},
      {.id = "DeleteVideosAfter30Days",
       .prefix = std::string(keys::kVideos),
       .expiration_days = 30},
      {.id = "TransitionToColdStorageAfter90Days",
       .prefix = std::string(keys::kCustomVoices),
       .transition_days = 90,
       .transition_storage_class = "GLACIER"},
  };
  return kRules;
}

Result<std::string> ObjectStore::GetBytes(std::string_view key, std::optional<ByteRange> range) {
  std::string out;
  Result<ObjectInfo> info = Get(
      key,
      [&](std::string_view chunk) {
        out.append(chunk);
        return Status::Ok();
      },
      range);
  if (!info.ok()) return info.status();
  return out;
}

Status ObjectStore::GetToFile(std::string_view key, const std::filesystem::path& file) {
  const std::filesystem::path partial = file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Internal("cannot write " + partial.string());
    Result<ObjectInfo> info = Get(key, [&](std::string_view chunk) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return out ? Status::Ok() : Status::Internal("writing " + partial.string() + " failed");
    });
    if (!info.ok()) {
      out.close();
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      return info.status();
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) return Status::Internal("renaming " + partial.string() + ": " + ec.message());
  return Status::Ok();
}

Result<bool> ObjectStore::Exists(std::string_view key) {
  Result<ObjectInfo> info = Head(key);
  if (info.ok()) return true;
  if (info.status().IsNotFound()) return false;
  return info.status();
}

}  // namespace vmsg::objects
