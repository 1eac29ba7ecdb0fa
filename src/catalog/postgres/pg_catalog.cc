// The PostgreSQL catalogs (see pg_catalog.h): a small connection pool, the migrations, and
// one template backend whose rows are the records' JSON forms column by column, so that
// Record::FromJson checks every row read exactly as it checks the JSON files.
#include "catalog/postgres/pg_catalog.h"

#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>

namespace vmsg::catalog {
namespace {

// The migrations, in order: kPgMigrations[i] takes the schema from version i to i + 1.
// Never edit one that has shipped; append a new one and raise kPgSchemaVersion.
constexpr std::string_view kPgMigrations[] = {
    // 1: the spec's voice_profiles and its BGM twin, and each catalog's last_updated.
    R"sql(
CREATE TABLE voice_profiles (
  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  id VARCHAR(64) PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  type VARCHAR(50) NOT NULL CHECK (type IN ('system', 'custom')),
  language VARCHAR(10) NOT NULL,
  gender VARCHAR(20) NOT NULL,
  embedding_path TEXT NOT NULL,
  reference_audio_path TEXT NOT NULL,
  preview_url TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  metadata JSONB NOT NULL
);
CREATE INDEX idx_voice_profiles_type ON voice_profiles(type);
CREATE INDEX idx_voice_profiles_language ON voice_profiles(language);
CREATE TABLE bgm_tracks (
  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  id VARCHAR(64) PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  type VARCHAR(50) NOT NULL CHECK (type IN ('system', 'user')),
  file_path TEXT NOT NULL,
  preview_url TEXT NOT NULL,
  duration_seconds DOUBLE PRECISION NOT NULL,
  bpm INTEGER NOT NULL,
  mood VARCHAR(32) NOT NULL,
  volume_db DOUBLE PRECISION NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  metadata JSONB NOT NULL
);
CREATE INDEX idx_bgm_tracks_type ON bgm_tracks(type);
CREATE TABLE catalog_state (
  collection VARCHAR(32) PRIMARY KEY,
  last_updated TIMESTAMPTZ NOT NULL
);
)sql",
};
static_assert(std::size(kPgMigrations) == kPgSchemaVersion);

// Held (pg_advisory_xact_lock) by every migration transaction, so that processes starting
// together migrate one after another.
constexpr int64_t kMigrationLockKey = 0x766d7367;  // "vmsg"

constexpr std::string_view kTimeFormat = R"('YYYY-MM-DD"T"HH24:MI:SS"Z"')";

enum class Kind { kText, kInteger, kDouble, kJson, kTime };
struct Column {
  std::string_view name;
  Kind kind;
};

// Each record's table: its columns are the record's JSON fields, id first.
template <typename Record>
struct Table;

template <>
struct Table<VoiceProfile> {
  static constexpr std::string_view kName = "voice_profiles";
  static constexpr Column kColumns[] = {{"id", Kind::kText},
                                        {"name", Kind::kText},
                                        {"type", Kind::kText},
                                        {"language", Kind::kText},
                                        {"gender", Kind::kText},
                                        {"embedding_path", Kind::kText},
                                        {"reference_audio_path", Kind::kText},
                                        {"preview_url", Kind::kText},
                                        {"created_at", Kind::kTime},
                                        {"metadata", Kind::kJson}};
};

template <>
struct Table<BgmTrack> {
  static constexpr std::string_view kName = "bgm_tracks";
  static constexpr Column kColumns[] = {
      {"id", Kind::kText},          {"name", Kind::kText},
      {"type", Kind::kText},        {"file_path", Kind::kText},
      {"preview_url", Kind::kText}, {"duration_seconds", Kind::kDouble},
      {"bpm", Kind::kInteger},      {"mood", Kind::kText},
      {"volume_db", Kind::kDouble}, {"created_at", Kind::kTime},
      {"metadata", Kind::kJson}};
};

Status DatabaseError(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return Status::Unavailable(std::string("metadata database unreachable: ") + e.what(),
                               "metadata_db_unavailable");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    // Class 08 (connection exception) and 57 (operator intervention: shutdown, cancel).
    const std::string state = sql->sqlstate();
    if (state.starts_with("08") || state.starts_with("57")) {
      return Status::Unavailable(std::string("metadata database unavailable: ") + e.what(),
                                 "metadata_db_unavailable");
    }
  }
  return Status::Internal(std::string("metadata database error: ") + e.what(), "metadata_db_error");
}

