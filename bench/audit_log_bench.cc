// The audit log's durable append rate beside raw SQLite inserts of the same
// bytes, in the same run (bench/RESULTS.md "## Audit log").
//
//   BM_AuditAppendDurable          SqlAuditLog::Append on SQLite (WAL,
//                                  synchronous=FULL), group commit; run with
//                                  1 and 64 threads.
//   BM_RawSqliteInsertSynchronous  one INSERT per commit, synchronous=FULL:
//                                  what durability costs without group commit.
//   BM_RawSqliteInsertUnsynchronous one INSERT per commit, synchronous=OFF:
//                                  the ceiling (no durability at all).
// Each benchmark uses its own fresh database under $TMPDIR.

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "consent/audit/merkle.h"
#include "consent/audit/sql_audit_log.h"

namespace {

namespace audit = caregate::consent::audit;

std::string TempPath(absl::string_view name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = absl::StrCat(tmp ? tmp : "/tmp", "/caregate-audit-bench-", getpid());
  std::filesystem::create_directories(dir);
  std::string path = absl::StrCat(dir, "/", name, ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

// A typical entry: a permitted GP summary request (synthetic values).
caregate::v1::AuditEntry TypicalEntry(int i) {
  caregate::v1::AuditEntry e;
  e.mutable_time()->set_seconds(1700000000 + i);
  e.mutable_actor()->set_user_id("555123456789");
  e.mutable_actor()->set_user_name("Social Worker Example");
  e.mutable_actor()->set_role("social_worker");
  e.mutable_actor()->set_rbac_role("R8000");
  e.mutable_actor()->set_organisation("E08000021");
  e.mutable_actor()->set_client_system("CN=council-case-system,O=E08000021");
  e.set_action(caregate::v1::AUDIT_ACTION_GET_GP_SUMMARY);
  e.set_nhs_number("9990000018");
  for (const char* s : {"gp.demographics", "gp.medications", "gp.problems", "gp.allergies"}) {
    e.add_sections_released(s);
  }
  e.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  e.set_outcome(caregate::v1::AUDIT_OUTCOME_PERMIT);
  e.set_reason("CONSENT_PERMIT");
  e.set_consent_version(42);
  e.set_policy_version("2026-11-01");
  e.add_relationship_evidence("open_case:team=T12");
  e.set_request_id(absl::StrCat("req-", i));
  return e;
}

std::unique_ptr<audit::SqlAuditLog> OpenLog(absl::string_view name) {
  caregate::config::v1::StoreConfig store;
  store.mutable_sqlite()->set_path(TempPath(name));
  auto db = caregate::common::sql::Database::Open(store, "", "bench.store");
  auto signer = audit::TreeHeadSigner::Generate();
  if (!db.ok() || !signer.ok()) std::abort();
  auto log = audit::SqlAuditLog::Open(std::move(*db), std::move(*signer));
  if (!log.ok()) std::abort();
  return std::move(*log);
}

std::mutex g_log_mu;
std::unique_ptr<audit::SqlAuditLog> g_log;
std::atomic<int> g_counter{0};

void BM_AuditAppendDurable(benchmark::State& state) {
  if (state.thread_index() == 0) {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log = OpenLog(absl::StrCat("durable-", state.threads()));
  }
  // Google Benchmark starts the timed loop on every thread together, after
  // thread 0's setup above.
  for (auto _ : state) {
    auto index =
        g_log->Append(TypicalEntry(g_counter.fetch_add(1)), absl::Now() + absl::Seconds(30));
    if (!index.ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["commits"] = static_cast<double>(g_log->commits());
  }
}
BENCHMARK(BM_AuditAppendDurable)->Threads(1)->UseRealTime();
BENCHMARK(BM_AuditAppendDurable)->Threads(64)->UseRealTime();

// Raw inserts of the same bytes (entry, leaf hash and index columns) into the
// same table shape, one statement and one commit each.
void RawInserts(benchmark::State& state, bool synchronous) {
  sqlite3* db = nullptr;
  std::string path = TempPath(synchronous ? "raw-sync" : "raw-nosync");
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               synchronous ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           : "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
               nullptr, nullptr, nullptr);
  sqlite3_exec(db,
               "CREATE TABLE audit_entries (idx BIGINT PRIMARY KEY, entry BLOB NOT NULL, "
               "leaf_hash BLOB NOT NULL, time_us BIGINT NOT NULL, nhs_number TEXT NOT NULL, "
               "user_id TEXT NOT NULL, organisation TEXT NOT NULL, outcome INTEGER NOT NULL, "
               "action INTEGER NOT NULL, emergency INTEGER NOT NULL, reviewed_index BIGINT, "
               "review_outcome INTEGER);"
               "CREATE INDEX p ON audit_entries (nhs_number, idx);"
               "CREATE INDEX u ON audit_entries (user_id, idx);"
               "CREATE INDEX o ON audit_entries (organisation, idx);"
               "CREATE INDEX t ON audit_entries (time_us);"
               "CREATE INDEX e ON audit_entries (emergency, idx);"
               "CREATE INDEX r ON audit_entries (reviewed_index);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO audit_entries (idx, entry, leaf_hash, time_us, nhs_number, "
                     "user_id, organisation, outcome, action, emergency) VALUES "
                     "(?,?,?,?,?,?,?,?,?,?)",
                     -1, &stmt, nullptr);
  auto entry = TypicalEntry(0);
  std::string bytes = audit::EntryBytes(entry);
  std::string leaf = audit::HashToBytes(audit::LeafHash(bytes));
  int64_t index = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(stmt, 1, index++);
    sqlite3_bind_blob(stmt, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, leaf.data(), static_cast<int>(leaf.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, 1700000000000000);
    sqlite3_bind_text(stmt, 5, "9990000018", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, "555123456789", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, "E08000021", -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 8, 1);
    sqlite3_bind_int(stmt, 9, 1);
    sqlite3_bind_int(stmt, 10, 0);
    if (sqlite3_step(stmt) != SQLITE_DONE) state.SkipWithError("insert failed");
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
  state.counters["entry_bytes"] = static_cast<double>(bytes.size());
}

void BM_RawSqliteInsertSynchronous(benchmark::State& state) { RawInserts(state, true); }
void BM_RawSqliteInsertUnsynchronous(benchmark::State& state) { RawInserts(state, false); }
BENCHMARK(BM_RawSqliteInsertSynchronous)->UseRealTime();
BENCHMARK(BM_RawSqliteInsertUnsynchronous)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
