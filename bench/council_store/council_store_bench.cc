// Council store speed, each beside a ceiling measured in the same run:
//   BM_ImportCld            caregatectl import-cld's library path (CSV parse,
//                           validation, upserts in one transaction) on SQLite
//   BM_RawSqliteBulkInsert  the same event rows, pre-parsed in memory, inserted
//                           with one prepared sqlite3 statement in one
//                           transaction: the ceiling for the import
//   BM_Summary              one-person GetSocialCareSummary on a
//                           100,000-person SQLite store
//                           (a different person each time: every reading
//                           runs its five queries)
//   BM_SummaryRemembered    the same person each time: the record a store
//                           connection remembers, one read transaction
//   BM_Relationship         GetRelationship on the same store
//   BM_RawSqlitePersonLookup  one prepared SELECT of the person row by NHS
//                           number on the same file: the ceiling for queries
//
// Run: ninja -C build council_store_bench &&
//      build/bench/council_store/council_store_bench

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "adapters/cld_csv/cld_import.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/cld_csv/csv_reader.h"
#include "adapters/council_sql/council_sql_source.h"
#include "adapters/demo_data/demo_data.h"
#include "common/clock.h"
#include "tests/support/process.h"

namespace {

using caregate::adapters::demo_data::DemoDataOptions;
namespace demo = caregate::adapters::demo_data;
namespace sql = caregate::common::sql;

constexpr int kImportPeople = 2000;
constexpr int kQueryPeople = 100000;

absl::Time Later() { return absl::Now() + absl::Hours(1); }

caregate::testing::TempDir& Dir() {
  static auto* dir = new caregate::testing::TempDir();
  return *dir;
}

std::unique_ptr<sql::Database> OpenSqlite(const std::string& path) {
  caregate::config::v1::StoreConfig store;
  store.mutable_sqlite()->set_path(path);
  auto db = sql::Database::Open(store, Dir().path(), "bench.store");
  if (!db.ok()) {
    fprintf(stderr, "%s\n", std::string(db.status().message()).c_str());
    abort();
  }
  return std::move(*db);
}

const std::string& ImportFiles() {
  static const std::string* dir = [] {
    auto* d = new std::string(Dir().path() + "/import");
    DemoDataOptions o;
    o.people = kImportPeople;
    o.write_gp_bundles = false;
    if (!demo::WriteDemoData(o, *d).ok()) abort();
    return d;
  }();
  return *dir;
}

void BM_ImportCld(benchmark::State& state) {
  const std::string& files = ImportFiles();
  int run = 0;
  int64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string path = absl::StrCat("import-", run++, ".db");
    auto db = OpenSqlite(path);
    state.ResumeTiming();
    auto stats = demo::ImportDemoData(files, *db, Later());
    if (!stats.ok()) {
      state.SkipWithError(std::string(stats.status().message()).c_str());
      return;
    }
    rows = stats->event_rows;
    state.PauseTiming();
    db.reset();
    std::filesystem::remove(Dir().path() + "/" + path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["event_rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_ImportCld)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_RawSqliteBulkInsert(benchmark::State& state) {
  // The same event rows, parsed once outside the timing.
  std::vector<std::vector<std::string>> rows;
  {
    std::ifstream in(ImportFiles() + "/" + std::string(demo::kEventsFile), std::ios::binary);
    caregate::adapters::cld_csv::CsvReader reader(&in);
    std::vector<std::string> f;
    (void)reader.Next(&f);  // header
    while (*reader.Next(&f)) rows.push_back(f);
  }
  const size_t columns = rows.front().size();
  std::string create = "CREATE TABLE raw_event (event_reference TEXT PRIMARY KEY";
  std::string insert = "INSERT OR REPLACE INTO raw_event VALUES (?";
  for (size_t c = 1; c < columns; ++c) {
    absl::StrAppend(&create, ", c", c, " TEXT");
    absl::StrAppend(&insert, ", ?");
  }
  create += ")";
  insert += ")";
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string path = absl::StrCat(Dir().path(), "/raw-", run++, ".db");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    // The same durability settings as the SQL layer (WAL, synchronous=FULL).
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr,
                 nullptr);
    sqlite3_exec(db, create.c_str(), nullptr, nullptr, nullptr);
    state.ResumeTiming();
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, insert.c_str(), -1, &stmt, nullptr);
    const int ref = caregate::adapters::cld_csv::kEventReference;
    for (const auto& row : rows) {
      sqlite3_bind_text(stmt, 1, row[ref].data(), static_cast<int>(row[ref].size()),
                        SQLITE_STATIC);
      int p = 2;
      for (size_t c = 0; c < columns; ++c) {
        if (static_cast<int>(c) == ref) continue;
        sqlite3_bind_text(stmt, p++, row[c].data(), static_cast<int>(row[c].size()),
                          SQLITE_STATIC);
      }
      if (sqlite3_step(stmt) != SQLITE_DONE) {
        state.SkipWithError(sqlite3_errmsg(db));
        break;
      }
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    state.PauseTiming();
    sqlite3_close(db);
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
}
BENCHMARK(BM_RawSqliteBulkInsert)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

// The 100,000-person store, built once.
struct QueryStore {
  std::shared_ptr<sql::Database> db;
  std::unique_ptr<caregate::adapters::council_sql::CouncilSqlSource> source;
  std::string path;
  std::vector<std::string> nhs;
};

QueryStore& Store() {
  static QueryStore* store = [] {
    auto* s = new QueryStore();
    std::string files = Dir().path() + "/query";
    DemoDataOptions o;
    o.people = kQueryPeople;
    o.write_gp_bundles = false;
    if (!demo::WriteDemoData(o, files).ok()) abort();
    s->path = Dir().path() + "/query.db";
    s->db = OpenSqlite("query.db");
    auto stats = demo::ImportDemoData(files, *s->db, Later());
    if (!stats.ok()) abort();
    caregate::config::v1::CouncilSqlConfig config;
    config.set_council_ods_code("X99LA");
    auto source = caregate::adapters::council_sql::CouncilSqlSource::Create(
        config, s->db, caregate::common::Clock::Real());
    if (!source.ok()) abort();
    s->source = std::move(*source);
    // A deterministic sample of people to ask about, four times as many as a
    // store connection remembers, so that every reading runs its queries.
    for (int i = 0; i < 16384; ++i) {
      s->nhs.push_back(demo::DemoNhsNumber(o.seed, (i * 7919) % kQueryPeople));
    }
    return s;
  }();
  return *store;
}

// Asks the store for one person after another, through `ask`.
template <typename Ask>
void AskEachPerson(benchmark::State& state, Ask ask) {
  QueryStore& s = Store();
  size_t i = 0;
  for (auto _ : state) {
    caregate::adapters::SourceRequest r;
    r.nhs_number = s.nhs[i++ % s.nhs.size()];
    r.deadline = absl::Now() + absl::Seconds(5);
    auto answer = ask(*s.source, r);
    if (!answer.ok()) {
      state.SkipWithError(std::string(answer.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Summary(benchmark::State& state) {
  AskEachPerson(state, [](auto& source, const auto& r) { return source.GetSocialCareSummary(r); });
}
BENCHMARK(BM_Summary)->MinTime(2.0)->UseRealTime();

// The same person again and again: after the first, each reading is one read
// transaction and the record the connection remembers.
void BM_SummaryRemembered(benchmark::State& state) {
  QueryStore& s = Store();
  caregate::adapters::SourceRequest r;
  r.nhs_number = s.nhs.front();
  for (auto _ : state) {
    r.deadline = absl::Now() + absl::Seconds(5);
    auto answer = s.source->GetSocialCareSummary(r);
    if (!answer.ok()) {
      state.SkipWithError(std::string(answer.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SummaryRemembered)->MinTime(2.0)->UseRealTime();

void BM_Relationship(benchmark::State& state) {
  AskEachPerson(state, [](auto& source, const auto& r) { return source.GetRelationship(r); });
}
BENCHMARK(BM_Relationship)->MinTime(2.0)->UseRealTime();

void BM_RawSqlitePersonLookup(benchmark::State& state) {
  QueryStore& s = Store();
  sqlite3* db = nullptr;
  sqlite3_open_v2(s.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT la_person_id, given_names, family_name, date_of_birth, postcode "
                     "FROM council_person WHERE nhs_number = ?",
                     -1, &stmt, nullptr);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& nhs = s.nhs[i++ % s.nhs.size()];
    sqlite3_bind_text(stmt, 1, nhs.data(), static_cast<int>(nhs.size()), SQLITE_STATIC);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      benchmark::DoNotOptimize(sqlite3_column_text(stmt, 0));
      ++rows;
    }
    sqlite3_reset(stmt);
    if (rows != 1) {
      state.SkipWithError("person not found");
      break;
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSqlitePersonLookup)->MinTime(2.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
