// See generate_command.h.
#include "cli/generate_command.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "app/service_context.h"
#include "base/ids.h"
#include "pipeline/stage.h"

extern char** environ;

namespace vmsg {

const char kGenerateHelp[] =
    R"(Usage: vmsg generate --image PHOTO --text TEXT [-o OUT.mp4] [options] [--setting=value ...]

Makes a video message in-process, with the same pipeline and catalogs as `vmsg serve`
(the data directory and object store from the configuration).

  --image PATH        the photo (JPEG, PNG or WebP)
  --text TEXT         the message (Japanese or English)
  -o, --output PATH   where the MP4 goes (default: message.mp4); the thumbnail is written
                      beside it as PATH with .jpg
  --voice ID          a voice id (default: default_female; see GET /api/voice-clone/profiles)
  --bgm ID|none       a music track id, or none (default: none)
  --background ID     a preset id, original or blurred (default: bg-pastel-confetti)
  --person N          which detected person (default: the largest)
  --framing MODE      auto (head and shoulders to half length, as the photo allows), bust,
                      half or full (the whole person) (default: auto)
  --format NAME       portrait (512x910, default), portrait_hd (1080x1920), square
                      (1080x1080) or landscape (1920x1080)
  --prosody NAME      neutral, celebration, energetic, joyful, calm or auto (default: auto)
  --speed X           0.5-2 (default 1)
  --language ja|en    the message's language (default: the voice's)
  --json              machine-readable output: one JSON object per line on stdout
                      ({"event":"progress",...}, then {"event":"done",...} or
                      {"event":"error",...})

On a terminal a progress bar shows the step, the percentage and the time so far.
Exit status: 0 done, 1 the generation failed, 2 bad usage, 130 interrupted (Ctrl-C cancels
the generation and leaves no video).
)";

namespace {

constexpr int kBarWidth = 24;

struct CommandLine {
  std::string image;
  std::string output = "message.mp4";
  bool json = false;
  Json fields = Json::object();
  std::vector<std::string> config_flags;
};

// The option -> request field it sets.
const std::map<std::string, std::string, std::less<>>& FieldOptions() {
  static const std::map<std::string, std::string, std::less<>> kOptions = {
      {"--text", "text"},           {"--voice", "voice_id"},
      {"--bgm", "bgm_id"},          {"--background", "background_id"},
      {"--person", "person_index"}, {"--prosody", "prosody"},
      {"--speed", "speed"},         {"--language", "language"},
      {"--framing", "framing"},     {"--format", "format"}};
  return kOptions;
}

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take = [&]() -> Result<std::string> {
      if (value) return *value;
      if (i + 1 >= args.size()) return Status::InvalidArgument(name + " needs a value");
      return args[++i];
    };
    if (name == "--json") {
      line.json = true;
    } else if (name == "--image") {
      VMSG_ASSIGN_OR_RETURN(line.image, take());
    } else if (name == "-o" || name == "--output") {
      VMSG_ASSIGN_OR_RETURN(line.output, take());
    } else if (auto it = FieldOptions().find(name); it != FieldOptions().end()) {
      VMSG_ASSIGN_OR_RETURN(std::string v, take());
      line.fields[it->second] = v;
    } else if (name.starts_with("--")) {
      line.config_flags.push_back(args[i]);  // a setting (--http-port=...) or --env-file
      if (name == "--env-file" && !value && i + 1 < args.size()) {
        line.config_flags.push_back(args[++i]);
      }
    } else {
      return Status::InvalidArgument("unexpected argument '" + args[i] + "'");
    }
  }
  if (line.image.empty()) return Status::InvalidArgument("--image PHOTO is required");
  if (!line.fields.contains("text")) return Status::InvalidArgument("--text TEXT is required");
  return line;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Unavailable("cannot write " + path);
  return Status::Ok();
}

std::string ThumbnailPath(const std::string& output) {
  const size_t dot = output.rfind('.');
  const size_t slash = output.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return output + ".jpg";
  }
  return output.substr(0, dot) + ".jpg";
}

// Shows the steps: a bar redrawn in place on a terminal, one line per step otherwise, or
// JSON lines.
class CliProgress final : public pipeline::ProgressSink {
 public:
  CliProgress(bool json, bool english)
      : json_(json),
        english_(english),
        tty_(isatty(STDERR_FILENO) == 1),
        started_(std::chrono::steady_clock::now()) {}

  Status Report(const pipeline::StepInfo& step) override {
    const double elapsed = Elapsed();
    const std::string message(english_ ? step.message_en : step.message_ja);
    if (json_) {
      const Json event = {{"event", "progress"},
                          {"step", std::string(step.name)},
                          {"percentage", step.percentage},
                          {"message", message},
                          {"elapsed_seconds", elapsed}};
      std::cout << DumpJson(event) << std::endl;
      return Status::Ok();
    }
    const int filled = step.percentage * kBarWidth / 100;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1fs", elapsed);
    std::string bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "]";
    std::string line = bar + " " + std::to_string(step.percentage) + "%  " + message + " (" +
                       std::string(step.name) + ")  " + seconds;
    if (tty_) {
      std::cerr << "\r\033[K" << line << std::flush;
    } else {
      std::cerr << line << "\n";
    }
    return Status::Ok();
  }

