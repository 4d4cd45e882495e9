// The SQL layer against both engines: a SQLite file and a real PostgreSQL
// server started for the test.

#include "common/sql/database.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <any>
#include <optional>
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace caregate::common::sql {
namespace {

using ::testing::HasSubstr;

absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

class DatabaseTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    caregate::config::v1::StoreConfig store;
    if (GetParam() == Engine::kSqlite) {
      store.mutable_sqlite()->set_path("store/test.db");
    } else {
      auto pg = testing::PostgresServer::Shared();
      ASSERT_TRUE(pg.ok()) << pg.status();
      auto conninfo = (*pg)->CreateDatabase();
      ASSERT_TRUE(conninfo.ok()) << conninfo.status();
      store.mutable_postgres()->set_conninfo(*conninfo);
      store.mutable_postgres()->set_pool_size(4);
    }
    auto db = Database::Open(store, dir_.path(), "test.store");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto c = db_->Acquire(Soon());
    ASSERT_TRUE(c.ok());
    const char* blob_type = GetParam() == Engine::kSqlite ? "BLOB" : "BYTEA";
    ASSERT_TRUE((*c)->ExecuteScript(
                      absl::StrCat("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, "
                                   "score DOUBLE PRECISION, data ",
                                   blob_type, ")"),
                      Soon())
                    .ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, RoundTripsEveryType) {
  auto c = db_->Acquire(Soon());
  ASSERT_TRUE(c.ok());
  const std::string bytes("\x00\x01\xff'?\"", 6);
  auto changed = (*c)->Execute("INSERT INTO t (id, name, score, data) VALUES (?, ?, ?, ?)",
                               {Value::Int(7), Value::Text("it's ? here"), Value::Real(2.5),
                                Value::Blob(bytes)},
                               Soon());
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(*changed, 1);
  ASSERT_TRUE((*c)->Execute("INSERT INTO t (id, name) VALUES (?, ?)",
                            {Value::Int(8), Value::Null()}, Soon())
                  .ok());
  auto rows = (*c)->Query("SELECT id, name, score, data FROM t WHERE id >= ? ORDER BY id",
                          {Value::Int(7)}, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0][0].AsInt(), 7);
  EXPECT_EQ((*rows)[0][1].AsText(), "it's ? here");
  EXPECT_DOUBLE_EQ((*rows)[0][2].AsReal(), 2.5);
  EXPECT_EQ((*rows)[0][3].AsText(), bytes);
  EXPECT_TRUE((*rows)[1][1].is_null());
  EXPECT_TRUE((*rows)[1][3].is_null());
}

TEST_P(DatabaseTest, UniqueViolationIsAlreadyExists) {
  auto c = db_->Acquire(Soon());
  ASSERT_TRUE((*c)->Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon()).ok());
  auto again = (*c)->Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_P(DatabaseTest, FailedTransactionLeavesNothing) {
  absl::Status s = db_->InTransaction(Soon(), [](Connection& c) -> absl::Status {
    auto r = c.Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon());
    if (!r.ok()) return r.status();
    return absl::InvalidArgumentError("row 2: bad");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto c = db_->Acquire(Soon());
  auto rows = (*c)->Query("SELECT COUNT(*) FROM t", {}, Soon());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0][0].AsInt(), 0);
}

TEST_P(DatabaseTest, LeaseDroppedMidTransactionRollsBack) {
  {
    auto c = db_->Acquire(Soon());
    ASSERT_TRUE((*c)->Begin(Soon()).ok());
    ASSERT_TRUE((*c)->Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon()).ok());
  }
  auto c = db_->Acquire(Soon());
  auto rows = (*c)->Query("SELECT COUNT(*) FROM t", {}, Soon());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0][0].AsInt(), 0);
}

