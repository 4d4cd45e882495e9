#ifndef CAREGATE_ADAPTERS_CLD_CSV_CLD_IMPORT_H_
#define CAREGATE_ADAPTERS_CLD_CSV_CLD_IMPORT_H_

#include <cstdint>
#include <istream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/sql/database.h"

namespace caregate::adapters::cld_csv {

// Imports Client Level Data into the council schema
// (adapters/council_sql/schema.h, docs/council-schema.md).
//
// The events file has the 46 CLD columns (Release 1 submission headers or
// Release 2 field names, any order, each exactly once) plus optional
// extension columns (cld_layout.h). The contacts file (optional) carries
// teams, workers, allocations, personal contacts and care plans in the
// layout documented in docs/council-schema.md.
//
// Every row is validated: NHS number check digit, ISO dates, exact code-list
// labels, numbers, and the CLD mandatory-when rules. Errors name the file,
// the line, the column and the rule, never the value. The import is one
// transaction: any error leaves the store unchanged. Rows are keyed (events
// by LA code + Event Reference, or the DHSC unique-event fields when there
// is no reference), so importing the same files again changes nothing. Both
// files are streamed: memory does not grow with the number of rows.
struct ImportStats {
  int64_t event_rows = 0;
  int64_t contact_rows = 0;
};

struct ImportInput {
  std::istream* events = nullptr;
  // Shown in error messages, e.g. the file name.
  std::string events_name = "events";
  std::istream* contacts = nullptr;  // optional
  std::string contacts_name = "contacts";
};

// Most errors reported from one import before giving up.
inline constexpr int kMaxReportedErrors = 20;

absl::StatusOr<ImportStats> ImportCld(const ImportInput& input,
                                      common::sql::Database& database,
                                      absl::Time deadline);

// Opens the files and imports them. `contacts_path` may be empty.
absl::StatusOr<ImportStats> ImportCldFiles(const std::string& events_path,
                                           const std::string& contacts_path,
                                           common::sql::Database& database,
                                           absl::Time deadline);

// The contacts file header, in order.
const std::vector<std::string>& ContactsHeader();

}  // namespace caregate::adapters::cld_csv

#endif  // CAREGATE_ADAPTERS_CLD_CSV_CLD_IMPORT_H_
