#ifndef CAREGATE_COMMON_SQL_DATABASE_H_
#define CAREGATE_COMMON_SQL_DATABASE_H_

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caregate/config/v1/config.pb.h"

namespace caregate::common::sql {

// One SQL layer for the three stores caregate keeps — the council data, the
// consent ledger and the audit log — on two engines: SQLite (the embedded
// default; WAL, synchronous=FULL) and PostgreSQL (libpq, a connection pool,
// synchronous commit). Queries are always parameterised: `?` placeholders
// in the SQL text, values passed separately (PostgreSQL's $1.. are produced
// by this layer). Statements that differ between engines (DDL mostly) ask
// Connection::engine().

enum class Engine { kSqlite, kPostgres };

// A value bound to a placeholder or read from a column.
class Value {
 public:
  enum class Type { kNull, kInt, kReal, kText, kBlob };

  Value() = default;  // NULL
  static Value Null() { return Value(); }
  static Value Int(int64_t v);
  static Value Real(double v);
  static Value Text(std::string v);
  // Bytes, stored as BLOB (SQLite) / BYTEA (PostgreSQL).
  static Value Blob(std::string bytes);
  // Text, or NULL when empty: for optional columns.
  static Value TextOrNull(std::string v);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  int64_t AsInt() const;            // 0 for NULL; parses text
  double AsReal() const;            // 0 for NULL
  const std::string& AsText() const;  // "" for NULL; bytes for a blob

 private:
  Type type_ = Type::kNull;
  int64_t int_ = 0;
  double real_ = 0;
  std::string text_;
};

using Row = std::vector<Value>;
using Params = std::vector<Value>;

// A connection, used by one thread at a time (a Lease from Database).
// Every call takes a deadline: past it the statement is interrupted and the
// call fails with DEADLINE_EXCEEDED. Engine errors are UNAVAILABLE when the
// database cannot be reached, ABORTED for a serialisation or busy conflict
// that a retry may fix, ALREADY_EXISTS for a unique violation, and INTERNAL
// otherwise; messages carry the engine's text, which never includes bound
// values.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Engine engine() const = 0;

  // Runs one or more statements without results (DDL, PRAGMA); no params.
  virtual absl::Status ExecuteScript(absl::string_view sql, absl::Time deadline) = 0;
  // Runs one statement; returns the number of rows changed.
  virtual absl::StatusOr<int64_t> Execute(absl::string_view sql, const Params& params,
                                          absl::Time deadline) = 0;
  // Runs one statement and returns every row.
  virtual absl::StatusOr<std::vector<Row>> Query(absl::string_view sql,
                                                 const Params& params,
                                                 absl::Time deadline) = 0;
  // Runs one statement and calls `on_row` for each row as it arrives, in
  // bounded memory. Stops early (returning on_row's error) if on_row fails.
  virtual absl::Status QueryEach(absl::string_view sql, const Params& params,
                                 absl::Time deadline,
                                 const std::function<absl::Status(const Row&)>& on_row) = 0;

  // Transactions. Begin starts one (SQLite: BEGIN IMMEDIATE, so a writer
  // holds the lock from the start).
  virtual absl::Status Begin(absl::Time deadline) = 0;
  // Starts a transaction for reads only: every query in it sees one
  // snapshot, taken now, and it never waits for or blocks a writer (SQLite:
  // a deferred transaction under WAL, its snapshot started at once;
  // PostgreSQL: REPEATABLE READ, READ ONLY, which also refuses writes). End it
  // with Commit (or drop the lease).
  virtual absl::Status BeginRead(absl::Time deadline) = 0;
  virtual absl::Status Commit(absl::Time deadline) = 0;
  // Never fails loudly: used on error paths.
  virtual void Rollback() = 0;

  // What a reader derived from this database and keeps with this connection,
  // so that a later read transaction on it can skip the queries it came from.
  // Use it only inside a BeginRead transaction: BeginRead empties it whenever
  // the database may differ from when it was kept — after a commit by any
  // other connection or process, or a write through this one (SQLite's
  // SQLITE_FCNTL_DATA_VERSION). PostgreSQL cannot tell, so there BeginRead
  // always empties it and nothing is ever read back from it.
  std::any& remembered() { return remembered_; }

 protected:
  void Forget() { remembered_.reset(); }

 private:
  std::any remembered_;
};

class Database;

// A connection borrowed from the pool; returned when destroyed. A lease
// destroyed inside an open transaction rolls it back first.
class Lease {
 public:
  Lease(Database* db, std::unique_ptr<Connection> connection);
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = default;
  ~Lease();
  Connection* operator->() const { return connection_.get(); }
  Connection& operator*() const { return *connection_; }

 private:
  Database* db_ = nullptr;
  std::unique_ptr<Connection> connection_;
};

// Who may use a SQLite file while it is open (PostgreSQL ignores this).
enum class Sharing {
  // Any process, as SQLite's WAL allows: readers anywhere, one writer at a
  // time.
  kShared,
  // This process only, through one connection: SQLite's EXCLUSIVE locking
  // mode, so nothing else can read or write the file until it is closed, and
  // no transaction takes a file lock (no fcntl per transaction). For a store
  // whose owner keeps state derived from it in memory.
  kThisProcessOnly,
};

// A pool of connections to one database. Thread-safe.
class Database {
 public:
  // Opens a store from its configuration. Relative SQLite paths are resolved
  // against `data_dir`; the parent directory is created. Fails with
  // UNAVAILABLE when the database cannot be opened or reached (or, with
  // kThisProcessOnly, is open in another process), naming `config_path`
  // (e.g. "audit.store") in the message.
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const caregate::config::v1::StoreConfig& store, absl::string_view data_dir,
      absl::string_view config_path, Sharing sharing = Sharing::kShared);

  virtual ~Database() = default;
  virtual Engine engine() const = 0;
  // Borrows a connection, waiting until one is free or `deadline` passes
  // (DEADLINE_EXCEEDED).
  virtual absl::StatusOr<Lease> Acquire(absl::Time deadline) = 0;

  // Runs `body` inside a transaction on one leased connection: commits when it
  // returns OK, rolls back otherwise, and retries the whole transaction up to
  // `attempts` times on ABORTED (busy / serialisation failure).
  absl::Status InTransaction(absl::Time deadline,
                             const std::function<absl::Status(Connection&)>& body,
                             int attempts = 3);

 protected:
  friend class Lease;
  virtual void Release(std::unique_ptr<Connection> connection) = 0;
};

}  // namespace caregate::common::sql

#endif  // CAREGATE_COMMON_SQL_DATABASE_H_