// libpq's connect_timeout, unless the URL sets one.
std::string WithConnectTimeout(std::string_view url) {
  std::string out(url);
  if (out.find("connect_timeout=") != std::string::npos) return out;
  out += out.find('?') == std::string::npos ? '?' : '&';
  out += "connect_timeout=" + std::to_string(kPgConnectTimeoutSeconds);
  return out;
}

std::string SelectList(std::span<const Column> columns) {
  std::string out;
  for (const Column& c : columns) {
    if (!out.empty()) out += ", ";
    if (c.kind == Kind::kTime) {
      out += "to_char(" + std::string(c.name) + " AT TIME ZONE 'UTC', " + std::string(kTimeFormat) +
             ")";
    } else {
      out += c.name;
    }
  }
  return out;
}

// Prepares every statement a catalog of `Record` runs on a new connection.
template <typename Record>
void PrepareStatements(pqxx::connection& c) {
  using T = Table<Record>;
  const std::string table(T::kName);
  const std::string select = SelectList(T::kColumns);
  std::string names, placeholders, assignments;
  int n = 0;
  for (const Column& col : T::kColumns) {
    ++n;
    const std::string p = "$" + std::to_string(n);
    names += (n > 1 ? ", " : "") + std::string(col.name);
    placeholders += (n > 1 ? ", " : "") + p;
    if (n > 1) assignments += std::string(col.name) + " = " + p + ", ";
  }
  c.prepare(table + "_all", "SELECT " + select + " FROM " + table + " ORDER BY seq");
  c.prepare(table + "_get", "SELECT " + select + " FROM " + table + " WHERE id = $1");
  c.prepare(table + "_get_locked",
            "SELECT " + select + " FROM " + table + " WHERE id = $1 FOR UPDATE");
  c.prepare(table + "_insert", "INSERT INTO " + table + " (" + names + ") VALUES (" + placeholders +
                                   ") ON CONFLICT (id) DO NOTHING");
  c.prepare(table + "_update",
            "UPDATE " + table + " SET " + assignments + "updated_at = now() WHERE id = $1");
  c.prepare(table + "_delete", "DELETE FROM " + table + " WHERE id = $1");
  c.prepare(table + "_clear", "DELETE FROM " + table);
}

void PrepareState(pqxx::connection& c) {
  c.prepare("state_get", "SELECT to_char(last_updated AT TIME ZONE 'UTC', " +
                             std::string(kTimeFormat) +
                             ") FROM catalog_state WHERE collection = $1");
  c.prepare("state_lock", "SELECT 1 FROM catalog_state WHERE collection = $1 FOR UPDATE");
  c.prepare("state_set", "UPDATE catalog_state SET last_updated = $2 WHERE collection = $1");
  c.prepare("state_init",
            "INSERT INTO catalog_state (collection, last_updated) VALUES ($1, $2) "
            "ON CONFLICT (collection) DO NOTHING");
}

// Connections to one database, opened on demand up to kMaxPgConnections, each with every
// statement prepared. A connection that broke is dropped, and the next use opens another.
class PgPool {
 public:
  explicit PgPool(std::string url) : url_(WithConnectTimeout(url)) {}

  // Runs `fn` on a connection; a database exception becomes a Status. A pooled connection
  // found broken (the server restarted, or an administrator ended it) is replaced and `fn`
  // run once more: the transaction it was in cannot have committed. A failure during COMMIT
  // is in doubt (pqxx::in_doubt_error, not broken_connection) and is never retried.
  template <typename T>
  Result<T> With(const std::function<Result<T>(pqxx::connection&)>& fn) {
    bool pooled = false;
    std::unique_ptr<pqxx::connection> c = Take(pooled);
    Result<T> result = Status::Internal("unreachable");
    for (bool retried = false;; retried = true) {
      try {
        if (c == nullptr) c = Connect();
        result = fn(*c);
      } catch (const pqxx::broken_connection& e) {
        result = DatabaseError(e);
        c.reset();
        if (pooled && !retried) continue;
      } catch (const std::exception& e) {
        result = DatabaseError(e);
      }
      break;
    }
    Give(std::move(c));
    return result;
  }

