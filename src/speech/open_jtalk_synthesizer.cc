// Open JTalk as a subprocess. The command is an argument vector handed to posix_spawn, so
// nothing in the message is ever interpreted by a shell; the text reaches the engine as the
// contents of a file in a private directory (mode 0700) made per call. The -ot trace's
// "[Output label]" section gives each phoneme's start and end in 100 ns units, in the same
// time base as the audio it wrote, so the timings are the engine's own, not estimates.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "speech/synthesizer.h"
#include "speech/text.h"

namespace vmsg::speech {
namespace {

constexpr double kTraceTimeUnit = 1e-7;  // HTK label times are in 100 ns
constexpr double kMinAllPass = 0.0;
constexpr double kMaxAllPass = 1.0;
constexpr double kMinPitchRange = 0.0;
constexpr double kMaxPitchRange = 2.0;
constexpr size_t kMaxStderrInMessage = 400;
// open_jtalk reads only the first line of its input, with fgets into a 1024-byte buffer:
// longer text would be cut (possibly inside a UTF-8 sequence) and the rest never spoken.
constexpr size_t kMaxInputBytes = 1000;

std::string FormatNumber(double v) {
  std::array<char, 64> buffer{};
  auto [end, ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), v, std::chars_format::fixed, 6);
  return ec == std::errc() ? std::string(buffer.data(), end) : std::string("0");
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Katakana for a mora: consonant → the kana for vowels a, i, u, e, o.
const std::map<std::string_view, std::array<std::string_view, 5>>& MoraKana() {
  static const std::map<std::string_view, std::array<std::string_view, 5>> kTable = {
      {"", {"ア", "イ", "ウ", "エ", "オ"}},
      {"k", {"カ", "キ", "ク", "ケ", "コ"}},
      {"g", {"ガ", "ギ", "グ", "ゲ", "ゴ"}},
      {"s", {"サ", "スィ", "ス", "セ", "ソ"}},
      {"sh", {"シャ", "シ", "シュ", "シェ", "ショ"}},
      {"z", {"ザ", "ズィ", "ズ", "ゼ", "ゾ"}},
      {"j", {"ジャ", "ジ", "ジュ", "ジェ", "ジョ"}},
      {"t", {"タ", "ティ", "トゥ", "テ", "ト"}},
      {"ch", {"チャ", "チ", "チュ", "チェ", "チョ"}},
      {"ts", {"ツァ", "ツィ", "ツ", "ツェ", "ツォ"}},
      {"d", {"ダ", "ディ", "ドゥ", "デ", "ド"}},
      {"n", {"ナ", "ニ", "ヌ", "ネ", "ノ"}},
      {"h", {"ハ", "ヒ", "フ", "ヘ", "ホ"}},
      {"f", {"ファ", "フィ", "フ", "フェ", "フォ"}},
      {"b", {"バ", "ビ", "ブ", "ベ", "ボ"}},
      {"p", {"パ", "ピ", "プ", "ペ", "ポ"}},
      {"m", {"マ", "ミ", "ム", "メ", "モ"}},
      {"y", {"ヤ", "イ", "ユ", "イェ", "ヨ"}},
      {"r", {"ラ", "リ", "ル", "レ", "ロ"}},
      {"w", {"ワ", "ウィ", "ウ", "ウェ", "ウォ"}},
      {"v", {"ヴァ", "ヴィ", "ヴ", "ヴェ", "ヴォ"}},
      {"ky", {"キャ", "キ", "キュ", "キェ", "キョ"}},
      {"gy", {"ギャ", "ギ", "ギュ", "ギェ", "ギョ"}},
      {"ny", {"ニャ", "ニ", "ニュ", "ニェ", "ニョ"}},
      {"hy", {"ヒャ", "ヒ", "ヒュ", "ヒェ", "ヒョ"}},
      {"by", {"ビャ", "ビ", "ビュ", "ビェ", "ビョ"}},
      {"py", {"ピャ", "ピ", "ピュ", "ピェ", "ピョ"}},
      {"my", {"ミャ", "ミ", "ミュ", "ミェ", "ミョ"}},
      {"ry", {"リャ", "リ", "リュ", "リェ", "リョ"}},
      {"ty", {"テャ", "ティ", "テュ", "テェ", "テョ"}},
      {"dy", {"デャ", "ディ", "デュ", "デェ", "デョ"}},
  };
  return kTable;
}

int VowelIndex(std::string_view p) {
  if (p.size() != 1) return -1;
  switch (p[0]) {
    case 'a':
    case 'A':
      return 0;
    case 'i':
    case 'I':
      return 1;
    case 'u':
    case 'U':
      return 2;
    case 'e':
    case 'E':
      return 3;
    case 'o':
    case 'O':
      return 4;
    default:
      return -1;
  }
}

bool IsSilence(std::string_view p) { return p == "sil" || p == "pau"; }

// The mora's katakana from its consonants (at most one is expected) and final phoneme.
std::string MoraText(const std::vector<Phoneme>& phonemes, size_t first, size_t end) {
  const std::string_view last = phonemes[end - 1].symbol;
  if (last == "N") return "ン";
  if (last == "cl") return "ッ";
  const int vowel = VowelIndex(last);
  std::string consonant;
  for (size_t i = first; i + 1 < end; ++i) consonant += phonemes[i].symbol;
  auto it = MoraKana().find(consonant);
  if (vowel < 0) return consonant;
  if (it == MoraKana().end()) return consonant + std::string(MoraKana().at("")[vowel]);
  return std::string(it->second[vowel]);
}

// Phonemes from the trace's "[Output label]" section: "<start> <end> <full-context label>",
// the phoneme being the label's p3 ("p1^p2-p3+p4=p5/A:a1+a2+a3/..."); a vowel whose a1 (its
// mora's place relative to the accent nucleus) is 0 is the nucleus.
Result<std::vector<Phoneme>> ParseTrace(const std::string& trace) {
  const size_t section = trace.find("[Output label]");
  if (section == std::string::npos) return Status::Internal("Open JTalk trace has no labels");
  std::istringstream in(trace.substr(section));
  std::string line;
  std::getline(in, line);  // the section header
  std::vector<Phoneme> phonemes;
  while (std::getline(in, line) && !line.empty()) {
    std::istringstream fields(line);
    long long start = 0, end = 0;
    std::string label;
    if (!(fields >> start >> end >> label)) {
      return Status::Internal("Open JTalk trace: unreadable label line: " + line);
    }
    const size_t caret = label.find('^');
    const size_t minus = label.find('-', caret == std::string::npos ? 0 : caret);
    const size_t plus = label.find('+', minus == std::string::npos ? 0 : minus);
    if (caret == std::string::npos || minus == std::string::npos || plus == std::string::npos) {
      return Status::Internal("Open JTalk trace: unexpected label: " + label);
    }
    Phoneme p;
    p.symbol = label.substr(minus + 1, plus - minus - 1);
    p.start = static_cast<double>(start) * kTraceTimeUnit;
    p.end = static_cast<double>(end) * kTraceTimeUnit;
    const size_t a = label.find("/A:");
    p.nucleus =
        VowelIndex(p.symbol) >= 0 && a != std::string::npos && label.compare(a + 3, 2, "0+") == 0;
    phonemes.push_back(std::move(p));
  }
  if (phonemes.empty()) return Status::Internal("Open JTalk trace: no phonemes");
  return phonemes;
}

// Groups phonemes into moras (consonants up to and including a vowel, N or cl), sets the
// visemes and names silences kPauseSymbol.
void BuildMoras(Speech& speech) {
  auto& ph = speech.phonemes;
  size_t mora_start = 0;
  for (size_t i = 0; i < ph.size(); ++i) {
    if (IsSilence(ph[i].symbol)) {
      ph[i].symbol = std::string(kPauseSymbol);
      ph[i].viseme = Viseme::kClosed;
      mora_start = i + 1;
      continue;
    }
    const bool ends_mora =
        VowelIndex(ph[i].symbol) >= 0 || ph[i].symbol == "N" || ph[i].symbol == "cl";
    if (!ends_mora) continue;
    const Viseme vowel = JapaneseViseme(ph[i].symbol, Viseme::kClosed);
    for (size_t j = mora_start; j <= i; ++j) ph[j].viseme = JapaneseViseme(ph[j].symbol, vowel);
    SpeechUnit unit;
    unit.text = MoraText(ph, mora_start, i + 1);
    unit.start = ph[mora_start].start;
    unit.end = ph[i].end;
    unit.viseme = vowel;
    unit.first_phoneme = mora_start;
    unit.end_phoneme = i + 1;
    speech.units.push_back(std::move(unit));
    mora_start = i + 1;
  }
}

// The morphemes of the trace's "[Text analysis result]" section with their mora counts:
// "surface,pos,...,reading,pronunciation,accent/moras,chain rule,chain flag". The surface
// may itself hold commas ("," is a morpheme), so fields are counted from the right. The chain
// flag is 1 when the morpheme continues the accent phrase before it.
struct Morpheme {
  std::string surface;
  size_t moras = 0;
  std::string pos;         // 名詞, 助詞, 接頭詞, ...
  std::string pos_detail;  // 接尾, 格助詞, ...
  bool chained = false;
};

// Where a line of text may break before `m` (the morpheme after `previous`): never inside a
// bunsetsu, best where an accent phrase starts.
WordBreak BreakBefore(const Morpheme& m, const Morpheme* previous) {
  if (previous == nullptr) return WordBreak::kPhrase;
  if (previous->pos == "接頭詞" || m.pos == "助詞" || m.pos == "助動詞" || m.pos_detail == "接尾" ||
      m.pos_detail == "非自立") {
    return WordBreak::kNone;
  }
  return m.chained ? WordBreak::kWord : WordBreak::kPhrase;
}

std::vector<Morpheme> ParseAnalysis(const std::string& trace) {
  constexpr size_t kFieldsAfterSurface = 12;
  constexpr size_t kAccentFieldFromEnd = 3;  // "accent/moras"
  std::vector<Morpheme> out;
  const size_t section = trace.find("[Text analysis result]");
  if (section == std::string::npos) return out;
  std::istringstream in(trace.substr(section));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line) && !line.empty()) {
    std::vector<std::string> fields;
    size_t from = 0;
    for (size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1) {
      fields.push_back(line.substr(from, comma - from));
    }
    fields.push_back(line.substr(from));
    if (fields.size() < kFieldsAfterSurface + 1) return {};
    const size_t surface_fields = fields.size() - kFieldsAfterSurface;
    Morpheme m;
    for (size_t i = 0; i < surface_fields; ++i) m.surface += (i ? "," : "") + fields[i];
    m.pos = fields[surface_fields];
    m.pos_detail = fields[surface_fields + 1];
    m.chained = fields.back() == "1";
    const std::string& accent = fields[fields.size() - kAccentFieldFromEnd];
    const size_t slash = accent.find('/');
    if (slash == std::string::npos) return {};
    auto [end, ec] =
        std::from_chars(accent.data() + slash + 1, accent.data() + accent.size(), m.moras);
    if (ec != std::errc()) return {};
    out.push_back(std::move(m));
  }
  return out;
}

