#include "consent/ledger/sql_consent_ledger.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace caregate::consent::ledger {
namespace {

using common::sql::Connection;
using common::sql::Engine;
using common::sql::Value;

constexpr char kSqliteSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS consent_facts (
  nhs_number TEXT NOT NULL,
  version BIGINT NOT NULL,
  direction INTEGER NOT NULL,
  fact BLOB NOT NULL,
  hash BLOB NOT NULL,
  previous_hash BLOB NOT NULL,
  audit_index BIGINT NOT NULL,
  PRIMARY KEY (nhs_number, version));
CREATE TRIGGER IF NOT EXISTS consent_facts_no_update BEFORE UPDATE ON consent_facts
BEGIN SELECT RAISE(ABORT, 'consent ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS consent_facts_no_delete BEFORE DELETE ON consent_facts
BEGIN SELECT RAISE(ABORT, 'consent ledger is append-only'); END;
)sql";

constexpr char kPostgresSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS consent_facts (
  nhs_number TEXT NOT NULL,
  version BIGINT NOT NULL,
  direction INTEGER NOT NULL,
  fact BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  previous_hash BYTEA NOT NULL,
  audit_index BIGINT NOT NULL,
  PRIMARY KEY (nhs_number, version));
CREATE OR REPLACE FUNCTION consent_facts_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'consent ledger is append-only'; END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS consent_facts_append_only ON consent_facts;
CREATE TRIGGER consent_facts_append_only BEFORE UPDATE OR DELETE ON consent_facts
FOR EACH ROW EXECUTE FUNCTION consent_facts_append_only();
)sql";

absl::StatusOr<ConsentFact> Parse(const Value& v) {
  ConsentFact f;
  if (!f.ParseFromString(v.AsText())) {
    return common::WithReason(absl::InternalError("consent ledger: a stored fact does not parse"),
                              common::kReasonConsentLedgerCorrupt);
  }
  return f;
}

}  // namespace

SqlConsentLedger::SqlConsentLedger(std::unique_ptr<common::sql::Database> db, Remember remember)
    : db_(std::move(db)),
      remembered_(remember == Remember::kHistories ? std::make_unique<Remembered>() : nullptr) {}

absl::StatusOr<std::unique_ptr<SqlConsentLedger>> SqlConsentLedger::Create(
    std::unique_ptr<common::sql::Database> db, absl::Time deadline, Remember remember) {
  if (db == nullptr) return absl::InvalidArgumentError("consent ledger: no database");
  auto lease = db->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  const bool pg = (*lease)->engine() == Engine::kPostgres;
  if (auto s = (*lease)->ExecuteScript(pg ? kPostgresSchema : kSqliteSchema, deadline); !s.ok()) {
    return s;
  }
  return std::unique_ptr<SqlConsentLedger>(new SqlConsentLedger(std::move(db), remember));
}

absl::StatusOr<std::unique_ptr<SqlConsentLedger>> SqlConsentLedger::Open(
    const caregate::config::v1::StoreConfig& store, absl::string_view data_dir) {
  const bool sqlite = store.has_sqlite();
  auto db = common::sql::Database::Open(
      store, data_dir, "consent.store",
      sqlite ? common::sql::Sharing::kThisProcessOnly : common::sql::Sharing::kShared);
  if (!db.ok()) return db.status();
  return Create(*std::move(db), absl::Now() + absl::Seconds(30),
                sqlite ? Remember::kHistories : Remember::kNothing);
}

