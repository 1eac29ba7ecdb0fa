// The figures of Redis's INFO reply that the spec's monitoring section names (used_memory,
// instantaneous_ops_per_sec, keyspace_hits, keyspace_misses, rdb_last_save_time), parsed
// from INFO's text, for the vmsg_redis_* gauges and `vmsg status`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vmsg::metrics {

// The INFO fields vmsg reports, in this order.
const std::vector<std::string>& RedisInfoFields();

// Every numeric "name:value" line of an INFO reply ("# Section" headers, blank lines, CR
// and non-numeric values skipped).
std::map<std::string, double> ParseRedisInfo(std::string_view text);

}  // namespace vmsg::metrics
