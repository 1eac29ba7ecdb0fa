// INFO parsing on a reply shaped as redis-server 7 sends it.
#include "metrics/redis_info.h"

#include <gtest/gtest.h>

namespace vmsg::metrics {
namespace {

TEST(RedisInfo, ParsesNumericFieldsAndSkipsTheRest) {
  const std::string info =
      "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n\r\n"
      "# Stats\r\ninstantaneous_ops_per_sec:12\r\nkeyspace_hits:40\r\nkeyspace_misses:2\r\n"
      "# Persistence\r\nrdb_last_save_time:1700000000\r\nmem_fragmentation_ratio:1.25\r\n"
      "db0:keys=3,expires=1,avg_ttl=0\r\nnot a field\r\n:5\r\n";
  const auto fields = ParseRedisInfo(info);
  EXPECT_EQ(fields.at("used_memory"), 1048576);
  EXPECT_EQ(fields.at("instantaneous_ops_per_sec"), 12);
  EXPECT_EQ(fields.at("keyspace_hits"), 40);
  EXPECT_EQ(fields.at("keyspace_misses"), 2);
  EXPECT_EQ(fields.at("rdb_last_save_time"), 1700000000);
  EXPECT_EQ(fields.at("mem_fragmentation_ratio"), 1.25);
  EXPECT_FALSE(fields.contains("used_memory_human"));
  EXPECT_FALSE(fields.contains("db0"));
  EXPECT_EQ(fields.size(), 6u);
  for (const std::string& name : RedisInfoFields()) EXPECT_TRUE(fields.contains(name)) << name;
}

}  // namespace
}  // namespace vmsg::metrics
