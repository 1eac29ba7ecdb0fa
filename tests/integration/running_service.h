// A whole vmsg serve in the test process, as `vmsg serve` builds it (the real service
// context over a fresh data directory, its HTTP server on a free loopback port and its
// workers), for tests that exercise the product end to end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/service_context.h"
#include "config/config.h"

namespace vmsg::testing {

class RunningService {
 public:
  // Starts serve over data dir `name` (under the temp dir, made fresh) with one worker and
  // `flags` added to the configuration. The error says what failed.
  static Result<std::unique_ptr<RunningService>> Start(const std::string& name,
                                                       std::vector<std::string> flags = {}) {
    std::unique_ptr<RunningService> s(new RunningService);
    s->data_dir_ =
        std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(s->data_dir_);
    const char* source = std::getenv("VMSG_SOURCE_DIR");
    ConfigSources sources;
    sources.flags = {"--data-dir=" + s->data_dir_.string(),
                     "--web-dir=" + std::string(source != nullptr ? source : ".") + "/web",
                     "--http-port=0", "--workers=1", "--log-level=warning"};
    sources.flags.insert(sources.flags.end(), flags.begin(), flags.end());
    VMSG_ASSIGN_OR_RETURN(Config config, LoadConfig(sources));
    VMSG_ASSIGN_OR_RETURN(s->services_,
                          ServiceContext::Create(std::move(config), NewSystemClock()));
    VMSG_RETURN_IF_ERROR(s->services_->server().Start());
    VMSG_RETURN_IF_ERROR(s->services_->workers()->Start());
    return s;
  }

  ~RunningService() {
    if (services_ != nullptr) {
      services_->server().Shutdown();
      if (services_->workers() != nullptr) services_->workers()->Shutdown();
      services_->server().Wait();
      services_.reset();
    }
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  ServiceContext& services() { return *services_; }
  uint16_t port() const { return services_->server().port(); }
  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  RunningService() = default;
  std::filesystem::path data_dir_;
  std::unique_ptr<ServiceContext> services_;
};

// A fixture whose tests share one RunningService, started once for the suite. `Derived`
// names its data dir with a public `static constexpr const char* kServiceName` and may add
// flags with a public `static std::vector<std::string> ServiceFlags()`.
template <typename Derived>
class SharedServiceTest : public ::testing::Test {
 public:
  static std::vector<std::string> ServiceFlags() { return {}; }

 protected:
  static void SetUpTestSuite() {
    auto started = RunningService::Start(Derived::kServiceName, Derived::ServiceFlags());
    ASSERT_TRUE(started.ok()) << started.status();
    service_ = started->release();
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(service_, nullptr) << "the service did not start"; }

  static RunningService& service() { return *service_; }
  static ServiceContext& services() { return service_->services(); }
  static const std::filesystem::path& data_dir() { return service_->data_dir(); }
  static uint16_t port() { return service_->port(); }

  // The folders under images/uploads/ in the local store (one per upload, detect request or
  // generate request that stored a photo).
  static std::set<std::string> UploadFolders() {
    std::set<std::string> folders;
    const auto dir = data_dir() / "objects" / "images" / "uploads";
    if (!std::filesystem::exists(dir)) return folders;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      folders.insert(entry.path().filename().string());
    }
    return folders;
  }

 private:
  static inline RunningService* service_ = nullptr;
};

}  // namespace vmsg::testing
