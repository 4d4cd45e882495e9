#ifndef CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_
#define CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
//
// Remembered histories: a ledger whose store no one else can write (a SQLite
// file this process holds exclusively, which is how Open opens one) keeps
// each person's verified history in memory once read, so the two ledger reads
// of every request (the decision and the re-check) cost no SQL. It stays
// exact because every write passes through Append: while any Append is in
// progress every read goes to the store, a read that overlapped an Append is
// not remembered, and the person's history is forgotten when the Append ends.
// So no read returns a history older than one an earlier read returned. A
// PostgreSQL ledger is shared by every gateway and is read each time.
class SqlConsentLedger : public ConsentLedger {
 public:
  enum class Remember { kNothing, kHistories };

  // Takes the database and creates the schema if absent. kHistories is only
  // correct when nothing but this object writes to `db`.
  static absl::StatusOr<std::unique_ptr<SqlConsentLedger>> Create(
      std::unique_ptr<common::sql::Database> db, absl::Time deadline,
      Remember remember = Remember::kNothing);
  // Opens consent.store (paths relative to data_dir) and creates the schema.
  // A SQLite file is opened for this process only (common::sql::Sharing::
  // kThisProcessOnly) and its histories are remembered.
  static absl::StatusOr<std::unique_ptr<SqlConsentLedger>> Open(
      const caregate::config::v1::StoreConfig& store, absl::string_view data_dir);

  absl::StatusOr<ConsentFact> Append(ConsentFact fact, const BeforeCommit& before_commit,
                                     absl::Time deadline) override;
  absl::StatusOr<FactHistory> History(absl::string_view nhs_number,
                                      absl::Time deadline) override;
  absl::StatusOr<uint64_t> LatestVersion(absl::string_view nhs_number,
                                         absl::Time deadline) override;

  common::sql::Database* database() { return db_.get(); }

 private:
  // The histories read so far, when they are remembered.
  struct Remembered {
    // Histories are forgotten all at once beyond this many people, which
    // bounds the memory without bookkeeping per read.
    static constexpr size_t kMaxPeople = 100'000;
    absl::Mutex mu;
    // Appends in progress: while any is, nothing is answered from memory.
    int changing ABSL_GUARDED_BY(mu) = 0;
    // Bumped when an Append starts and when it ends: a read that overlapped
    // either is not remembered.
    uint64_t changes ABSL_GUARDED_BY(mu) = 0;
    absl::flat_hash_map<std::string, FactHistory> people ABSL_GUARDED_BY(mu);
  };

  SqlConsentLedger(std::unique_ptr<common::sql::Database> db, Remember remember);
  absl::StatusOr<FactHistory> ReadHistory(absl::string_view nhs_number, absl::Time deadline);

  std::unique_ptr<common::sql::Database> db_;
  const std::unique_ptr<Remembered> remembered_;  // null: read every time
};

}  // namespace caregate::consent::ledger

#endif  // CAREGATE_CONSENT_LEDGER_SQL_CONSENT_LEDGER_H_