 private:
  // An idle connection (`pooled`), or null with a slot reserved for a new one.
  std::unique_ptr<pqxx::connection> Take(bool& pooled) {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxPgConnections; });
    pooled = !idle_.empty();
    if (!pooled) {
      ++open_;
      return nullptr;
    }
    std::unique_ptr<pqxx::connection> c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  // Returns a healthy connection to the pool; frees the slot of a broken or missing one.
  void Give(std::unique_ptr<pqxx::connection> c) {
    {
      std::lock_guard lock(mutex_);
      if (c != nullptr && c->is_open()) {
        idle_.push_back(std::move(c));
      } else {
        --open_;
      }
    }
    available_.notify_one();
  }

  std::unique_ptr<pqxx::connection> Connect() const {
    auto c = std::make_unique<pqxx::connection>(url_);
    PrepareStatements<VoiceProfile>(*c);
    PrepareStatements<BgmTrack>(*c);
    PrepareState(*c);
    return c;
  }

  const std::string url_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // GUARDED_BY(mutex_)
  int open_ = 0;                                         // GUARDED_BY(mutex_)
};

template <typename Record>
class PgCatalog final : public Catalog<Record> {
 public:
  using Type = typename Record::Type;
  using T = Table<Record>;

  PgCatalog(std::shared_ptr<PgPool> pool, const Clock& clock)
      : pool_(std::move(pool)), clock_(clock), table_(T::kName) {}

  // The catalog_state row, with the clock's now as an empty catalog's last_updated.
  Status Init() {
    return pool_
        ->With<bool>([&](pqxx::connection& c) -> Result<bool> {
          pqxx::work tx(c);
          tx.exec_prepared("state_init", Collection(), FormatIso8601(clock_.Now()));
          tx.commit();
          return true;
        })
        .status();
  }

  Result<CatalogSnapshot<Record>> Snapshot() const override {
    VMSG_ASSIGN_OR_RETURN(vmsg::Json document, ReadDocument());
    return ParseCatalogDocument<Record>(document, Location());
  }

