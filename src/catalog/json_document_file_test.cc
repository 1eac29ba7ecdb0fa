// JsonDocumentFile: creation, locked read-modify-write, refusal to touch corrupt or
// unknown-version files, and a writer killed (SIGKILL) between writing its temporary file
// and the rename leaving the previous document intact.
#include "catalog/json_document_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace vmsg::catalog {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::filesystem::path& p, std::string_view text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

class JsonDocumentFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_docfile_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = dir_ / "sub" / "doc.json";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DocumentFileOptions Options() {
    return {.path = path_,
            .version = "1.0",
            .empty_document = {{"items", vmsg::Json::array()}, {"version", "1.0"}}};
  }

  std::unique_ptr<JsonDocumentFile> OpenOrDie(DocumentFileOptions options) {
    auto file = JsonDocumentFile::Open(std::move(options));
    EXPECT_TRUE(file.ok()) << file.status();
    return std::move(file).value();
  }

  static Status Append(vmsg::Json& doc, int value) {
    doc["items"].push_back(value);
    return Status::Ok();
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST_F(JsonDocumentFileTest, OpenCreatesTheDirectoryAndAnEmptyDocument) {
  auto file = OpenOrDie(Options());
  ASSERT_TRUE(std::filesystem::exists(path_));
  Result<vmsg::Json> doc = file->Read();
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(*doc, Options().empty_document);
}

TEST_F(JsonDocumentFileTest, ModifyWritesAndKeepsNoTemporaries) {
  auto file = OpenOrDie(Options());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(file->Modify([i](vmsg::Json& d) { return Append(d, i); }).ok());
  EXPECT_EQ((*file->Read())["items"], vmsg::Json({0, 1, 2}));
  // Another instance (as another process would) sees the same document.
  EXPECT_EQ(*OpenOrDie(Options())->Read(), *file->Read());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path_.parent_path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"doc.json", "doc.json.lock"}));
}

TEST_F(JsonDocumentFileTest, AFailedMutationWritesNothing) {
  auto file = OpenOrDie(Options());
  const std::string before = ReadFile(path_);
  Status s = file->Modify([](vmsg::Json& d) {
    d["items"].push_back(99);
    return Status::AlreadyExists("no", "already_exists");
  });
  EXPECT_EQ(s.reason(), "already_exists");
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(JsonDocumentFileTest, AMissingFileIsCreatedAgainOnUse) {
  auto file = OpenOrDie(Options());
  ASSERT_TRUE(file->Modify([](vmsg::Json& d) { return Append(d, 1); }).ok());
  std::filesystem::remove(path_);
  Result<vmsg::Json> doc = file->Read();
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ((*doc)["items"], vmsg::Json::array());
}

TEST_F(JsonDocumentFileTest, CorruptFileIsDataLossAndNeverOverwritten) {
  auto file = OpenOrDie(Options());
  const std::string torn = R"({"items": [1, 2, {"ver)";
  WriteFile(path_, torn);
  Result<vmsg::Json> doc = file->Read();
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(doc.status().reason(), "catalog_corrupt");
  EXPECT_NE(doc.status().message().find(path_.string()), std::string::npos);
  EXPECT_NE(doc.status().message().find("invalid JSON: the JSON ends before it is complete"),
            std::string::npos)
      << doc.status().message();
  bool mutated = false;
  Status s = file->Modify([&](vmsg::Json& d) {
    mutated = true;
    return Append(d, 3);
  });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_FALSE(mutated);
  EXPECT_EQ(ReadFile(path_), torn);
  // Opening again (a restart) does not replace it either.
  EXPECT_TRUE(JsonDocumentFile::Open(Options()).ok());
  EXPECT_EQ(ReadFile(path_), torn);
  // Once repaired, writes work again.
  WriteFile(path_, R"({"items": [7], "version": "1.0"})");
  ASSERT_TRUE(file->Modify([](vmsg::Json& d) { return Append(d, 8); }).ok());
  EXPECT_EQ((*file->Read())["items"], vmsg::Json({7, 8}));
}

TEST_F(JsonDocumentFileTest, UnknownOrMissingVersionIsDataLossAndNeverOverwritten) {
  auto file = OpenOrDie(Options());
  for (std::string text : {R"({"items": [], "version": "2.0"})", R"({"items": []})",
                           R"({"items": [], "version": 1.0})", R"([1, 2])", ""}) {
    WriteFile(path_, text);
    Result<vmsg::Json> doc = file->Read();
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_EQ(doc.status().code(), StatusCode::kDataLoss) << text;
    EXPECT_EQ(file->Modify([](vmsg::Json& d) { return Append(d, 1); }).code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(ReadFile(path_), text);
  }
  WriteFile(path_, R"({"items": [], "version": "2.0"})");
  EXPECT_NE(file->Read().status().message().find("version \"2.0\""), std::string::npos);
}

// The writer child stops inside the real write path, after its temporary file is complete
// and before the rename, tells the parent through a pipe, and is killed there.
TEST_F(JsonDocumentFileTest, WriterKilledBeforeRenameLeavesThePreviousDocument) {
  auto file = OpenOrDie(Options());
  ASSERT_TRUE(file->Modify([](vmsg::Json& d) { return Append(d, 1); }).ok());
  const std::string before = ReadFile(path_);

  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    // The temporary file is complete and synced: stop before it is renamed into place.
    class PauseBeforeRename final : public EnvWrapper {
     public:
      explicit PauseBeforeRename(int fd) : EnvWrapper(Env::Default()), fd_(fd) {}
      Status RenameFile(const std::filesystem::path&, const std::filesystem::path&) override {
        (void)!::write(fd_, "x", 1);
        while (true) ::pause();  // killed here
      }

     private:
      int fd_;
    };
    static PauseBeforeRename env(ready[1]);
    DocumentFileOptions options = Options();
    options.env = &env;
    auto writer = JsonDocumentFile::Open(std::move(options));
    if (!writer.ok()) ::_exit(2);
    (void)(*writer)->Modify([](vmsg::Json& d) { return Append(d, 2); });
    ::_exit(3);  // not reached
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the writer never reached its pause point";
  ::close(ready[0]);

  // Mid-write: the temporary file holds the new document; readers still see the old one.
  std::vector<std::filesystem::path> temps;
  for (const auto& e : std::filesystem::directory_iterator(path_.parent_path())) {
    if (e.path().filename().string().starts_with("doc.json.tmp.")) temps.push_back(e.path());
  }
  ASSERT_EQ(temps.size(), 1u);
  EXPECT_EQ((*ParseJson(ReadFile(temps[0])))["items"], vmsg::Json({1, 2}));
  EXPECT_EQ((*file->Read())["items"], vmsg::Json({1}));

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  EXPECT_EQ(ReadFile(path_), before);
  // The dead writer's lock went with it; the next write succeeds and clears its temporary.
  ASSERT_TRUE(file->Modify([](vmsg::Json& d) { return Append(d, 3); }).ok());
  EXPECT_EQ((*file->Read())["items"], vmsg::Json({1, 3}));
  EXPECT_FALSE(std::filesystem::exists(temps[0]));
}

}  // namespace
}  // namespace vmsg::catalog
