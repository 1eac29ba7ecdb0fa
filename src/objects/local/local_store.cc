// LocalObjectStore: objects as files, metadata in sidecars, atomic writes by rename, signed
// URLs and S3-style POST policies checked against a secret kept in the data dir.
#include "objects/local/local_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

#include "base/ascii.h"
#include "base/crypto.h"
#include "base/env.h"
#include "base/files.h"
#include "base/json.h"
#include "objects/post_policy.h"

namespace vmsg::objects {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kReservedPrefix = ".vmsg-";
constexpr std::string_view kMetaPrefix = ".vmsg-meta.";
constexpr std::string_view kTempPrefix = ".vmsg-tmp-";
constexpr size_t kIoChunkBytes = 64 * 1024;
constexpr int kMaxListKeys = 1000;
// Reads of an object racing an overwrite retry this often before falling back to
// metadata derived from the file itself.
constexpr int kMetaRetries = 100;
// A form without a content-length-range may upload this much (S3's single PUT limit).
constexpr uint64_t kDefaultPostMaxBytes = uint64_t{5} * 1024 * 1024 * 1024;
constexpr std::string_view kFilenameVariable = "${filename}";

// The local store's own limits on top of ValidateKey.
Status ValidateLocalKey(std::string_view key) {
  VMSG_RETURN_IF_ERROR(ValidateKey(key));
  size_t start = 0;
  while (start < key.size()) {
    const size_t slash = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, slash - start);
    if (segment.starts_with(kReservedPrefix)) {
      return Status::InvalidArgument(
          "invalid object key: segments starting with \".vmsg-\" are "
          "reserved by the local store",
          "invalid_object_key");
    }
    if (segment.size() > kLocalMaxSegmentBytes) {
      return Status::InvalidArgument("invalid object key: the local store allows at most " +
                                         std::to_string(kLocalMaxSegmentBytes) +
                                         " bytes between slashes",
                                     "invalid_object_key");
    }
    start = slash + 1;
  }
  return Status::Ok();
}

fs::path MetaPathFor(const fs::path& data) {
  return data.parent_path() / (std::string(kMetaPrefix) + data.filename().string());
}

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint FromMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::string HexDigest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
    return HexEncode(std::string_view(reinterpret_cast<const char*>(out), n));
  }

 private:
  EVP_MD_CTX* ctx_;
};

struct Meta {
  std::string content_type;
  std::string etag;
  TimePoint written;
  uint64_t size = 0;
  uint64_t inode = 0;
};