  Result<vmsg::Json> Document() const override {
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot, Snapshot());
    return MakeCatalogDocument(snapshot.records, snapshot.last_updated);
  }

  Result<Record> Get(std::string_view id) const override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    return pool_->With<Record>([&](pqxx::connection& c) -> Result<Record> {
      pqxx::read_transaction tx(c);
      const pqxx::result rows = tx.exec_prepared(table_ + "_get", std::string(id));
      if (rows.empty()) return CatalogNotFound<Record>(id);
      return FromRow(rows[0]);
    });
  }

  Result<Record> Create(Record record) override {
    record.created_at = clock_.Now();
    VMSG_RETURN_IF_ERROR(record.Validate());
    return pool_->With<Record>([&](pqxx::connection& c) -> Result<Record> {
      pqxx::work tx(c);
      VMSG_RETURN_IF_ERROR(Lock(tx));
      const std::vector<std::string> params = Params(record);
      const pqxx::result r =
          tx.exec_prepared(table_ + "_insert", pqxx::prepare::make_dynamic_params(params));
      if (r.affected_rows() == 0) {
        return Status::AlreadyExists(
            "a " + std::string(Record::kNoun) + " with id " + record.id + " already exists",
            "already_exists");
      }
      Touch(tx);
      tx.commit();
      return record;
    });
  }

  Result<Record> Update(std::string_view id,
                        const std::function<Status(Record&)>& mutate) override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    return pool_->With<Record>([&](pqxx::connection& c) -> Result<Record> {
      pqxx::work tx(c);
      VMSG_RETURN_IF_ERROR(Lock(tx));
      const pqxx::result rows = tx.exec_prepared(table_ + "_get_locked", std::string(id));
      if (rows.empty()) return CatalogNotFound<Record>(id);
      VMSG_ASSIGN_OR_RETURN(Record before, FromRow(rows[0]));
      Record candidate = before;
      VMSG_RETURN_IF_ERROR(mutate(candidate));
      VMSG_RETURN_IF_ERROR(CheckUpdatedRecord(before, candidate));
      const std::vector<std::string> params = Params(candidate);
      tx.exec_prepared(table_ + "_update", pqxx::prepare::make_dynamic_params(params));
      Touch(tx);
      tx.commit();
      return candidate;
    });
  }

  using Catalog<Record>::Delete;
  Result<DeleteOutcome> Delete(std::string_view id, objects::ObjectStore& store,
                               const typename Catalog<Record>::DeleteCheck& may_delete) override {
    VMSG_RETURN_IF_ERROR(ValidateId(id));
    VMSG_ASSIGN_OR_RETURN(
        Record removed, pool_->With<Record>([&](pqxx::connection& c) -> Result<Record> {
          pqxx::work tx(c);
          VMSG_RETURN_IF_ERROR(Lock(tx));
          const pqxx::result rows = tx.exec_prepared(table_ + "_get_locked", std::string(id));
          if (rows.empty()) return CatalogNotFound<Record>(id);
          VMSG_ASSIGN_OR_RETURN(Record record, FromRow(rows[0]));
          VMSG_RETURN_IF_ERROR(CheckDeletable(record));
          if (may_delete) VMSG_RETURN_IF_ERROR(may_delete(record));
          tx.exec_prepared(table_ + "_delete", std::string(id));
          Touch(tx);
          tx.commit();
          return record;
        }));
    // After the commit: object stores may be slow, and the keys are already unreachable.
    return DeleteObjects(removed.ObjectKeys(), store);
  }

  Status Restore(const vmsg::Json& document) override {
    VMSG_RETURN_IF_ERROR(this->CheckDocument(document));
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> snapshot,
                          ParseCatalogDocument<Record>(document, Location()));
    return pool_
        ->With<bool>([&](pqxx::connection& c) -> Result<bool> {
          pqxx::work tx(c);
          VMSG_RETURN_IF_ERROR(Lock(tx));
          tx.exec_prepared(table_ + "_clear");
          for (const Record& record : snapshot.records) {
            const std::vector<std::string> params = Params(record);
            tx.exec_prepared(table_ + "_insert", pqxx::prepare::make_dynamic_params(params));
          }
          tx.exec_prepared("state_set", Collection(), FormatIso8601(snapshot.last_updated));
          tx.commit();
          return true;
        })
        .status();
  }

  std::string Location() const override { return "postgresql table " + table_; }

 private:
  static std::string Collection() { return std::string(Record::kCollection); }

  // Takes the catalog's write lock (its catalog_state row) for the transaction.
  Status Lock(pqxx::work& tx) const {
    if (tx.exec_prepared("state_lock", Collection()).empty()) {
      return Status::DataLoss("catalog " + Location() + " has no catalog_state row",
                              "catalog_corrupt");
    }
    return Status::Ok();
  }

  void Touch(pqxx::work& tx) const {
    tx.exec_prepared("state_set", Collection(), FormatIso8601(clock_.Now()));
  }

  // The record's JSON fields as text parameters, in column order.
  static std::vector<std::string> Params(const Record& record) {
    const vmsg::Json json = record.ToJson();
    std::vector<std::string> params;
    for (const Column& col : T::kColumns) {
      const vmsg::Json& v = json.at(std::string(col.name));
      params.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    return params;
  }

  // A row's JSON form (the record as the JSON file would hold it).
  static vmsg::Json RowJson(const pqxx::row& row) {
    vmsg::Json json = vmsg::Json::object();
    for (size_t i = 0; i < std::size(T::kColumns); ++i) {
      const Column& col = T::kColumns[i];
      const pqxx::field f = row[static_cast<pqxx::row::size_type>(i)];
      if (f.is_null()) {
        json[std::string(col.name)] = nullptr;
      } else if (col.kind == Kind::kText || col.kind == Kind::kTime) {
        json[std::string(col.name)] = f.as<std::string>();
      } else {
        Result<vmsg::Json> parsed = ParseJson(f.as<std::string>());
        json[std::string(col.name)] = parsed.ok() ? *parsed : vmsg::Json(nullptr);
      }
    }
    return json;
  }

  Result<Record> FromRow(const pqxx::row& row) const {
    vmsg::Json document = MakeCatalogDocument(std::vector<Record>{}, TimePoint{});
    document[Collection()].push_back(RowJson(row));
    VMSG_ASSIGN_OR_RETURN(CatalogSnapshot<Record> one,
                          ParseCatalogDocument<Record>(document, Location()));
    return std::move(one.records.front());
  }

  // The catalog as the JSON file's document, read in one snapshot.
  Result<vmsg::Json> ReadDocument() const {
    return pool_->With<vmsg::Json>([&](pqxx::connection& c) -> Result<vmsg::Json> {
      pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>
          tx(c);
      const pqxx::result state = tx.exec_prepared("state_get", Collection());
      const pqxx::result rows = tx.exec_prepared(table_ + "_all");
      vmsg::Json list = vmsg::Json::array();
      for (const pqxx::row& row : rows) list.push_back(RowJson(row));
      vmsg::Json document = {{Collection(), std::move(list)},
                             {"version", std::string(kCatalogVersion)}};
      if (!state.empty()) document["last_updated"] = state[0][0].as<std::string>();
      return document;
    });
  }

  std::shared_ptr<PgPool> pool_;
  const Clock& clock_;
  const std::string table_;
};

