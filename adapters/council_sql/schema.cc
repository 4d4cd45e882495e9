#include "adapters/council_sql/schema.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace caregate::adapters::council_sql {
namespace {

using common::sql::Engine;
using common::sql::Value;

// One relation each: the table and its indexes. Keep in step with
// docs/council-schema.md.
const std::vector<std::pair<absl::string_view, absl::string_view>>& Relations() {
  static const auto* const relations =
      new std::vector<std::pair<absl::string_view, absl::string_view>>{
          {"council_person", R"sql(
CREATE TABLE IF NOT EXISTS council_person (
  la_person_id TEXT PRIMARY KEY,
  la_code TEXT NOT NULL,
  nhs_number TEXT NOT NULL,
  nhs_number_verified INTEGER NOT NULL DEFAULT 0,
  given_names TEXT,
  family_name TEXT,
  date_of_birth TEXT NOT NULL,
  date_of_death TEXT,
  gender TEXT NOT NULL,
  ethnicity TEXT,
  postcode TEXT,
  address_line1 TEXT,
  gp_practice_code TEXT,
  gp_practice_name TEXT,
  client_type TEXT,
  primary_support_reason TEXT,
  accommodation_status TEXT,
  employment_status TEXT,
  has_unpaid_carer TEXT,
  autism_spectrum_disorder TEXT,
  visual_impairment TEXT,
  hearing_impairment TEXT,
  dementia TEXT,
  client_funding_status TEXT,
  total_hrs_caring_per_week TEXT,
  no_of_adults_cared_for INTEGER,
  adult_1_linked_person_id TEXT,
  adult_2_linked_person_id TEXT,
  adult_3_linked_person_id TEXT
);
-- By NHS number, then person id: the person lookup's ORDER BY la_person_id
-- LIMIT 1 is read from the index instead of sorted in a temporary b-tree.
CREATE INDEX IF NOT EXISTS council_person_nhs_id ON council_person (nhs_number, la_person_id);
DROP INDEX IF EXISTS council_person_nhs;
)sql"},
          {"council_team", R"sql(
CREATE TABLE IF NOT EXISTS council_team (
  team_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  phone TEXT,
  email TEXT
);
)sql"},
          {"council_worker", R"sql(
CREATE TABLE IF NOT EXISTS council_worker (
  worker_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT,
  team_id TEXT,
  phone TEXT,
  email TEXT
);
)sql"},
          {"council_allocation", R"sql(
CREATE TABLE IF NOT EXISTS council_allocation (
  allocation_id TEXT PRIMARY KEY,
  la_person_id TEXT NOT NULL,
  worker_id TEXT,
  team_id TEXT,
  key_worker INTEGER NOT NULL DEFAULT 0,
  start_date TEXT,
  end_date TEXT
);
CREATE INDEX IF NOT EXISTS council_allocation_person
  ON council_allocation (la_person_id);
)sql"},
          {"council_personal_contact", R"sql(
CREATE TABLE IF NOT EXISTS council_personal_contact (
  contact_id TEXT PRIMARY KEY,
  la_person_id TEXT NOT NULL,
  name TEXT NOT NULL,
  relationship TEXT,
  support_roles TEXT,
  main_carer INTEGER NOT NULL DEFAULT 0,
  phone TEXT,
  email TEXT,
  lives_with_person INTEGER NOT NULL DEFAULT 0,
  start_date TEXT,
  end_date TEXT
);
CREATE INDEX IF NOT EXISTS council_personal_contact_person
  ON council_personal_contact (la_person_id);
)sql"},
          {"council_care_plan", R"sql(
CREATE TABLE IF NOT EXISTS council_care_plan (
  plan_id TEXT PRIMARY KEY,
  la_person_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_date TEXT,
  end_date TEXT,
  last_updated TEXT,
  next_review_due TEXT,
  summary TEXT,
  review_responsible TEXT
);
CREATE INDEX IF NOT EXISTS council_care_plan_person
  ON council_care_plan (la_person_id);
)sql"},
          {"council_event", R"sql(
CREATE TABLE IF NOT EXISTS council_event (
  event_key TEXT PRIMARY KEY,
  la_person_id TEXT NOT NULL,
  la_code TEXT NOT NULL,
  reporting_period_start_date TEXT,
  reporting_period_end_date TEXT,
  client_type TEXT,
  event_type TEXT,
  event_reference TEXT,
  event_start_date TEXT,
  event_end_date TEXT,
  event_description TEXT,
  event_outcome TEXT,
  request_route_of_access TEXT,
  assessment_type TEXT,
  eligible_needs_identified TEXT,
  method_of_assessment TEXT,
  service_type TEXT,
  service_component TEXT,
  delivery_mechanism TEXT,
  provider_cqc_location_id TEXT,
  provider_name TEXT,
  review_reason TEXT,
  review_outcomes_achieved TEXT,
  method_of_review TEXT,
  unit_cost DOUBLE PRECISION,
  cost_frequency_unit_type TEXT,
  planned_units_per_week DOUBLE PRECISION,
  direct_payment_managed_by TEXT
);
CREATE INDEX IF NOT EXISTS council_event_person ON council_event (la_person_id);
)sql"},
      };
  return *relations;
}

}  // namespace

absl::string_view CouncilSchemaSql() {
  static const std::string* const sql = [] {
    std::vector<absl::string_view> parts;
    for (const auto& [name, ddl] : Relations()) parts.push_back(ddl);
    return new std::string(absl::StrJoin(parts, "\n"));
  }();
  return *sql;
}

const std::vector<absl::string_view>& CouncilRelationNames() {
  static const auto* const names = [] {
    auto* v = new std::vector<absl::string_view>();
    for (const auto& [name, ddl] : Relations()) v->push_back(name);
    return v;
  }();
  return *names;
}

absl::Status EnsureCouncilSchema(common::sql::Connection& connection,
                                 absl::Time deadline) {
  // A relation may be a table or a view the council provides; only absent
  // ones are created, so a read-only login over council views works.
  const absl::string_view probe =
      connection.engine() == Engine::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?"
          : "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?"
            " AND table_schema = ANY (current_schemas(false))";
  for (const auto& [name, ddl] : Relations()) {
    auto rows = connection.Query(probe, {Value::Text(std::string(name))}, deadline);
    if (!rows.ok()) return rows.status();
    if (!rows->empty() && (*rows)[0][0].AsInt() > 0) continue;
    if (auto s = connection.ExecuteScript(ddl, deadline); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CreateCouncilSchema(common::sql::Connection& connection,
                                 absl::Time deadline) {
  return connection.ExecuteScript(CouncilSchemaSql(), deadline);
}

}  // namespace caregate::adapters::council_sql