std::optional<Meta> ReadMeta(const fs::path& meta_path) {
  const int fd = ::open(meta_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  Fd owner(fd);
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  Result<Json> json = ParseJson(text);
  if (!json.ok() || !json->is_object()) return std::nullopt;
  try {
    Meta meta;
    meta.content_type = json->at("content_type").get<std::string>();
    meta.etag = json->at("etag").get<std::string>();
    meta.written = FromMillis(json->at("written_ms").get<int64_t>());
    meta.size = json->at("size").get<uint64_t>();
    meta.inode = json->at("inode").get<uint64_t>();
    return meta;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

// A file being written next to its final name; removed unless committed.
class AtomicWriter {
 public:
  // Creates the temporary file. `dir_mutex` serialises directory creation with the
  // removal of empty directories by Delete.
  static Result<std::unique_ptr<AtomicWriter>> Start(Env& env, const fs::path& target,
                                                     std::mutex& dir_mutex) {
    std::unique_ptr<AtomicWriter> w(new AtomicWriter(env));
    w->target_ = target;
    std::lock_guard lock(dir_mutex);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Status::FailedPrecondition("cannot create the directory for " + target.string() +
                                            " (an object may exist where a directory is "
                                            "needed): " +
                                            ec.message(),
                                        "key_conflict");
    }
    if (fs::is_directory(fs::symlink_status(target, ec))) return KeyConflict(target);
    w->temp_ = TempBeside(target);
    VMSG_ASSIGN_OR_RETURN(w->file_, env.NewWritableFile(w->temp_));
    return w;
  }

  ~AtomicWriter() {
    if (!committed_ && !temp_.empty()) (void)env_.RemoveFile(temp_);
  }

  Status Write(std::string_view data) {
    md5_.Update(data);
    size_ += data.size();
    return file_->Append(data);
  }

  uint64_t size() const { return size_; }

  // Syncs the data, writes the sidecar, renames both into place and syncs the directory.
  Result<ObjectInfo> Commit(std::string key, std::string content_type, TimePoint written) {
    VMSG_RETURN_IF_ERROR(file_->Sync());
    VMSG_ASSIGN_OR_RETURN(const uint64_t inode, file_->FileId());
    VMSG_RETURN_IF_ERROR(file_->Close());
    ObjectInfo info{.key = std::move(key),
                    .size = size_,
                    .last_modified = written,
                    .etag = "\"" + md5_.HexDigest() + "\"",
                    .content_type = std::move(content_type)};
    const Json meta = {{"content_type", info.content_type},
                       {"etag", info.etag},
                       {"written_ms", ToMillis(written)},
                       {"size", info.size},
                       {"inode", inode}};
    const fs::path meta_temp = TempBeside(target_);
    {
      VMSG_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> sidecar, env_.NewWritableFile(meta_temp));
      Status written_meta = sidecar->Append(DumpJson(meta));
      if (written_meta.ok()) written_meta = sidecar->Sync();
      if (written_meta.ok()) written_meta = sidecar->Close();
      if (!written_meta.ok()) {
        (void)env_.RemoveFile(meta_temp);
        return written_meta;
      }
    }
    if (Status renamed = env_.RenameFile(temp_, target_); !renamed.ok()) {
      (void)env_.RemoveFile(meta_temp);
      std::error_code ec;
      if (fs::is_directory(fs::symlink_status(target_, ec))) return KeyConflict(target_);
      return renamed;
    }
    committed_ = true;
    if (Status renamed = env_.RenameFile(meta_temp, MetaPathFor(target_)); !renamed.ok()) {
      (void)env_.RemoveFile(meta_temp);
      return renamed;
    }
    VMSG_RETURN_IF_ERROR(env_.SyncDir(target_.parent_path()));
    return info;
  }

 private:
  explicit AtomicWriter(Env& env) : env_(env) {}

  static fs::path TempBeside(const fs::path& target) {
    return target.parent_path() / (std::string(kTempPrefix) + HexEncode(RandomBytes(8)));
  }

  static Status KeyConflict(const fs::path& target) {
    return Status::FailedPrecondition(
        "cannot store " + target.string() + ": other objects' keys continue it with '/'",
        "key_conflict");
  }

  Env& env_;
  fs::path target_;
  fs::path temp_;
  std::unique_ptr<WritableFile> file_;
  Md5 md5_;
  uint64_t size_ = 0;
  bool committed_ = false;
};

// An open object: its descriptor and the metadata that belongs to exactly that file.
struct OpenObject {
  Fd fd;
  fs::path path;
  ObjectInfo info;
};

std::string ComputeFileMd5(int fd) {
  Md5 md5;
  std::string buf(kIoChunkBytes, '\0');
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    md5.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    offset += n;
  }
  return "\"" + md5.HexDigest() + "\"";
}

// Opens `path` and its sidecar, retrying while they belong to different writes. NotFound
// when there is no such file.
Result<OpenObject> OpenWithMeta(const fs::path& path, std::string_view key) {
  for (int attempt = 0;; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
        return Status::NotFound("no object " + std::string(key), "object_not_found");
      }
      return FileError("opening", path, errno);
    }
    OpenObject obj{.fd = Fd(fd), .path = path, .info = {}};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return FileError("inspecting", path, errno);
    if (!S_ISREG(st.st_mode)) {
      return Status::NotFound("no object " + std::string(key), "object_not_found");
    }
    obj.info.key = std::string(key);
    obj.info.size = static_cast<uint64_t>(st.st_size);
    std::optional<Meta> meta = ReadMeta(MetaPathFor(path));
    if (meta && meta->inode == static_cast<uint64_t>(st.st_ino) && meta->size == obj.info.size) {
      obj.info.etag = meta->etag;
      obj.info.content_type = meta->content_type;
      obj.info.last_modified = meta->written;
      return obj;
    }
    if (attempt < kMetaRetries) {
      std::this_thread::yield();  // an overwrite is between its two renames
      continue;
    }
    // A sidecar lost (a crash between the renames, or a file put there by hand): derive
    // what the file itself can tell.
    obj.info.etag = ComputeFileMd5(fd);
    obj.info.content_type = "application/octet-stream";
    obj.info.last_modified = TimePoint(std::chrono::seconds(st.st_mtim.tv_sec));
    return obj;
  }
}