// Groups the moras into the analysis' morphemes when the mora counts agree exactly.
void BuildWords(Speech& speech, const std::vector<Morpheme>& morphemes) {
  size_t total = 0;
  for (const Morpheme& m : morphemes) total += m.moras;
  if (total != speech.units.size()) return;
  size_t unit = 0;
  const Morpheme* previous = nullptr;
  for (const Morpheme& m : morphemes) {
    if (m.moras == 0) {
      previous = nullptr;  // punctuation: the text's own break
      continue;
    }
    const SpeechUnit& first = speech.units[unit];
    const SpeechUnit& last = speech.units[unit + m.moras - 1];
    SpeechUnit word;
    word.text = NormalizeNfkc(m.surface);
    word.start = first.start;
    word.end = last.end;
    word.viseme = first.viseme;
    word.first_phoneme = first.first_phoneme;
    word.end_phoneme = last.end_phoneme;
    word.break_before = BreakBefore(m, previous);
    speech.words.push_back(std::move(word));
    unit += m.moras;
    previous = &m;
  }
}

// Removes a directory tree when it goes out of scope.
class TempDir {
 public:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Waits for `pid` for at most `timeout_seconds`; kills it when the time runs out. Returns
// the wait status.
Result<int> WaitWithTimeout(pid_t pid, double timeout_seconds) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd fd{pidfd, POLLIN, 0};
    int ready;
    do {
      ready = poll(&fd, 1, static_cast<int>(timeout_seconds * 1000));
    } while (ready < 0 && errno == EINTR);
    close(pidfd);
    if (ready == 0) {
      kill(pid, SIGKILL);
      int ignored;
      waitpid(pid, &ignored, 0);
      return Status::DeadlineExceeded("Open JTalk ran longer than " +
                                      FormatNumber(timeout_seconds) + " s");
    }
  }
  // Without pidfd (very old kernels) the wait is unbounded; Open JTalk does not block on input.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::Internal(std::string("waitpid: ") + std::strerror(errno));
  }
  return status;
}

