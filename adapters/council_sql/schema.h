#ifndef CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_
#define CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/sql/database.h"

namespace caregate::adapters::council_sql {

// The council schema (docs/council-schema.md): one portable DDL for SQLite
// and PostgreSQL. Every statement is `CREATE ... IF NOT EXISTS`, so running
// it on an existing store changes nothing. Types are limited to TEXT,
// INTEGER and DOUBLE PRECISION, which both engines read the same way; dates
// are ISO 8601 TEXT (YYYY-MM-DD).
absl::string_view CouncilSchemaSql();

// The tables (or views) the schema names, in creation order.
const std::vector<absl::string_view>& CouncilRelationNames();

// Creates each table (with its indexes) that is absent. A relation that
// already exists, as a table or as a view the council provides, is left
// alone, so the gateway can open a council's read-only views.
absl::Status EnsureCouncilSchema(common::sql::Connection& connection,
                                 absl::Time deadline);

// Runs the whole DDL (every statement is IF NOT EXISTS). Used inside the
// import transaction, which needs writable tables anyway.
absl::Status CreateCouncilSchema(common::sql::Connection& connection,
                                 absl::Time deadline);

}  // namespace caregate::adapters::council_sql

#endif  // CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_