Status CheckRange(const std::optional<ByteRange>& range, uint64_t size, uint64_t& first,
                  uint64_t& end) {
  first = 0;
  end = size;
  if (!range) return Status::Ok();
  if (range->first >= size || (range->last && *range->last < range->first)) {
    return Status::InvalidArgument(
        "range starts past the end of the " + std::to_string(size) + "-byte object",
        "range_not_satisfiable");
  }
  first = range->first;
  if (range->last) end = std::min(size, *range->last + 1);
  return Status::Ok();
}

// Midnight UTC at or before `t`.
TimePoint FloorToDay(TimePoint t) { return std::chrono::floor<std::chrono::days>(t); }

class LocalPostUpload final : public PostUpload {
 public:
  LocalPostUpload(std::unique_ptr<AtomicWriter> writer, std::string key, std::string content_type,
                  uint64_t min_bytes, uint64_t max_bytes, const Clock& clock)
      : writer_(std::move(writer)),
        key_(std::move(key)),
        content_type_(std::move(content_type)),
        min_bytes_(min_bytes),
        max_bytes_(max_bytes),
        clock_(clock) {}

  const std::string& key() const override { return key_; }

  Status Write(std::string_view data) override {
    if (writer_->size() + data.size() > max_bytes_) {
      return Status::InvalidArgument(
          "the upload is larger than the policy's " + std::to_string(max_bytes_) + "-byte maximum",
          "entity_too_large");
    }
    return writer_->Write(data);
  }

  Result<ObjectInfo> Commit() override {
    if (writer_->size() < min_bytes_) {
      return Status::InvalidArgument(
          "the upload is smaller than the policy's " + std::to_string(min_bytes_) + "-byte minimum",
          "entity_too_small");
    }
    return writer_->Commit(key_, content_type_, clock_.Now());
  }

 private:
  std::unique_ptr<AtomicWriter> writer_;
  std::string key_;
  std::string content_type_;
  uint64_t min_bytes_;
  uint64_t max_bytes_;
  const Clock& clock_;
};

class LocalStore final : public LocalObjectStore {
 public:
  LocalStore(LocalStoreOptions options, std::string secret, const Clock& clock)
      : options_(std::move(options)),
        env_(options_.env != nullptr ? *options_.env : Env::Default()),
        secret_(std::move(secret)),
        clock_(clock) {}

  std::string_view Name() const override { return "local"; }

  Status Put(std::string_view key, std::string_view data, const PutOptions& options) override {
    VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
    VMSG_ASSIGN_OR_RETURN(auto writer, AtomicWriter::Start(env_, HotPath(key), dir_mutex_));
    for (size_t at = 0; at < data.size(); at += kIoChunkBytes) {
      VMSG_RETURN_IF_ERROR(writer->Write(data.substr(at, kIoChunkBytes)));
    }
    return Finish(*writer, key, options.content_type);
  }