TEST_P(DatabaseTest, ReadTransactionSeesOneSnapshotAndDoesNotBlockWriters) {
  ASSERT_TRUE(db_->InTransaction(Soon(), [](Connection& c) {
                   return c.Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon())
                       .status();
                 }).ok());
  auto reader = db_->Acquire(Soon());
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->BeginRead(Soon()).ok());
  auto count = [&] {
    return (*(*reader)->Query("SELECT COUNT(*) FROM t", {}, Soon()))[0][0].AsInt();
  };
  EXPECT_EQ(count(), 1);
  // A writer commits while the read transaction is open.
  ASSERT_TRUE(db_->InTransaction(Soon(), [](Connection& c) {
                   return c.Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(2)}, Soon())
                       .status();
                 }).ok());
  EXPECT_EQ(count(), 1);  // still the first snapshot
  ASSERT_TRUE((*reader)->Commit(Soon()).ok());
  EXPECT_EQ(count(), 2);
}

TEST_P(DatabaseTest, ReadTransactionTakesItsSnapshotWhenItBegins) {
  auto reader = db_->Acquire(Soon());
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->BeginRead(Soon()).ok());
  // A writer commits before the reader's first query.
  ASSERT_TRUE(db_->InTransaction(Soon(), [](Connection& c) {
                   return c.Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon())
                       .status();
                 }).ok());
  auto rows = (*reader)->Query("SELECT COUNT(*) FROM t", {}, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0][0].AsInt(), 0);
}

TEST_P(DatabaseTest, RememberedIsKeptOnlyWhileTheDatabaseIsUnchanged) {
  auto reader = db_->Acquire(Soon());
  ASSERT_TRUE(reader.ok());
  const bool keeps = GetParam() == Engine::kSqlite;
  auto remember = [&](int value) {
    ASSERT_TRUE((*reader)->BeginRead(Soon()).ok());
    (*reader)->remembered() = value;
    ASSERT_TRUE((*reader)->Commit(Soon()).ok());
  };
  auto recalled = [&]() -> std::optional<int> {
    EXPECT_TRUE((*reader)->BeginRead(Soon()).ok());
    const int* value = std::any_cast<int>(&(*reader)->remembered());
    std::optional<int> out;
    if (value != nullptr) out = *value;
    EXPECT_TRUE((*reader)->Commit(Soon()).ok());
    return out;
  };
  const std::optional<int> none;

  // Kept on the connection from one read transaction to the next.
  remember(1);
  EXPECT_EQ(recalled(), keeps ? std::optional<int>(1) : none);
  EXPECT_EQ(recalled(), keeps ? std::optional<int>(1) : none);

  // Forgotten after another connection's commit...
  {
    auto writer = db_->Acquire(Soon());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(
        (*writer)->Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(1)}, Soon()).ok());
  }
  EXPECT_EQ(recalled(), none);

  // ...after a write through this connection...
  remember(2);
  ASSERT_TRUE(
      (*reader)->Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(2)}, Soon()).ok());
  EXPECT_EQ(recalled(), none);

  // ...and after another process's commit (an importer, say).
  if (GetParam() != Engine::kSqlite) return;
  remember(3);
  EXPECT_EQ(recalled(), std::optional<int>(3));
  const std::string path = dir_.path() + "/store/test.db";
  const pid_t child = fork();
  if (child == 0) {
    sqlite3* other = nullptr;
    int rc = sqlite3_open(path.c_str(), &other);
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(other, "INSERT INTO t (id) VALUES (3)", nullptr, nullptr, nullptr);
    }
    sqlite3_close(other);
    _exit(rc == SQLITE_OK ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(recalled(), none);
}