absl::StatusOr<ConsentFact> SqlConsentLedger::Append(ConsentFact fact,
                                                     const BeforeCommit& before_commit,
                                                     absl::Time deadline) {
  ConsentFact stored;
  if (remembered_ != nullptr) {
    absl::MutexLock lock(&remembered_->mu);
    ++remembered_->changing;
    ++remembered_->changes;
  }
  // A retry (busy / serialisation failure) is safe only before the audit
  // entry was written; after it, a failure is final.
  bool audited = false;
  absl::Status s = db_->InTransaction(deadline, [&](Connection& c) -> absl::Status {
    if (audited) return absl::UnavailableError("consent ledger: the change could not be committed");
    if (c.engine() == Engine::kPostgres) {
      auto locked = c.Query("SELECT pg_advisory_xact_lock(hashtext(?))",
                            {Value::Text(fact.nhs_number())}, deadline);
      if (!locked.ok()) return locked.status();
    }
    auto rows =
        c.Query("SELECT fact FROM consent_facts WHERE nhs_number = ? ORDER BY version DESC LIMIT 1",
                {Value::Text(fact.nhs_number())}, deadline);
    if (!rows.ok()) return rows.status();
    ConsentFact next = fact;
    if (rows->empty()) {
      Chain(nullptr, &next);
    } else {
      auto previous = Parse((*rows)[0][0]);
      if (!previous.ok()) return previous.status();
      Chain(&*previous, &next);
    }
    auto index = before_commit(next);
    if (!index.ok()) return index.status();
    audited = true;
    next.set_audit_index(*index);
    std::string bytes;
    next.SerializeToString(&bytes);
    auto inserted = c.Execute(
        "INSERT INTO consent_facts (nhs_number, version, direction, fact, hash, previous_hash, "
        "audit_index) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {Value::Text(next.nhs_number()), Value::Int(static_cast<int64_t>(next.version())),
         Value::Int(next.direction()), Value::Blob(bytes), Value::Blob(next.hash()),
         Value::Blob(next.previous_hash()), Value::Int(static_cast<int64_t>(*index))},
        deadline);
    if (!inserted.ok()) return inserted.status();
    stored = std::move(next);
    return absl::OkStatus();
  });
  if (remembered_ != nullptr) {
    // Forgotten even when the commit failed: the store decides what is true.
    absl::MutexLock lock(&remembered_->mu);
    --remembered_->changing;
    ++remembered_->changes;
    remembered_->people.erase(fact.nhs_number());
  }
  if (!s.ok()) return s;
  return stored;
}

absl::StatusOr<FactHistory> SqlConsentLedger::History(absl::string_view nhs_number,
                                                      absl::Time deadline) {
  if (remembered_ == nullptr) return ReadHistory(nhs_number, deadline);
  uint64_t changes;
  {
    absl::MutexLock lock(&remembered_->mu);
    if (remembered_->changing == 0) {
      auto it = remembered_->people.find(nhs_number);
      if (it != remembered_->people.end()) return it->second;
    }
    changes = remembered_->changes;
  }
  auto history = ReadHistory(nhs_number, deadline);
  if (!history.ok()) return history.status();
  absl::MutexLock lock(&remembered_->mu);
  if (remembered_->changing == 0 && remembered_->changes == changes) {
    if (remembered_->people.size() >= Remembered::kMaxPeople) remembered_->people.clear();
    remembered_->people.emplace(nhs_number, *history);
  }
  return history;
}

absl::StatusOr<FactHistory> SqlConsentLedger::ReadHistory(absl::string_view nhs_number,
                                                          absl::Time deadline) {
  auto lease = db_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  auto rows =
      (*lease)->Query("SELECT fact FROM consent_facts WHERE nhs_number = ? ORDER BY version",
                      {Value::Text(std::string(nhs_number))}, deadline);
  if (!rows.ok()) return rows.status();
  auto history = std::make_shared<std::vector<ConsentFact>>();
  history->reserve(rows->size());
  for (const auto& row : *rows) {
    auto f = Parse(row[0]);
    if (!f.ok()) return f.status();
    if (f->nhs_number() != nhs_number) {
      return common::WithReason(absl::InternalError("consent ledger: a fact is filed under "
                                                    "another person"),
                                common::kReasonConsentLedgerCorrupt);
    }
    history->push_back(*std::move(f));
  }
  if (auto s = VerifyChain(*history); !s.ok()) return s;
  return history;
}

absl::StatusOr<uint64_t> SqlConsentLedger::LatestVersion(absl::string_view nhs_number,
                                                         absl::Time deadline) {
  if (remembered_ != nullptr) {
    auto history = History(nhs_number, deadline);
    if (!history.ok()) return history.status();
    return (*history)->empty() ? 0 : (*history)->back().version();
  }
  auto lease = db_->Acquire(deadline);
  if (!lease.ok()) return lease.status();
  auto rows = (*lease)->Query("SELECT MAX(version) FROM consent_facts WHERE nhs_number = ?",
                              {Value::Text(std::string(nhs_number))}, deadline);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0][0].is_null()) return 0;
  return static_cast<uint64_t>((*rows)[0][0].AsInt());
}

}  // namespace caregate::consent::ledger
