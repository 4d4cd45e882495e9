#ifndef CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_
#define CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_

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

// Creates the schema when absent.
absl::Status EnsureCouncilSchema(common::sql::Connection& connection,
                                 absl::Time deadline);

}  // namespace caregate::adapters::council_sql

#endif  // CAREGATE_ADAPTERS_COUNCIL_SQL_SCHEMA_H_