class OpenJTalkSynthesizer final : public SpeechSynthesizer {
 public:
  OpenJTalkSynthesizer(OpenJTalkConfig config, std::map<std::string, int> frame_periods)
      : config_(std::move(config)), frame_periods_(std::move(frame_periods)) {}

  Language language() const override { return Language::kJapanese; }

  std::vector<std::string> Voices() const override {
    std::vector<std::string> names;
    for (const auto& [name, path] : config_.voices) names.push_back(name);
    return names;
  }

  Result<Speech> Synthesize(std::string_view text, const SynthesisParams& params) const override {
    const std::filesystem::path* voice_file = nullptr;
    for (const auto& [name, path] : config_.voices) {
      if (name == params.voice) voice_file = &path;
    }
    if (voice_file == nullptr) {
      return Status::InvalidArgument("unknown Japanese voice: " + params.voice, "unknown_voice");
    }
    if (!std::isfinite(params.speed) || params.speed <= 0 ||
        !std::isfinite(params.pitch_semitones) ||
        (params.all_pass &&
         !(*params.all_pass >= kMinAllPass && *params.all_pass <= kMaxAllPass)) ||
        (params.pitch_range &&
         !(*params.pitch_range >= kMinPitchRange && *params.pitch_range <= kMaxPitchRange))) {
      return Status::InvalidArgument("synthesis parameters out of range", "invalid_prosody");
    }

    if (text.size() > kMaxInputBytes) {
      return Status::InvalidArgument("a piece of text longer than " +
                                         std::to_string(kMaxInputBytes) +
                                         " bytes cannot be given to Open JTalk",
                                     "text_too_long");
    }
    std::string line(text);
    std::replace(line.begin(), line.end(), '\n', ' ');  // one line, or the rest is lost
    std::replace(line.begin(), line.end(), '\r', ' ');

    std::string pattern = (config_.temp_dir / "vmsg-ojt-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Status::Unavailable("cannot make a temporary directory in " +
                                 config_.temp_dir.string() + ": " + std::strerror(errno));
    }
    TempDir dir(pattern);
    const auto text_file = dir.path() / "text.txt";
    const auto wav_file = dir.path() / "speech.wav";
    const auto trace_file = dir.path() / "trace.txt";
    const auto stderr_file = dir.path() / "stderr.txt";
    {
      std::ofstream out(text_file, std::ios::binary);
      out << line << '\n';
      if (!out) return Status::Internal("cannot write " + text_file.string());
    }

