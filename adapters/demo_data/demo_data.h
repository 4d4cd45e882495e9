#ifndef CAREGATE_ADAPTERS_DEMO_DATA_DEMO_DATA_H_
#define CAREGATE_ADAPTERS_DEMO_DATA_DEMO_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "adapters/cld_csv/cld_import.h"
#include "common/sql/database.h"

namespace caregate::adapters::demo_data {

// Synthetic people for the embedded demo and for tests and benches. Nothing
// here is real: NHS numbers are in the 999 test range (Modulus 11 valid),
// names, streets and postcodes are drawn from fixed lists, practices are
// A99001/A99002 and the council is X99LA.
struct DemoDataOptions {
  int people = 50;
  uint64_t seed = 1;
  // Dates (service starts, plan reviews, ages) are laid out around this day,
  // so that the same options always give the same files.
  absl::CivilDay reference_day = absl::CivilDay(2026, 11, 1);
  std::string council_code = "X99LA";
  // Write the GP Connect bundles (and gp/index.json). The council files are
  // always written.
  bool write_gp_bundles = true;
};

// Layout of the output directory.
inline constexpr absl::string_view kEventsFile = "cld-events.csv";
inline constexpr absl::string_view kContactsFile = "cld-contacts.csv";
inline constexpr absl::string_view kGpDir = "gp";
inline constexpr absl::string_view kGpIndexFile = "index.json";

// Writes, under `out_dir` (created when absent):
//   cld-events.csv     the 46 CLD columns + extension columns, one row per event
//   cld-contacts.csv   teams, workers, allocations, personal contacts, plans
//   gp/<nhs>.json      a GP Connect STU3 structured-record Bundle per living person
//   gp/index.json      {"<nhs number>": "<file name>"} for the bundle directory
// Same options, same bytes. Every 10th person (index 3 mod 10) has a
// different postcode in the GP record, and every 10th (7 mod 10) a given
// name spelled differently, for the identity cross-check to show.
absl::Status WriteDemoData(const DemoDataOptions& options, const std::string& out_dir);

// Imports the council files written by WriteDemoData into `database`.
absl::StatusOr<cld_csv::ImportStats> ImportDemoData(const std::string& out_dir,
                                                    common::sql::Database& database,
                                                    absl::Time deadline);

// The NHS number of demo person `index` for `seed` (ten digits, 999...).
std::string DemoNhsNumber(uint64_t seed, int index);

}  // namespace caregate::adapters::demo_data

#endif  // CAREGATE_ADAPTERS_DEMO_DATA_DEMO_DATA_H_
