#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace vmsg {
namespace {

TEST(IdsTest, GeneratesValidVersion4Uuids) {
  IdGenerator ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ids.NewUuid();
    ASSERT_TRUE(IsUuidV4(id)) << id;
  }
}

TEST(IdsTest, SeededGeneratorIsRepeatable) {
  IdGenerator a(42), b(42), c(43);
  const std::string first = a.NewUuid();
  EXPECT_EQ(first, b.NewUuid());
  EXPECT_NE(first, c.NewUuid());
}

TEST(IdsTest, UniqueAcrossThreads) {
  IdGenerator ids;
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&ids, &out] {
      for (int i = 0; i < 2000; ++i) out.push_back(ids.NewUuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : per_thread) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 8000u);
}

TEST(IdsTest, ValidatesStrictly) {
  EXPECT_TRUE(IsUuidV4("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"));
  EXPECT_FALSE(IsUuidV4("3F1C2D4E-5A6B-4C7D-8E9F-0A1B2C3D4E5F"));  // upper case
  EXPECT_FALSE(IsUuidV4("3f1c2d4e-5a6b-1c7d-8e9f-0a1b2c3d4e5f"));  // version 1
  EXPECT_FALSE(IsUuidV4("3f1c2d4e-5a6b-4c7d-ce9f-0a1b2c3d4e5f"));  // wrong variant
  EXPECT_FALSE(IsUuidV4("3f1c2d4e5a6b4c7d8e9f0a1b2c3d4e5f"));      // no dashes
  EXPECT_FALSE(IsUuidV4("../../etc/passwd"));
  EXPECT_FALSE(IsUuidV4(""));
  EXPECT_FALSE(IsUuidV4(std::string("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5\0", 36)));
}

}  // namespace
}  // namespace vmsg
