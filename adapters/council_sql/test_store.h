// Test helpers (header only, tests only): a council store on either engine,
// and CLD rows built from a valid default with per-column overrides.
#ifndef CAREGATE_ADAPTERS_COUNCIL_SQL_TEST_STORE_H_
#define CAREGATE_ADAPTERS_COUNCIL_SQL_TEST_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/council_sql/schema.h"
#include "common/sql/database.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace caregate::adapters::council_sql::testing {

inline absl::Time Soon() { return absl::Now() + absl::Seconds(60); }

inline std::string EngineName(const ::testing::TestParamInfo<common::sql::Engine>& info) {
  return info.param == common::sql::Engine::kSqlite ? "Sqlite" : "Postgres";
}

// Opens a fresh store on `engine` (a SQLite file under `dir`, or a new
// database on the shared PostgreSQL test server).
inline std::shared_ptr<common::sql::Database> OpenStore(common::sql::Engine engine,
                                                        const std::string& dir,
                                                        bool create_schema = true) {
  caregate::config::v1::StoreConfig store;
  if (engine == common::sql::Engine::kSqlite) {
    store.mutable_sqlite()->set_path("council.db");
  } else {
    auto pg = caregate::testing::PostgresServer::Shared();
    EXPECT_TRUE(pg.ok()) << pg.status();
    if (!pg.ok()) return nullptr;
    auto conninfo = (*pg)->CreateDatabase();
    EXPECT_TRUE(conninfo.ok()) << conninfo.status();
    if (!conninfo.ok()) return nullptr;
    store.mutable_postgres()->set_conninfo(*conninfo);
    store.mutable_postgres()->set_pool_size(2);
  }
  auto db = common::sql::Database::Open(store, dir, "test.store");
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  if (!create_schema) return std::shared_ptr<common::sql::Database>(std::move(*db));
  // The schema exists from the start, as it does once the gateway has opened
  // the store.
  auto lease = (*db)->Acquire(Soon());
  EXPECT_TRUE(lease.ok()) << lease.status();
  if (!lease.ok()) return nullptr;
  auto schema = EnsureCouncilSchema(**lease, Soon());
  EXPECT_TRUE(schema.ok()) << schema;
  if (!schema.ok()) return nullptr;
  lease = absl::InternalError("released");
  return std::shared_ptr<common::sql::Database>(std::move(*db));
}

using RowValues = std::map<int, std::string>;

// A valid Service event row for person P1 (NHS 9990000018).
inline RowValues DefaultRow() {
  using namespace caregate::adapters::cld_csv;
  return {
      {kLaCode, "X99LA"},
      {kReportingPeriodStartDate, "2026-07-01"},
      {kReportingPeriodEndDate, "2026-09-30"},
      {kNhsNumber, "9990000018"},
      {kLaPersonId, "P1"},
      {kGpPracticeCode, "A99001"},
      {kGender, "Female"},
      {kEthnicity, "White: English, Welsh, Scottish, Northern Irish or British"},
      {kDateOfBirth, "1940-03-02"},
      {kClientType, "Service user"},
      {kPrimarySupportReason, "Physical Support: Personal care support"},
      {kPostcode, "NE1 4AB"},
      {kAccommodationStatus, "Owner occupier or shared ownership scheme"},
      {kHasUnpaidCarer, "Yes"},
      {kClientFundingStatus, "Fully social care funded"},
      {kEventType, "Service"},
      {kEventReference, "S-1"},
      {kEventStartDate, "2026-01-10"},
      {kEventOutcome, "Continuation of support or services"},
      {kServiceType, "Long term support: Community"},
      {kServiceComponent, "Home support or domiciliary care"},
      {kDeliveryMechanism, "CASSR commissioned support"},
      {kCostFrequency, "Hourly"},
      {kPlannedUnitsPerWeek, "10.5"},
      {kGivenName, "Margaret"},
      {kFamilyName, "Hall"},
      {kProviderName, "Tyneside Home Care"},
  };
}

// Quotes a CSV field when needed (RFC 4180).
inline std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// An events file: the 46 CLD headers plus Given Name, Family Name, Provider
// Name, then one line per row.
inline std::string EventsCsv(const std::vector<RowValues>& rows) {
  using namespace caregate::adapters::cld_csv;
  std::vector<int> columns;
  for (int c = 0; c < kCldColumnCount; ++c) columns.push_back(c);
  columns.push_back(kGivenName);
  columns.push_back(kFamilyName);
  columns.push_back(kProviderName);
  columns.push_back(kDirectPaymentManagedBy);
  std::vector<std::string> header;
  for (int c : columns) header.push_back(std::string(Labels(c).header));
  std::string out = absl::StrCat(absl::StrJoin(header, ","), "\r\n");
  for (const RowValues& row : rows) {
    std::vector<std::string> cells;
    for (int c : columns) {
      auto it = row.find(c);
      cells.push_back(it == row.end() ? "" : CsvField(it->second));
    }
    absl::StrAppend(&out, absl::StrJoin(cells, ","), "\r\n");
  }
  return out;
}

inline RowValues With(RowValues row, const RowValues& overrides) {
  for (const auto& [k, v] : overrides) row[k] = v;
  return row;
}

}  // namespace caregate::adapters::council_sql::testing

#endif  // CAREGATE_ADAPTERS_COUNCIL_SQL_TEST_STORE_H_