Result<int> ReadVersion(pqxx::transaction_base& tx) {
  const pqxx::result exists = tx.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0][0].as<bool>()) return 0;
  const pqxx::result r = tx.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return r[0][0].as<int>();
}

Status TooNew(int version) {
  return Status::FailedPrecondition("the metadata database's schema is at version " +
                                        std::to_string(version) + ", newer than this vmsg knows (" +
                                        std::to_string(kPgSchemaVersion) +
                                        "); run a vmsg at least as new as the one that migrated it",
                                    "schema_too_new");
}

Result<int> Guarded(std::string_view url, const std::function<Result<int>(pqxx::connection&)>& fn) {
  try {
    pqxx::connection c(WithConnectTimeout(url));
    return fn(c);
  } catch (const std::exception& e) {
    return DatabaseError(e);
  }
}

}  // namespace

Result<int> PgSchemaVersion(std::string_view url) {
  return Guarded(url, [](pqxx::connection& c) -> Result<int> {
    pqxx::read_transaction tx(c);
    return ReadVersion(tx);
  });
}

Result<PgMigrationReport> MigratePgSchema(std::string_view url) {
  PgMigrationReport report;
  VMSG_RETURN_IF_ERROR(
      Guarded(url, [&](pqxx::connection& c) -> Result<int> {
        {
          pqxx::work tx(c);
          tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
          tx.exec(
              "CREATE TABLE IF NOT EXISTS schema_migrations ("
              "version INTEGER PRIMARY KEY, "
              "applied_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)");
          VMSG_ASSIGN_OR_RETURN(report.from_version, ReadVersion(tx));
          if (report.from_version > kPgSchemaVersion) return TooNew(report.from_version);
          tx.commit();
        }
        for (int version = 1; version <= kPgSchemaVersion; ++version) {
          pqxx::work tx(c);
          tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
          // Read again under the lock: another process may have applied it meanwhile.
          VMSG_ASSIGN_OR_RETURN(int current, ReadVersion(tx));
          if (current > kPgSchemaVersion) return TooNew(current);
          if (current >= version) continue;
          tx.exec(std::string(kPgMigrations[version - 1]));
          tx.exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(version) +
                  ")");
          tx.commit();
          report.applied.push_back(version);
        }
        return 0;
      }).status());
  report.to_version = kPgSchemaVersion;
  return report;
}

Result<PgCatalogs> OpenPgCatalogs(std::string_view url, const Clock& clock) {
  VMSG_RETURN_IF_ERROR(MigratePgSchema(url).status());
  auto pool = std::make_shared<PgPool>(std::string(url));
  auto voices = std::make_unique<PgCatalog<VoiceProfile>>(pool, clock);
  VMSG_RETURN_IF_ERROR(voices->Init());
  auto bgm = std::make_unique<PgCatalog<BgmTrack>>(pool, clock);
  VMSG_RETURN_IF_ERROR(bgm->Init());
  PgCatalogs catalogs;
  catalogs.voices = std::move(voices);
  catalogs.bgm = std::move(bgm);
  return catalogs;
}

}  // namespace vmsg::catalog