    std::vector<std::string> args = {config_.binary.string(),
                                     "-x",
                                     config_.dictionary.string(),
                                     "-m",
                                     voice_file->string(),
                                     "-ow",
                                     wav_file.string(),
                                     "-ot",
                                     trace_file.string(),
                                     "-p",
                                     std::to_string(FramePeriod(*voice_file, params.speed)),
                                     "-fm",
                                     FormatNumber(params.pitch_semitones)};
    if (params.all_pass) {
      args.push_back("-a");
      args.push_back(FormatNumber(*params.all_pass));
    }
    if (params.pitch_range) {
      args.push_back("-jf");
      args.push_back(FormatNumber(*params.pitch_range));
    }
    args.push_back(text_file.string());
    VMSG_RETURN_IF_ERROR(Run(args, stderr_file));

    auto audio = audio::ReadWavFile(wav_file);
    if (!audio.ok()) {
      return Status::Internal("Open JTalk wrote no usable audio: " + audio.status().message());
    }
    const std::string trace = ReadFile(trace_file);
    VMSG_ASSIGN_OR_RETURN(std::vector<Phoneme> phonemes, ParseTrace(trace));
    Speech speech;
    speech.language = Language::kJapanese;
    speech.audio = std::move(audio).value();
    speech.phonemes = std::move(phonemes);
    // The audio is generated frame by frame from these very durations; pin the ends to the
    // sample count so rounding never leaves a gap.
    const double duration = speech.duration_seconds();
    double previous_end = 0;
    for (Phoneme& p : speech.phonemes) {
      p.start = previous_end;
      p.end = std::clamp(p.end, p.start, duration);
      previous_end = p.end;
    }
    speech.phonemes.back().end = duration;
    BuildMoras(speech);
    BuildWords(speech, ParseAnalysis(trace));
    VMSG_RETURN_IF_ERROR(CheckTimings(speech));
    return speech;
  }

 private:
  Status Run(const std::vector<std::string>& args, const std::filesystem::path& stderr_file) const {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    char* envp[] = {nullptr};  // the engine needs no environment; give it none

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // The engine inherits nothing else of ours (sockets, database files), even descriptors
    // someone opened without O_CLOEXEC.
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      return Status::Unavailable("cannot start " + args[0] + ": " + std::strerror(rc));
    }
    VMSG_ASSIGN_OR_RETURN(int status, WaitWithTimeout(pid, config_.timeout_seconds));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string err = ReadFile(stderr_file).substr(0, kMaxStderrInMessage);
      return Status::Internal("Open JTalk failed (status " + std::to_string(status) + "): " + err);
    }
    return Status::Ok();
  }

  // The frame period (samples) that speaks `voice_file` at `speed`. Tempo is set this way,
  // not with -r: -r spreads the change over the states by their duration variance, so it
  // stretches mostly the silences and the speech itself barely changes. A shorter frame
  // period compresses every frame alike, keeps F0 and the spectrum, and the trace reports
  // the new times. Rounding to whole samples moves the tempo by under half a sample per frame.
  int FramePeriod(const std::filesystem::path& voice_file, double speed) const {
    const int native = frame_periods_.at(voice_file.string());
    return std::max(1, static_cast<int>(std::lround(native / speed)));
  }

  OpenJTalkConfig config_;
  std::map<std::string, int> frame_periods_;  // voice file → FRAME_PERIOD from its header
};

