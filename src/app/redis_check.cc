#include "app/redis_check.h"

#include <map>
#include <string_view>

#include "metrics/redis_info.h"

namespace vmsg {
namespace {

// One "name:value" line of an INFO reply; empty when absent.
std::string InfoField(std::string_view info, std::string_view name) {
  size_t at = 0;
  while (at < info.size()) {
    size_t end = info.find('\n', at);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ':') {
      return std::string(line.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return {};
}

// CONFIG GET's [name, value] pair; nullopt when CONFIG is refused or the name unknown.
std::optional<std::string> ConfigGet(state::RedisClient& client, const std::string& name) {
  Result<state::RedisReply> reply = client.Command({"CONFIG", "GET", name});
  if (!reply.ok() || reply->type != state::RedisReply::Type::kArray ||
      reply->elements.size() != 2) {
    return std::nullopt;
  }
  return reply->elements[1].str;
}

}  // namespace

bool RedisPersistence::Durable() const {
  return aof_enabled || !save_points.has_value() || !save_points->empty();
}

std::string RedisPersistence::Summary() const {
  std::string out = aof_enabled ? "AOF on" : "AOF off";
  if (aof_enabled) {
    out += " (appendfsync " + appendfsync.value_or("unknown") + ", last write " +
           (aof_last_write_status.empty() ? "unknown" : aof_last_write_status) + ")";
  }
  if (!save_points.has_value()) {
    out += ", RDB save points unknown (CONFIG unavailable)";
  } else if (save_points->empty()) {
    out += ", RDB off";
  } else {
    out += ", RDB save " + *save_points;
  }
  out += ", last save " + (rdb_last_bgsave_status.empty() ? "unknown" : rdb_last_bgsave_status);
  return out;
}

Result<RedisPersistence> ReadRedisPersistence(state::RedisClient& client) {
  VMSG_ASSIGN_OR_RETURN(state::RedisReply info, client.Command({"INFO", "persistence"}));
  RedisPersistence p;
  p.aof_enabled = InfoField(info.str, "aof_enabled") == "1";
  p.rdb_last_bgsave_status = InfoField(info.str, "rdb_last_bgsave_status");
  p.aof_last_write_status = InfoField(info.str, "aof_last_write_status");
  const std::map<std::string, double> figures = metrics::ParseRedisInfo(info.str);
  if (auto it = figures.find("rdb_last_save_time"); it != figures.end()) {
    p.rdb_last_save_time = static_cast<int64_t>(it->second);
  }
  if (auto it = figures.find("rdb_changes_since_last_save"); it != figures.end()) {
    p.rdb_changes_since_last_save = static_cast<int64_t>(it->second);
  }
  p.appendfsync = ConfigGet(client, "appendfsync");
  p.save_points = ConfigGet(client, "save");
  return p;
}

Status CheckRedisAtStartup(const Config& config, const Logger& logger) {
  if (config.redis_url.empty()) return Status::Ok();
  const std::string where = [&] {
    Result<state::RedisEndpoint> endpoint = state::ParseRedisUrl(config.redis_url);
    return endpoint.ok() ? endpoint->Description() : std::string("REDIS_URL");
  }();
  Result<std::unique_ptr<state::RedisClient>> client =
      state::NewRedisClient({.url = config.redis_url,
                             .max_connections = 1,
                             .socket_timeout = config.redis_socket_timeout,
                             .connect_timeout = config.redis_socket_connect_timeout});
  if (!client.ok()) {
    return client.status().WithContext("Redis at " + where + " (REDIS_URL) is not reachable");
  }
  Result<RedisPersistence> persistence = ReadRedisPersistence(**client);
  if (!persistence.ok()) {
    return persistence.status().WithContext("Redis at " + where +
                                            " (REDIS_URL) does not answer INFO");
  }
  const std::string summary = persistence->Summary();
  if (persistence->Durable()) {
    logger.Info("redis", "persistence", {{"url", where}, {"settings", summary}});
  } else {
    logger.Warning("redis",
                   "persistence off: neither AOF nor RDB snapshots are on, so a Redis restart "
                   "loses every queued task and result",
                   {{"url", where}, {"settings", summary}});
  }
  return Status::Ok();
}

}  // namespace vmsg
