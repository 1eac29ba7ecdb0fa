// The spec's key layout; see keys.h.
#include "objects/keys.h"

namespace vmsg::keys {
namespace {

void Replace(std::string& text, std::string_view placeholder, std::string_view value) {
  for (size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out += part;
  return out;
}

}  // namespace

std::string Fill(std::string_view layout, std::string_view task, int person,
                 std::string_view size) {
  std::string key(layout);
  Replace(key, "{task}", task);
  Replace(key, "{person}", std::to_string(person));
  Replace(key, "{size}", size);
  return key;
}

std::string PersonCrop(std::string_view task, int person) {
  return Join({kImageUploads, task, "/person_", std::to_string(person), "_crop.jpg"});
}

std::string PersonPreview(std::string_view task, int person) {
  return Join({kImagePreviews, task, "/person_", std::to_string(person), "_preview.jpg"});
}

std::string ImageUpload(std::string_view id, std::string_view name, std::string_view extension) {
  return Upload(kImageUploads, id, name, extension);
}

std::string Upload(std::string_view folder, std::string_view id, std::string_view name,
                   std::string_view extension) {
  return Join({folder, id, "/", name, ".", extension});
}

std::string VoiceReference(std::string_view type, std::string_view id) {
  return Join({"voices/", type, "/", id, ".wav"});
}

std::string VoiceEmbedding(std::string_view id) { return Join({"voices/embeddings/", id, ".npy"}); }

std::string SystemBgm(std::string_view id) { return Join({"bgm/system/", id, ".mp3"}); }

std::string UserBgm(std::string_view owner, std::string_view id) {
  return Join({"bgm/user/", owner, "_", id, ".mp3"});
}

std::string BgmPreview(std::string_view id) { return Join({"bgm/previews/", id, ".mp3"}); }

}  // namespace vmsg::keys