// The voice's FRAME_PERIOD from the [GLOBAL] header of an .htsvoice file.
Result<int> ReadFramePeriod(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  constexpr std::string_view kKey = "FRAME_PERIOD:";
  while (std::getline(in, line) && line != "[STREAM]") {
    if (line.rfind(kKey, 0) == 0) {
      int value = 0;
      const char* first = line.data() + kKey.size();
      auto [end, ec] = std::from_chars(first, line.data() + line.size(), value);
      if (ec == std::errc() && value > 0) return value;
    }
  }
  return Status::Unavailable("no FRAME_PERIOD in the header of " + path.string());
}

}  // namespace

Result<std::unique_ptr<SpeechSynthesizer>> NewOpenJTalkSynthesizer(OpenJTalkConfig config) {
  if (access(config.binary.c_str(), X_OK) != 0) {
    return Status::Unavailable("Open JTalk is not installed at " + config.binary.string() +
                               " (package open-jtalk)");
  }
  if (!std::filesystem::is_directory(config.dictionary)) {
    return Status::Unavailable("Open JTalk dictionary missing: " + config.dictionary.string() +
                               " (package open-jtalk-mecab-naist-jdic)");
  }
  std::map<std::string, int> frame_periods;
  for (const auto& [name, path] : config.voices) {
    if (!std::filesystem::is_regular_file(path)) {
      return Status::Unavailable("voice " + name + " missing: " + path.string());
    }
    VMSG_ASSIGN_OR_RETURN(frame_periods[path.string()], ReadFramePeriod(path));
  }
  return std::unique_ptr<SpeechSynthesizer>(
      new OpenJTalkSynthesizer(std::move(config), std::move(frame_periods)));
}

}  // namespace vmsg::speech