TEST_P(DatabaseTest, QueryEachStreamsAndStopsOnError) {
  ASSERT_TRUE(db_->InTransaction(Soon(), [](Connection& c) {
                   for (int i = 0; i < 100; ++i) {
                     auto r = c.Execute("INSERT INTO t (id) VALUES (?)", {Value::Int(i)}, Soon());
                     if (!r.ok()) return r.status();
                   }
                   return absl::OkStatus();
                 }).ok());
  auto c = db_->Acquire(Soon());
  int seen = 0;
  absl::Status s = (*c)->QueryEach("SELECT id FROM t ORDER BY id", {}, Soon(),
                                   [&seen](const Row& row) {
                                     if (row[0].AsInt() == 10) return absl::CancelledError("enough");
                                     ++seen;
                                     return absl::OkStatus();
                                   });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(seen, 10);
  // The connection is usable afterwards.
  auto rows = (*c)->Query("SELECT COUNT(*) FROM t", {}, Soon());
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0][0].AsInt(), 100);
}

TEST_P(DatabaseTest, PastDeadlineFails) {
  auto c = db_->Acquire(Soon());
  auto rows = (*c)->Query("SELECT COUNT(*) FROM t", {}, absl::Now() - absl::Seconds(1));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_P(DatabaseTest, LongStatementIsCancelledAtTheDeadline) {
  auto c = db_->Acquire(Soon());
  const char* slow = GetParam() == Engine::kSqlite
                         ? "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                           "WHERE x < 100000000) SELECT COUNT(*) FROM n"
                         : "SELECT pg_sleep(30)";
  auto rows = (*c)->Query(slow, {}, absl::Now() + absl::Milliseconds(200));
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kDeadlineExceeded) << rows.status();
  auto again = (*c)->Query("SELECT 1", {}, Soon());
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_P(DatabaseTest, PoolWaitsUntilTheDeadline) {
  std::vector<Lease> held;
  for (int i = 0; i < 4; ++i) {
    auto c = db_->Acquire(Soon());
    ASSERT_TRUE(c.ok());
    held.push_back(*std::move(c));
  }
  auto c = db_->Acquire(absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDeadlineExceeded);
  held.pop_back();
  EXPECT_TRUE(db_->Acquire(Soon()).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const auto& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailableAndNamesTheField) {
  caregate::config::v1::StoreConfig store;
  store.mutable_postgres()->set_conninfo("host=127.0.0.1 port=1 connect_timeout=2");
  auto db = Database::Open(store, "", "audit.store");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("audit.store: cannot connect"));
}

TEST(DatabaseOpenTest, UnopenableSqlitePathIsUnavailable) {
  caregate::config::v1::StoreConfig store;
  store.mutable_sqlite()->set_path("/proc/caregate/cannot/x.db");
  auto db = Database::Open(store, "", "consent.store");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("consent.store"));
}

// A store for this process only: no other process can read it (a plain
// SQLite reader is refused), a second opener is told why, and the file is
// free again once the first is closed.
TEST(DatabaseOpenTest, AFileForThisProcessOnlyIsRefusedToEveryOtherOpener) {
  caregate::testing::TempDir dir;
  caregate::config::v1::StoreConfig store;
  store.mutable_sqlite()->set_path("owned.db");
  auto first = Database::Open(store, dir.path(), "consent.store", Sharing::kThisProcessOnly);
  ASSERT_TRUE(first.ok()) << first.status();
  {
    auto lease = (*first)->Acquire(absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->ExecuteScript("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
                                        absl::Now() + absl::Seconds(10))
                    .ok());
  }

  const std::string path = dir.path() + "/owned.db";
  const pid_t child = fork();
  if (child == 0) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SELECT x FROM t", nullptr, nullptr, nullptr);
    _exit(rc == SQLITE_BUSY ? 0 : 1);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "another process could read";

  auto second = Database::Open(store, dir.path(), "consent.store", Sharing::kThisProcessOnly);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("consent.store: the SQLite file is in use by another process"));

  first->reset();
  auto third = Database::Open(store, dir.path(), "consent.store", Sharing::kThisProcessOnly);
  ASSERT_TRUE(third.ok()) << third.status();
  auto lease = (*third)->Acquire(absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(lease.ok());
  auto rows = (*lease)->Query("SELECT x FROM t", {}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0][0].AsInt(), 1);
}

}  // namespace
}  // namespace caregate::common::sql
