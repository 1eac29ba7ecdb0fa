// API keys over the embedded state store: made, checked, revoked, rotated; the secret is
// never stored.
#include "access/api_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/crypto.h"
#include "state/sqlite/sqlite_state.h"

namespace vmsg::access {
namespace {

using namespace std::chrono_literals;

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vmsg_api_keys_test_" + HexEncode(RandomBytes(6)));
    std::filesystem::create_directories(dir_);
    auto backend = state::NewSqliteBackend({.path = dir_ / "state.sqlite3"}, clock_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
  }
  void TearDown() override {
    backend_ = {};
    std::filesystem::remove_all(dir_);
  }
  state::ApiKeyStore& store() { return *backend_.api_keys; }

  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2026) / 12 / 6) + 9h};
  std::filesystem::path dir_;
  state::StateBackend backend_;
};

TEST_F(ApiKeysTest, AMadeKeyChecksAsItsIdAndOnlyItsHashIsStored) {
  auto made = CreateApiKey(store(), "ci", clock_);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->secret.size(), kApiKeyPrefix.size() + kApiKeySecretHexDigits);
  EXPECT_TRUE(made->secret.starts_with("vmsg_"));
  EXPECT_EQ(made->record.hint, made->secret.substr(0, 9));
  EXPECT_EQ(made->record.hash, Sha256Hex(made->secret));
  EXPECT_EQ(made->record.created_at, clock_.Now());
  EXPECT_EQ(CheckApiKey(store(), made->secret).value_or(""), made->record.id);

  // Neither the secret nor its tail is anywhere in the database file.
  backend_ = {};
  std::ifstream file(dir_ / "state.sqlite3", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::ifstream wal(dir_ / "state.sqlite3-wal", std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  ASSERT_NE(bytes.find(made->record.hash), std::string::npos);  // the store was read
  EXPECT_EQ(bytes.find(made->secret.substr(9)), std::string::npos);
}

TEST_F(ApiKeysTest, WrongMalformedAndRevokedKeysAreRefusedWithTheirReasons) {
  auto made = CreateApiKey(store(), "billing", clock_);
  ASSERT_TRUE(made.ok());
  std::string wrong = made->secret;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad :
       {wrong, std::string(), std::string("vmsg_"), made->secret + "0", made->secret.substr(1),
        std::string("Bearer ") + made->secret, std::string("VMSG_") + made->secret.substr(5)}) {
    EXPECT_EQ(CheckApiKey(store(), bad).status().reason(), "api_key_invalid") << bad;
  }
  clock_.Advance(1h);
  ASSERT_TRUE(store().Revoke(made->record.id).ok());
  auto revoked = CheckApiKey(store(), made->secret);
  EXPECT_EQ(revoked.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(revoked.status().reason(), "api_key_revoked");
}

TEST_F(ApiKeysTest, RotationMakesANewKeyWithTheNameAndRevokesTheOld) {
  auto old_key = CreateApiKey(store(), "partner app", clock_);
  ASSERT_TRUE(old_key.ok());
  clock_.Advance(1min);
  auto rotated = RotateApiKey(store(), old_key->record.id, clock_);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_NE(rotated->secret, old_key->secret);
  EXPECT_NE(rotated->record.id, old_key->record.id);
  EXPECT_EQ(rotated->record.name, "partner app");
  EXPECT_EQ(CheckApiKey(store(), rotated->secret).value_or(""), rotated->record.id);
  EXPECT_EQ(CheckApiKey(store(), old_key->secret).status().reason(), "api_key_revoked");
  EXPECT_EQ(RotateApiKey(store(), old_key->record.id, clock_).status().reason(), "api_key_revoked");
  EXPECT_EQ(RotateApiKey(store(), "key_0000000000000000", clock_).status().reason(),
            "api_key_not_found");
  auto listed = store().List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, old_key->record.id);
  EXPECT_TRUE((*listed)[0].revoked());
  EXPECT_FALSE((*listed)[1].revoked());
}

TEST_F(ApiKeysTest, NamesMustBeShortPrintableUtf8) {
  for (const std::string& bad : {std::string(), std::string(101, 'a'), std::string("a\nb"),
                                 std::string("tab\there"), std::string("\xff\xfe")}) {
    EXPECT_EQ(CreateApiKey(store(), bad, clock_).status().reason(), "invalid_key_name");
  }
  EXPECT_TRUE(CreateApiKey(store(), std::string(100, 'a'), clock_).ok());
  EXPECT_TRUE(CreateApiKey(store(), "本番サーバー", clock_).ok());
  EXPECT_EQ(store().List()->size(), 2u);
}

}  // namespace
}  // namespace vmsg::access