  // After the last step: the bar at 100 % (people only; --json ends with its result).
  void Done() {
    if (json_) return;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1fs", Elapsed());
    const std::string line = "[" + std::string(kBarWidth, '#') + "] 100%  " +
                             (english_ ? "Done!" : "完了しました！") + "  " + seconds;
    std::cerr << (tty_ ? "\r\033[K" : "") << line << "\n";
  }

  // After a failure: ends the bar's line.
  void Abandon() {
    if (tty_ && !json_) std::cerr << "\n";
  }

  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

 private:
  bool json_;
  bool english_;
  bool tty_;
  std::chrono::steady_clock::time_point started_;
};

int Failed(bool json, const Status& status, int exit_code) {
  if (json) {
    const Json event = {
        {"event", "error"},
        {"code",
         status.reason().empty() ? std::string(StatusCodeName(status.code())) : status.reason()},
        {"message", status.message()}};
    std::cout << DumpJson(event) << std::endl;
  } else {
    std::cerr << "vmsg generate: " << status.message() << "\n";
  }
  return exit_code;
}

}  // namespace

int RunGenerateCommand(std::vector<std::string> args) {
  Result<CommandLine> line = ParseCommandLine(args);
  if (!line.ok()) {
    std::cerr << "vmsg generate: " << line.status().message() << "\n(run `vmsg generate --help`)\n";
    return 2;
  }
  // Ctrl-C cancels the generation: the signals are taken by a thread that fires the token
  // (SIGUSR1 tells that thread the generation has ended).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The request and the photo first: a mistake there should not wait for the models.
  Result<generate::GenerateArgs> parsed = generate::ParseGenerateArgs(line->fields);
  if (!parsed.ok()) return Failed(line->json, parsed.status(), 2);
  generate::GenerateArgs request = std::move(*parsed);
  Result<std::string> photo = ReadFile(line->image);
  if (!photo.ok()) return Failed(line->json, photo.status(), 2);

  // The progress display is the output here: the log says only what went wrong, unless
  // asked for more.
  bool log_level_given = std::getenv("VMSG_LOG_LEVEL") != nullptr;
  for (const std::string& flag : line->config_flags) {
    log_level_given = log_level_given || flag.starts_with("--log-level");
  }
  if (!log_level_given) line->config_flags.push_back("--log-level=warning");
  Result<Config> config = LoadConfig(SourcesFromProcess(environ, line->config_flags));
  if (!config.ok()) return Failed(line->json, config.status(), 2);
  auto ctx =
      ServiceContext::Create(std::move(*config), NewSystemClock(), ServiceContext::Role::kGenerate);
  if (!ctx.ok()) return Failed(line->json, ctx.status(), 2);
  ServiceContext& services = **ctx;

  const std::string task_id = IdGenerator().NewUuid();
  Result<std::string> image_key =
      generate::StoreUploadedImage(services.objects(), task_id, "source", *photo);
  if (!image_key.ok()) return Failed(line->json, image_key.status(), 2);
  request.image_key = *image_key;
  if (Status checked = services.generator().Check(request); !checked.ok()) {
    (void)services.objects().Delete(*image_key);  // refused: keep nothing of it
    return Failed(line->json, checked, 2);
  }

  CancellationToken cancel;
  std::thread watcher([&stop_signals, &cancel] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    if (signal == SIGUSR1) return;  // the generation ended: nothing to cancel
    cancel.Cancel(Status::Cancelled("interrupted", "interrupted"));
  });
  const bool english = request.language == "en";
  CliProgress progress(line->json, english);
  Result<generate::GenerateResult> result =
      services.generator().Run(task_id, request, progress, cancel);
  pthread_kill(watcher.native_handle(), SIGUSR1);
  watcher.join();
  if (!result.ok()) {
    progress.Abandon();
    return Failed(line->json, result.status(), cancel.cancelled() ? 130 : 1);
  }
  progress.Done();
  Result<std::string> video = services.objects().GetBytes(result->video_key);
  if (!video.ok()) return Failed(line->json, video.status(), 1);
  Result<std::string> thumbnail = services.objects().GetBytes(result->thumbnail_key);
  if (!thumbnail.ok()) return Failed(line->json, thumbnail.status(), 1);
  const std::string thumbnail_path = ThumbnailPath(line->output);
  if (Status w = WriteFile(line->output, *video); !w.ok()) return Failed(line->json, w, 1);
  if (Status w = WriteFile(thumbnail_path, *thumbnail); !w.ok()) return Failed(line->json, w, 1);
  if (line->json) {
    Json done = result->ToJson();
    done["event"] = "done";
    done["task_id"] = task_id;
    done["video"] = line->output;
    done["thumbnail"] = thumbnail_path;
    std::cout << DumpJson(done) << std::endl;
  } else {
    char summary[160];
    std::snprintf(summary, sizeof summary, "%.1f s %dx%d video in %.1f s%s",
                  result->duration_seconds, result->width, result->height,
                  result->processing_time_seconds,
                  result->face_animated ? "" : " (no face found: gentle motion only)");
    std::cerr << "vmsg generate: wrote " << line->output << " and " << thumbnail_path << " ("
              << summary << ")\n";
  }
  return 0;
}

}  // namespace vmsg
