#ifndef CAREGATE_ADAPTERS_COUNCIL_SQL_COUNCIL_SQL_SOURCE_H_
#define CAREGATE_ADAPTERS_COUNCIL_SQL_COUNCIL_SQL_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/social_care_source.h"
#include "caregate/config/v1/config.pb.h"
#include "common/clock.h"
#include "common/sql/database.h"

namespace caregate::adapters::council_sql {

// SocialCareSource over the council schema (docs/council-schema.md) on SQLite
// or PostgreSQL.
//
// Each reading reads the person's rows in one read transaction; on SQLite a
// store connection remembers them until the file changes
// (Connection::remembered), so asking again for the same person runs no
// queries. Mapping rules (dates compared with today's date in England):
// - Unknown NHS number: NOT_FOUND (reason PATIENT_NOT_FOUND).
// - Workers: allocations with no end date or ending today or later; the key
//   worker first, then by start date and name.
// - Personal contacts: current ones; the main carer first.
// - Care plan: no plan rows -> NO_PLAN_IN_PLACE. Otherwise the current plan
//   (not ended, latest start) is ACTIVE, DRAFT, or REVIEW_DUE when its next
//   review date is before today; with only ended plans, the latest is ENDED.
//   NOT_SHARED is never produced here.
// - Services: Service events with no end date or ending today or later;
//   those delivered as a direct payment are also listed as direct payments.
// - Deceased (date of death recorded): demographics.date_of_death is set,
//   age is the age at death, services and direct payments are treated as
//   ended on the date of death, and a current plan is reported as ENDED.
//   Allocations stay as recorded (the case may stay open while it is
//   closed down).
class CouncilSqlSource : public SocialCareSource {
 public:
  // Opens the store named by `config.store` (relative SQLite paths under
  // data_dir) and creates the schema when absent.
  static absl::StatusOr<std::unique_ptr<CouncilSqlSource>> Create(
      const caregate::config::v1::CouncilSqlConfig& config,
      absl::string_view data_dir, const common::Clock* clock);
  // Over an open database (shared with an importer, a bench or a test).
  static absl::StatusOr<std::unique_ptr<CouncilSqlSource>> Create(
      const caregate::config::v1::CouncilSqlConfig& config,
      std::shared_ptr<common::sql::Database> database, const common::Clock* clock);

  absl::StatusOr<std::unique_ptr<CouncilReading>> StartReading(
      const SourceRequest& request) override;

 private:
  CouncilSqlSource(caregate::config::v1::CouncilSqlConfig config,
                   std::shared_ptr<common::sql::Database> database,
                   const common::Clock* clock)
      : config_(std::move(config)), database_(std::move(database)), clock_(clock) {}

  caregate::config::v1::CouncilSqlConfig config_;
  std::shared_ptr<common::sql::Database> database_;
  const common::Clock* clock_;
};

}  // namespace caregate::adapters::council_sql

namespace caregate::adapters {

// The social care source the configuration names (the `kind` oneof).
// INVALID_ARGUMENT (reason INVALID_CONFIG) when none is configured.
absl::StatusOr<std::unique_ptr<SocialCareSource>> CreateSocialCareSource(
    const caregate::config::v1::SocialCareSourceConfig& config,
    const caregate::config::v1::CaregateConfig& caregate_config,
    const common::Clock* clock = common::Clock::Real());

}  // namespace caregate::adapters

#endif  // CAREGATE_ADAPTERS_COUNCIL_SQL_COUNCIL_SQL_SOURCE_H_
