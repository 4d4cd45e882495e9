#ifndef CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_
#define CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "caregate/config/v1/config.pb.h"
#include "common/sql/database.h"
#include "consent/ledger/consent_ledger.h"

namespace caregate::consent::ledger {

// The consent ledger on SQLite or PostgreSQL (common/sql), schema:
//
//   consent_facts(nhs_number TEXT, version BIGINT, direction INTEGER,
//                 fact BLOB|BYTEA, hash BLOB|BYTEA, previous_hash BLOB|BYTEA,
//                 audit_index BIGINT, PRIMARY KEY (nhs_number, version))
//
// `fact` is the ConsentFact's deterministic serialisation (the hash covers
// CanonicalBytes of it); the other columns are copies for queries. Triggers
// refuse UPDATE and DELETE, so the table is append-only even to a careless
// operator; a row changed behind the triggers' back is caught by the hash chain
// on the next read (INTERNAL, CONSENT_LEDGER_CORRUPT).
//
// Appends for one person are serialised: SQLite's BEGIN IMMEDIATE, and on
// PostgreSQL a transaction-scoped advisory lock on the NHS number, taken
// before the previous version is read, so the audit entry written inside the
// transaction always describes the version that is committed.
class SqlConsentLedger : public ConsentLedger {
 public:
  // Takes the database and creates the schema if absent.
  static absl::StatusOr<std::unique_ptr<SqlConsentLedger>> Create(
      std::unique_ptr<common::sql::Database> db, absl::Time deadline);
  // Opens consent.store (paths relative to data_dir) and creates the schema.
  static absl::StatusOr<std::unique_ptr<SqlConsentLedger>> Open(
      const caregate::config::v1::StoreConfig& store, absl::string_view data_dir);

  absl::StatusOr<ConsentFact> Append(ConsentFact fact, const BeforeCommit& before_commit,
                                     absl::Time deadline) override;
  absl::StatusOr<std::vector<ConsentFact>> History(absl::string_view nhs_number,
                                                   absl::Time deadline) override;
  absl::StatusOr<uint64_t> LatestVersion(absl::string_view nhs_number,
                                         absl::Time deadline) override;

  common::sql::Database* database() { return db_.get(); }

 private:
  explicit SqlConsentLedger(std::unique_ptr<common::sql::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<common::sql::Database> db_;
};

}  // namespace caregate::consent::ledger

#endif  // CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_
