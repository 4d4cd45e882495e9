// SQLite engine: WAL, synchronous=FULL, foreign keys on, a small statement
// cache per connection, deadlines through the progress handler and the busy
// timeout.

#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/sql/pool.h"

namespace caregate::common::sql {
namespace {

constexpr int kSqlitePoolSize = 4;

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const int primary = rc & 0xff;
  std::string message = absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError(message);
    case SQLITE_INTERRUPT:
      return absl::DeadlineExceededError(absl::StrCat(what, ": deadline exceeded"));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

class SqliteConnection final : public PooledConnection {
 public:
  static absl::StatusOr<std::unique_ptr<PooledConnection>> Open(
      const std::string& path, const std::string& config_path, Sharing sharing) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      absl::Status s = absl::UnavailableError(absl::StrCat(
          config_path, ": cannot open SQLite database: ", sqlite3_errstr(rc)));
      sqlite3_close(db);
      return s;
    }
    auto c = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
    // temp_store=MEMORY: statement journals (a multi-row INSERT inside a
    // transaction) and temporary b-trees stay in memory instead of spilling
    // to a file under /var/tmp.
    //
    // This process only: EXCLUSIVE locking mode, set before WAL mode so the
    // WAL index lives in this connection's memory, and the file locked now by
    // a first read rather than at the first request. Another process holding
    // the file is reported at once, not after a long busy wait.
    const bool exclusive = sharing == Sharing::kThisProcessOnly;
    absl::Status s = c->ExecuteScript(
        absl::StrCat(exclusive ? "PRAGMA locking_mode=EXCLUSIVE; " : "",
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                     " PRAGMA temp_store=MEMORY;",
                     exclusive ? " SELECT count(*) FROM sqlite_master;" : ""),
        absl::Now() + (exclusive ? absl::Seconds(1) : absl::Seconds(30)));
    if (exclusive && (absl::IsAborted(s) || absl::IsDeadlineExceeded(s))) {
      return absl::UnavailableError(
          absl::StrCat(config_path, ": the SQLite file is in use by another process or "
                                    "connection (this store is opened by one caregate process "
                                    "at a time)"));
    }
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(config_path, ": ", s.message()));
    }
    return std::unique_ptr<PooledConnection>(std::move(c));
  }

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Engine engine() const override { return Engine::kSqlite; }
  bool healthy() const override { return true; }
  bool in_transaction() const override { return !sqlite3_get_autocommit(db_); }

  absl::Status ExecuteScript(absl::string_view sql, absl::Time deadline) override {
    Arm(deadline);
    char* error = nullptr;
    int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite");
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Execute(absl::string_view sql, const Params& params,
                                  absl::Time deadline) override {
    absl::Status s = Run(sql, params, deadline, nullptr);
    if (!s.ok()) return s;
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql, const Params& params,
                                         absl::Time deadline) override {
    std::vector<Row> rows;
    absl::Status s = Run(sql, params, deadline, [&rows](Row& row) {
      rows.push_back(std::move(row));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return rows;
  }

  absl::Status QueryEach(absl::string_view sql, const Params& params,
                         absl::Time deadline,
                         const std::function<absl::Status(const Row&)>& on_row) override {
    return Run(sql, params, deadline, [&on_row](Row& row) { return on_row(row); });
  }

  // Transaction statements go through the statement cache like any other.
  absl::Status Begin(absl::Time deadline) override {
    return Run("BEGIN IMMEDIATE", {}, deadline, nullptr);
  }
  // A deferred transaction takes its snapshot at its first read, so BeginRead
  // reads at once (PRAGMA data_version). The pager's data version then says
  // whether the file changed since this connection last looked, by anyone.
  absl::Status BeginRead(absl::Time deadline) override {
    absl::Status s = Run("BEGIN DEFERRED", {}, deadline, nullptr);
    if (s.ok()) s = Run("PRAGMA data_version", {}, deadline, nullptr);
    if (!s.ok()) {
      Rollback();
      return s;
    }
    unsigned int version = 0;
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK ||
        version != remembered_version_) {
      Forget();
      remembered_version_ = version;
    }
    return absl::OkStatus();
  }
  absl::Status Commit(absl::Time deadline) override {
    return Run("COMMIT", {}, deadline, nullptr);
  }
  void Rollback() override {
    if (in_transaction()) (void)Run("ROLLBACK", {}, absl::Now() + absl::Seconds(30), nullptr);
  }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_progress_handler(db_, 1000, &SqliteConnection::Progress, this);
  }

  static int Progress(void* self) {
    return absl::Now() > static_cast<SqliteConnection*>(self)->deadline_ ? 1 : 0;
  }

  // Sets the deadline for the next statement: the progress handler interrupts
  // long statements, the busy timeout bounds waiting for another writer.
  void Arm(absl::Time deadline) {
    deadline_ = deadline;
    const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    sqlite3_busy_timeout(db_, static_cast<int>(std::clamp<int64_t>(ms, 1, 600000)));
  }

  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql) {
    auto it = cache_.find(std::string_view(sql.data(), sql.size()));
    if (it != cache_.end()) return it->second;
    std::string key(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, key.c_str(), static_cast<int>(key.size()), &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite prepare");
    if (cache_.size() >= 128) {
      for (auto& [s, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  // Runs one statement; on_row (may be empty) gets each row and may take it.
  absl::Status Run(absl::string_view sql, const Params& params, absl::Time deadline,
                   const std::function<absl::Status(Row&)>& on_row) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("sqlite: deadline exceeded");
    }
    Arm(deadline);
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* stmt = *prepared;
    struct Reset {
      sqlite3_stmt* stmt;
      ~Reset() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } reset{stmt};
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return absl::InternalError(absl::StrCat("sqlite: statement takes ",
                                              sqlite3_bind_parameter_count(stmt),
                                              " parameters, ", params.size(), " given"));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const Value& v = params[i];
      int rc = SQLITE_OK;
      switch (v.type()) {
        case Value::Type::kNull: rc = sqlite3_bind_null(stmt, index); break;
        case Value::Type::kInt: rc = sqlite3_bind_int64(stmt, index, v.AsInt()); break;
        case Value::Type::kReal: rc = sqlite3_bind_double(stmt, index, v.AsReal()); break;
        // SQLITE_STATIC: `params` outlives the statement's use of them (the
        // bindings are cleared when Run returns), so SQLite need not copy.
        case Value::Type::kText:
          rc = sqlite3_bind_text(stmt, index, v.AsText().data(),
                                 static_cast<int>(v.AsText().size()), SQLITE_STATIC);
          break;
        case Value::Type::kBlob:
          rc = sqlite3_bind_blob(stmt, index, v.AsText().data(),
                                 static_cast<int>(v.AsText().size()), SQLITE_STATIC);
          break;
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "sqlite bind");
    }
    const int columns = sqlite3_column_count(stmt);
    Row row;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return absl::OkStatus();
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "sqlite");
      if (!on_row) continue;
      row.clear();
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: row.push_back(Value::Null()); break;
          case SQLITE_INTEGER: row.push_back(Value::Int(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: row.push_back(Value::Real(sqlite3_column_double(stmt, c))); break;
          case SQLITE_BLOB: {
            const void* p = sqlite3_column_blob(stmt, c);
            const int n = sqlite3_column_bytes(stmt, c);
            row.push_back(Value::Blob(std::string(static_cast<const char*>(p), n)));
            break;
          }
          default: {
            const unsigned char* p = sqlite3_column_text(stmt, c);
            const int n = sqlite3_column_bytes(stmt, c);
            row.push_back(Value::Text(std::string(reinterpret_cast<const char*>(p), n)));
          }
        }
      }
      absl::Status s = on_row(row);
      if (!s.ok()) return s;
    }
  }

  sqlite3* db_;
  // The data version remembered() belongs to (remembered() starts empty, so
  // the first BeginRead finds nothing whatever this says).
  unsigned int remembered_version_ = 0;
  absl::Time deadline_ = absl::InfiniteFuture();
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(const std::string& path,
                                                     absl::string_view config_path,
                                                     Sharing sharing) {
  // SQLite counts every allocation under one process-wide mutex unless told
  // not to; caregate never reads those counts, and every connection of every
  // store would otherwise contend for that lock. This must happen before the
  // library initialises (the first open); if it already has, SQLite refuses
  // and keeps counting, which is only slower.
  [[maybe_unused]] static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(config_path, ".sqlite.path: is required"));
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string where(config_path);
  // A file this process holds exclusively has one connection: a second
  // would be locked out by the first.
  auto db = std::make_unique<PooledDatabase>(
      Engine::kSqlite, sharing == Sharing::kThisProcessOnly ? 1 : kSqlitePoolSize,
      [path, where, sharing]() { return SqliteConnection::Open(path, where, sharing); });
  // Open one connection now so a bad path fails at start-up, not at the
  // first request.
  auto lease = db->Acquire(absl::Now() + absl::Seconds(30));
  if (!lease.ok()) return lease.status();
  { auto returned = *std::move(lease); }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace caregate::common::sql
