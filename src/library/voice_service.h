// VoiceService: the voices a message can be spoken in, over the voice catalog (src/catalog),
// the object store and the Speaker. It seeds the four system voices, answers which engine
// parameters speak a profile, and creates custom voices from recordings (voice matching:
// pitch and timbre). The composition root builds one; the HTTP handlers and the pipeline's
// speech stages use it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "catalog/catalog.h"
#include "library/recording.h"
#include "library/voice_matching.h"
#include "objects/object_store.h"
#include "speech/speaker.h"

namespace vmsg::library {

// The spec's four system voices.
struct SystemVoiceSpec {
  std::string_view id;
  std::string_view name;
  std::string_view language;
  std::string_view gender;
  std::string_view description;
  std::string_view sample_text;  // spoken for the reference audio (and its preview)
  speech::VoiceParams params;
};
const std::vector<SystemVoiceSpec>& SystemVoices();

struct SeedReport {
  std::vector<std::string> created;
  std::vector<std::string> kept;  // already in the catalog (objects restored when missing)
  // Kept, with the sample and embedding made again: they were made with other engine
  // parameters than this build's (a retuned voice).
  std::vector<std::string> refreshed;
  std::vector<std::pair<std::string, Status>> failed;
};

// A custom voice to create.
struct NewVoice {
  std::string name;
  std::string language;  // "ja" or "en"
  std::string gender;    // empty: "neutral"
  std::string description;
  std::vector<std::string> recordings;  // file bytes, 1..max_files
  // The owner id of the client making it (http/owner.h; a meta id); empty: no owner.
  std::string uploaded_by;
};

class VoiceService {
 public:
  // Every reference and engine must outlive the service; either engine may be null (that
  // language is then unavailable). `speaker_options` apply to speaker() (client text);
  // seeding and matching speak their own fixed texts with the default options, so a small
  // VMSG_TEXT_MAX_CHARS never breaks them.
  VoiceService(catalog::VoiceCatalog& catalog, objects::ObjectStore& objects,
               const speech::SpeechSynthesizer* japanese, const speech::SpeechSynthesizer* english,
               speech::SpeakerOptions speaker_options, IdGenerator& ids,
               RecordingLimits limits = {});

  // Adds each system voice missing from the catalog: its sample spoken and stored at
  // voices/system/{id}.wav (24 kHz), its embedding at voices/embeddings/{id}.npy, then the
  // profile. Entries already there are kept (their objects put back when missing). A voice
  // whose engine is unavailable is reported failed; the others still go in. Idempotent.
  SeedReport EnsureSystemVoices();

  // The engine parameters that speak profile `id`: a system voice's from SystemVoices(), a
  // custom voice's from its embedding. Errors: the catalog's (invalid_id, profile_not_found,
  // DataLoss); DataLoss "embedding_unreadable" when the embedding is missing or invalid.
  Result<speech::VoiceParams> ParamsFor(std::string_view id);

  // Decodes, checks and cleans the recordings, matches a voice to them and stores the
  // reference audio (voices/custom/{id}.wav), the embedding and the profile (type custom,
  // id "custom_" + 12 hex digits, metadata.uploaded_by the voice's uploaded_by when set).
  // Errors: InvalidArgument for the form (invalid_name, invalid_language, invalid_gender,
  // invalid_description, invalid_field for uploaded_by) and the recordings' refusal codes
  // (recording.h); ResourceExhausted file_too_large; the store's and catalog's errors.
  // Nothing is left behind when it fails.
  Result<catalog::VoiceProfile> CreateCustom(const NewVoice& voice);

  // The ids of every profile, in catalog order (for error messages listing the valid ones).
  Result<std::vector<std::string>> VoiceIds() const;

  const RecordingLimits& limits() const { return limits_; }
  // Speaks client text (with the configured text limit).
  const speech::Speaker& speaker() const { return speaker_; }

 private:
  Status StoreObjects(const catalog::VoiceProfile& profile, const audio::Sound& reference,
                      const VoiceEmbedding& embedding);

  catalog::VoiceCatalog& catalog_;
  objects::ObjectStore& objects_;
  speech::Speaker speaker_;
  speech::Speaker own_speaker_;  // for the service's own texts (samples, calibration)
  IdGenerator& ids_;
  RecordingLimits limits_;
  VoiceMatcher matcher_;
};

}  // namespace vmsg::library