  Status PutFile(std::string_view key, const fs::path& file, const PutOptions& options) override {
    VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound("no file " + file.string());
      return FileError("opening", file, errno);
    }
    Fd owner(fd);
    VMSG_ASSIGN_OR_RETURN(auto writer, AtomicWriter::Start(env_, HotPath(key), dir_mutex_));
    std::string buf(kIoChunkBytes, '\0');
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FileError("reading", file, errno);
      if (n == 0) break;
      VMSG_RETURN_IF_ERROR(writer->Write(std::string_view(buf.data(), static_cast<size_t>(n))));
    }
    return Finish(*writer, key, options.content_type);
  }

  Result<ObjectInfo> Get(std::string_view key, const ChunkSink& sink,
                         std::optional<ByteRange> range) override {
    VMSG_ASSIGN_OR_RETURN(OpenObject obj, Open(key));
    uint64_t offset = 0;
    uint64_t end = 0;
    VMSG_RETURN_IF_ERROR(CheckRange(range, obj.info.size, offset, end));
    std::string buf(kIoChunkBytes, '\0');
    while (offset < end) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - offset));
      const ssize_t n = ::pread(obj.fd.get(), buf.data(), want, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FileError("reading", obj.path, errno);
      if (n == 0) return Status::DataLoss("object " + std::string(key) + " ended early");
      VMSG_RETURN_IF_ERROR(sink(std::string_view(buf.data(), static_cast<size_t>(n))));
      offset += static_cast<uint64_t>(n);
    }
    return obj.info;
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    VMSG_ASSIGN_OR_RETURN(OpenObject obj, Open(key));
    return obj.info;
  }

  Status Delete(std::string_view key) override {
    VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
    std::lock_guard lock(dir_mutex_);
    for (const fs::path& base : {options_.root, options_.cold_dir}) {
      VMSG_RETURN_IF_ERROR(RemoveLocked(base, key));
    }
    return Status::Ok();
  }

  Result<ListPage> List(std::string_view prefix, std::string_view continuation_token,
                        int max_keys) override {
    if (max_keys <= 0) {
      return Status::InvalidArgument("max_keys must be positive", "invalid_max_keys");
    }
    max_keys = std::min(max_keys, kMaxListKeys);
    std::string after;
    if (!continuation_token.empty()) {
      std::optional<std::string> decoded = Base64Decode(continuation_token);
      if (!decoded || decoded->empty()) {
        return Status::InvalidArgument("the continuation token is not one this store issued",
                                       "invalid_continuation_token");
      }
      after = std::move(*decoded);
    }
    std::vector<std::string> keys;
    for (const fs::path& base : {options_.root, options_.cold_dir}) {
      VMSG_RETURN_IF_ERROR(CollectKeys(base, prefix, after, keys));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    ListPage page;
    for (const std::string& key : keys) {
      if (page.objects.size() == static_cast<size_t>(max_keys)) {
        page.next_token = Base64Encode(page.objects.back().key);
        break;
      }
      Result<ObjectInfo> info = Head(key);
      if (info.status().IsNotFound()) continue;  // deleted while listing
      if (!info.ok()) return info.status();
      page.objects.push_back(std::move(*info));
    }
    return page;
  }

  Result<std::string> PresignGet(std::string_view key, std::chrono::seconds expires_in) override {
    VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
    VMSG_RETURN_IF_ERROR(CheckExpiry(expires_in));
    const int64_t expires = std::chrono::duration_cast<std::chrono::seconds>(
                                (clock_.Now() + expires_in).time_since_epoch())
                                .count();
    const std::string expires_text = std::to_string(expires);
    return options_.public_base_url + options_.files_path + UriEncode(key, true) +
           "?expires=" + expires_text + "&signature=" + GetSignature(key, expires_text);
  }

  Result<PresignedPost> PresignPost(const PostPolicy& policy) override {
    if (policy.key.empty() == policy.key_prefix.empty()) {
      return Status::InvalidArgument("a post policy names exactly one of key and key_prefix",
                                     "invalid_policy");
    }
    if (policy.min_bytes > policy.max_bytes) {
      return Status::InvalidArgument("min_bytes exceeds max_bytes", "invalid_policy");
    }
    VMSG_RETURN_IF_ERROR(CheckExpiry(policy.expires_in));
    std::string key_field;
    if (!policy.key.empty()) {
      VMSG_RETURN_IF_ERROR(ValidateLocalKey(policy.key));
      key_field = policy.key;
    } else {
      // The prefix itself need not be a key; it must lead to valid ones.
      VMSG_RETURN_IF_ERROR(ValidateLocalKey(policy.key_prefix + "x"));
      key_field = policy.key_prefix + std::string(kFilenameVariable);
    }
    const TimePoint expires_at =
        std::chrono::floor<std::chrono::seconds>(clock_.Now()) + policy.expires_in;
    auto [encoded, signature] = SignPolicy(PolicyDocument(expires_at, PolicyConditions(policy)));
    PresignedPost post;
    post.url = options_.public_base_url + options_.upload_path;
    post.fields.emplace_back("key", key_field);
    if (!policy.content_type.empty()) post.fields.emplace_back("Content-Type", policy.content_type);
    post.fields.emplace_back("policy", std::move(encoded));
    post.fields.emplace_back(std::string(kPostSignatureField), std::move(signature));
    post.object_key = policy.key.empty() ? policy.key_prefix : policy.key;
    post.expires_at = expires_at;
    return post;
  }

  Status ApplyLifecycle(const std::vector<LifecycleRule>& rules) override {
    for (const LifecycleRule& rule : rules) {
      if (rule.expiration_days < 0 || rule.transition_days < 0) {
        return Status::InvalidArgument("lifecycle rule " + rule.id + " has negative days",
                                       "invalid_lifecycle_rule");
      }
    }
    std::lock_guard lock(rules_mutex_);
    rules_ = rules;
    return Status::Ok();
  }

  Status CheckReachable() override {
    if (!fs::is_directory(options_.root)) {
      return Status::Unavailable(options_.root.string() + " is not a directory");
    }
    if (::access(options_.root.c_str(), W_OK | X_OK) != 0) {
      return Status::Unavailable(options_.root.string() + " is not writable: " + ErrnoText(errno));
    }
    return Status::Ok();
  }

  Result<VerifiedDownload> VerifyGetUrl(std::string_view key, std::string_view expires,
                                        std::string_view signature) override {
    if (expires.empty() || signature.empty() ||
        !ConstantTimeEquals(GetSignature(key, expires), signature)) {
      return Status::PermissionDenied("the URL's signature does not match", "signature_mismatch");
    }
    int64_t expires_at = 0;
    try {
      size_t used = 0;
      expires_at = std::stoll(std::string(expires), &used);
      if (used != expires.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Status::PermissionDenied("the URL's expiry is malformed", "signature_mismatch");
    }
    if (clock_.Now() > TimePoint(std::chrono::seconds(expires_at))) {
      return Status::PermissionDenied("the URL has expired", "url_expired");
    }
    VMSG_ASSIGN_OR_RETURN(OpenObject obj, Open(key));
    return VerifiedDownload{.file = obj.path, .info = std::move(obj.info)};
  }

  Result<std::unique_ptr<PostUpload>> VerifyPostUpload(
      const std::vector<std::pair<std::string, std::string>>& fields,
      std::string_view filename) override;

  std::pair<std::string, std::string> SignPolicy(std::string_view policy_json) const override {
    std::string encoded = Base64Encode(policy_json);
    std::string signature = PolicySignature(encoded);
    return {std::move(encoded), std::move(signature)};
  }

  Result<SweepStats> Sweep(TimePoint now) override;

 private:
  fs::path HotPath(std::string_view key) const { return options_.root / fs::path(key); }

  Status Finish(AtomicWriter& writer, std::string_view key, const std::string& content_type) {
    VMSG_ASSIGN_OR_RETURN(ObjectInfo info,
                          writer.Commit(std::string(key), content_type, clock_.Now()));
    (void)info;
    // A newer hot copy supersedes a cold one.
    std::lock_guard lock(dir_mutex_);
    return RemoveLocked(options_.cold_dir, key);
  }

  Result<OpenObject> Open(std::string_view key) {
    VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
    Result<OpenObject> hot = OpenWithMeta(HotPath(key), key);
    if (!hot.status().IsNotFound()) return hot;
    return OpenWithMeta(options_.cold_dir / fs::path(key), key);
  }

  // Removes base/key and its sidecar, then the directories this left empty. Holds
  // dir_mutex_.
  Status RemoveLocked(const fs::path& base, std::string_view key) {
    const fs::path path = base / fs::path(key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Status::Ok();
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return FileError("deleting", path, errno);
    ::unlink(MetaPathFor(path).c_str());
    for (fs::path dir = path.parent_path(); dir != base && dir.has_relative_path();
         dir = dir.parent_path()) {
      if (::rmdir(dir.c_str()) != 0) break;  // not empty (or gone): stop climbing
    }
    return Status::Ok();
  }

  // Adds the keys under `base` that start with `prefix` and sort after `after`.
  Status CollectKeys(const fs::path& base, std::string_view prefix, const std::string& after,
                     std::vector<std::string>& keys) const {
    const size_t slash = prefix.rfind('/');
    const std::string dir_part =
        slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
    // Walk only the deepest directory the prefix names, when it is a valid path.
    fs::path start = base;
    if (!dir_part.empty()) {
      if (!ValidateKey(dir_part).ok()) return Status::Ok();  // no key can match
      start = base / fs::path(dir_part);
    }
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(start, ec))) return Status::Ok();
    fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Status::Internal("listing " + start.string() + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Status::Internal("listing " + start.string() + ": " + ec.message());
      const std::string name = it->path().filename().string();
      if (name.starts_with(kReservedPrefix)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      std::string key = it->path().lexically_relative(base).generic_string();
      if (!key.starts_with(prefix) || key <= after) continue;
      keys.push_back(std::move(key));
    }
    return Status::Ok();
  }

  Status CheckExpiry(std::chrono::seconds expires_in) const {
    if (expires_in <= std::chrono::seconds(0) || expires_in > kMaxPresignExpiry) {
      return Status::InvalidArgument("presigned expiry must be from 1 s to 7 days",
                                     "invalid_expiry");
    }
    return Status::Ok();
  }

  // The signature of a policy as the form carries it (base64).
  std::string PolicySignature(std::string_view encoded_policy) const {
    return HexEncode(HmacSha256(secret_, encoded_policy));
  }

  std::string GetSignature(std::string_view key, std::string_view expires) const {
    std::string payload = "GET\n";
    payload.append(key);
    payload.push_back('\n');
    payload.append(expires);
    return HexEncode(HmacSha256(secret_, payload));
  }

  // Moves base/key's file and sidecar to the cold directory.
  Status MoveToCold(std::string_view key) {
    const fs::path from = HotPath(key);
    const fs::path to = options_.cold_dir / fs::path(key);
    std::lock_guard lock(dir_mutex_);
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return Status::Internal("creating " + to.parent_path().string() + ": " + ec.message());
    // The sidecar first: a reader in between finds no hot sidecar and retries.
    if (::rename(MetaPathFor(from).c_str(), MetaPathFor(to).c_str()) != 0 && errno != ENOENT) {
      return FileError("moving the sidecar of", from, errno);
    }
    if (::rename(from.c_str(), to.c_str()) != 0) {
      const int err = errno;
      if (err != EXDEV) return FileError("moving", from, err);
      fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
      if (ec) return Status::Internal("copying " + from.string() + ": " + ec.message());
    }
    VMSG_RETURN_IF_ERROR(FsyncDir(to.parent_path()));
    return RemoveLocked(options_.root, key);
  }

  LocalStoreOptions options_;
  Env& env_;
  const std::string secret_;
  const Clock& clock_;
  std::mutex dir_mutex_;
  std::mutex rules_mutex_;
  std::vector<LifecycleRule> rules_;  // GUARDED_BY(rules_mutex_)
};

// One condition of a POST policy.
struct Condition {
  enum class Kind { kEq, kStartsWith, kLengthRange } kind;
  std::string field;  // without '$'
  std::string value;
  uint64_t min = 0;
  uint64_t max = 0;
};

Result<std::vector<Condition>> ParseConditions(const Json& conditions) {
  auto malformed = [](std::string what) {
    return Status::InvalidArgument("malformed policy: " + what, "malformed_policy");
  };
  if (!conditions.is_array()) return malformed("conditions is not an array");
  std::vector<Condition> out;
  for (const Json& c : conditions) {
    if (c.is_object()) {
      if (c.size() != 1 || !c.begin().value().is_string()) {
        return malformed("an object condition has one string member");
      }
      out.push_back({Condition::Kind::kEq, c.begin().key(), c.begin().value().get<std::string>()});
      continue;
    }
    if (!c.is_array() || c.size() != 3 || !c[0].is_string()) {
      return malformed("a condition is an object or a three-element array");
    }
    const std::string op = AsciiLowerCopy(c[0].get<std::string>());
    if (op == "content-length-range") {
      if (!c[1].is_number_unsigned() || !c[2].is_number_unsigned() ||
          c[1].get<uint64_t>() > c[2].get<uint64_t>()) {
        return malformed("content-length-range needs 0 <= min <= max");
      }
      out.push_back(
          {Condition::Kind::kLengthRange, "", "", c[1].get<uint64_t>(), c[2].get<uint64_t>()});
      continue;
    }
    if (op != "eq" && op != "starts-with") return malformed("unknown operator " + op);
    if (!c[1].is_string() || !c[2].is_string() || !c[1].get<std::string>().starts_with('$')) {
      return malformed(op + " takes \"$field\" and a string");
    }
    out.push_back({op == "eq" ? Condition::Kind::kEq : Condition::Kind::kStartsWith,
                   c[1].get<std::string>().substr(1), c[2].get<std::string>()});
  }
  return out;
}

Result<std::unique_ptr<PostUpload>> LocalStore::VerifyPostUpload(
    const std::vector<std::pair<std::string, std::string>>& fields, std::string_view filename) {
  auto find = [&](std::string_view name) -> const std::string* {
    for (const auto& [n, v] : fields) {
      if (EqualsIgnoreCase(n, name)) return &v;
    }
    return nullptr;
  };
  for (size_t i = 0; i < fields.size(); ++i) {
    for (size_t j = i + 1; j < fields.size(); ++j) {
      if (EqualsIgnoreCase(fields[i].first, fields[j].first)) {
        return Status::InvalidArgument("the form has field " + fields[i].first + " twice",
                                       "duplicate_field");
      }
    }
  }
  const std::string* policy = find("policy");
  const std::string* signature = find(kPostSignatureField);
  const std::string* key_field = find("key");
  for (auto [value, name] :
       {std::pair{policy, "policy"}, std::pair{signature, kPostSignatureField.data()},
        std::pair{key_field, "key"}}) {
    if (value == nullptr) {
      return Status::InvalidArgument("the form has no " + std::string(name) + " field",
                                     "missing_field");
    }
  }
  if (!ConstantTimeEquals(PolicySignature(*policy), *signature)) {
    return Status::PermissionDenied("the policy's signature does not match", "signature_mismatch");
  }
  std::optional<std::string> decoded = Base64Decode(*policy);
  if (!decoded) {
    return Status::InvalidArgument("malformed policy: not base64", "malformed_policy");
  }
  Result<Json> document = ParseJson(*decoded);
  if (!document.ok() || !document->is_object() || !document->contains("expiration") ||
      !(*document)["expiration"].is_string() || !document->contains("conditions")) {
    return Status::InvalidArgument("malformed policy: needs expiration and conditions",
                                   "malformed_policy");
  }
  std::optional<TimePoint> expiration = ParseIso8601((*document)["expiration"].get<std::string>());
  if (!expiration) {
    return Status::InvalidArgument("malformed policy: bad expiration", "malformed_policy");
  }
  if (clock_.Now() >= *expiration) {
    return Status::PermissionDenied("the policy has expired", "policy_expired");
  }
  VMSG_ASSIGN_OR_RETURN(std::vector<Condition> conditions,
                        ParseConditions((*document)["conditions"]));
  auto failed = [](std::string what) {
    return Status::PermissionDenied("the form breaks its policy: " + what,
                                    "policy_condition_failed");
  };
  uint64_t min_bytes = 0;
  uint64_t max_bytes = kDefaultPostMaxBytes;
  for (const Condition& c : conditions) {
    if (c.kind == Condition::Kind::kLengthRange) {
      min_bytes = c.min;
      max_bytes = c.max;
      continue;
    }
    const std::string* value = find(c.field);
    if (value == nullptr) return failed("field " + c.field + " is missing");
    if (c.kind == Condition::Kind::kEq && *value != c.value) {
      return failed("field " + c.field + " must be \"" + c.value + "\"");
    }
    if (c.kind == Condition::Kind::kStartsWith && !value->starts_with(c.value)) {
      return failed("field " + c.field + " must start with \"" + c.value + "\"");
    }
  }
  for (const auto& [name, value] : fields) {
    const std::string lower = AsciiLowerCopy(name);
    if (lower == "policy" || lower == kPostSignatureField || lower == "file" ||
        lower.starts_with("x-ignore-")) {
      continue;
    }
    const bool covered = std::any_of(conditions.begin(), conditions.end(), [&](const Condition& c) {
      return c.kind != Condition::Kind::kLengthRange && EqualsIgnoreCase(c.field, name);
    });
    if (!covered) return failed("field " + name + " is not named by any condition");
  }
  std::string key = *key_field;
  if (const size_t at = key.find(kFilenameVariable); at != std::string::npos) {
    key.replace(at, kFilenameVariable.size(), filename);
  }
  VMSG_RETURN_IF_ERROR(ValidateLocalKey(key));
  const std::string* content_type = find("Content-Type");
  VMSG_ASSIGN_OR_RETURN(auto writer, AtomicWriter::Start(env_, HotPath(key), dir_mutex_));
  return std::unique_ptr<PostUpload>(std::make_unique<LocalPostUpload>(
      std::move(writer), std::move(key),
      content_type ? *content_type : std::string("binary/octet-stream"), min_bytes, max_bytes,
      clock_));
}

Result<SweepStats> LocalStore::Sweep(TimePoint now) {
  std::vector<LifecycleRule> rules;
  {
    std::lock_guard lock(rules_mutex_);
    rules = rules_;
  }
  SweepStats stats;
  for (const LifecycleRule& rule : rules) {
    if (rule.expiration_days == 0 && rule.transition_days == 0) continue;
    std::string token;
    std::vector<ObjectInfo> candidates;
    do {
      VMSG_ASSIGN_OR_RETURN(ListPage page, List(rule.prefix, token, kMaxListKeys));
      for (ObjectInfo& info : page.objects) candidates.push_back(std::move(info));
      token = std::move(page.next_token);
    } while (!token.empty());
    for (const ObjectInfo& info : candidates) {
      if (rule.expiration_days > 0 &&
          now >= LifecycleDueTime(info.last_modified, rule.expiration_days)) {
        VMSG_RETURN_IF_ERROR(Delete(info.key));
        ++stats.expired;
        continue;
      }
      if (rule.transition_days > 0 &&
          now >= LifecycleDueTime(info.last_modified, rule.transition_days)) {
        struct stat st {};
        if (::lstat(HotPath(info.key).c_str(), &st) != 0) continue;  // already cold
        VMSG_RETURN_IF_ERROR(MoveToCold(info.key));
        ++stats.transitioned;
      }
    }
  }
  return stats;
}

// Reads the secret, or creates it when absent.
Result<std::string> LoadSecret(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    Fd owner(fd);
    const std::string secret = RandomBytes(kLocalSecretBytes);
    VMSG_RETURN_IF_ERROR(WriteAll(fd, secret, path));
    if (::fsync(fd) != 0) return FileError("syncing", path, errno);
    VMSG_RETURN_IF_ERROR(FsyncDir(path.parent_path()));
    return secret;
  }
  if (errno != EEXIST) return FileError("creating", path, errno);
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return FileError("opening", path, errno);
  Fd owner(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return FileError("inspecting", path, errno);
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition("the object store secret " + path.string() +
                                      " has permissions " + mode +
                                      "; it must be a file readable by its owner only "
                                      "(chmod 600)");
  }
  std::string secret(kLocalSecretBytes + 1, '\0');
  size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd, secret.data() + got, secret.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("reading", path, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
    if (got == secret.size()) break;
  }
  if (got != kLocalSecretBytes) {
    return Status::FailedPrecondition("the object store secret " + path.string() + " is not " +
                                      std::to_string(kLocalSecretBytes) +
                                      " bytes long; delete it to have a new one made (this "
                                      "invalidates every URL and form issued so far)");
  }
  secret.resize(kLocalSecretBytes);
  return secret;
}

}  // namespace

TimePoint LifecycleDueTime(TimePoint written, int days) {
  return FloorToDay(written + std::chrono::days(days)) + std::chrono::days(1);
}

Result<std::unique_ptr<LocalObjectStore>> NewLocalObjectStore(LocalStoreOptions options,
                                                              const Clock& clock) {
  for (const fs::path* dir : {&options.root, &options.cold_dir}) {
    std::error_code ec;
    fs::create_directories(*dir, ec);
    if (ec || !fs::is_directory(*dir)) {
      return Status::FailedPrecondition("the object store directory " + dir->string() +
                                        " cannot be created" +
                                        (ec ? ": " + ec.message() : std::string()));
    }
  }
  VMSG_ASSIGN_OR_RETURN(std::string secret, LoadSecret(options.secret_path));
  return std::unique_ptr<LocalObjectStore>(
      std::make_unique<LocalStore>(std::move(options), std::move(secret), clock));
}

}  // namespace vmsg::objects
