#ifndef CAREGATE_CONSENT_LEDGER_CONSENT_LEDGER_H_
#define CAREGATE_CONSENT_LEDGER_CONSENT_LEDGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "caregate/v1/consent.pb.h"

namespace caregate::consent::ledger {

using caregate::v1::ConsentFact;
using caregate::v1::ConsentStatus;

// A person's facts, oldest first: shared and immutable, so a decision can keep
// the facts it read without copying them. Never null.
using FactHistory = std::shared_ptr<const std::vector<ConsentFact>>;

// Checks a fact before it is recorded; the error (INVALID_ARGUMENT, reason
// INVALID_CONSENT, or INVALID_NHS_NUMBER) names the field and the rule:
//   nhs_number (Modulus 11), direction (specified), decision (PERMIT or
//   DISSENT for a record; WITHDRAWN for a withdrawal), decided_by.kind
//   (specified; a property-and-financial attorney is refused), decided_by.name
//   and registration_reference for an attorney or deputy, decided_by.name,
//   decision_date and reason for a best-interests decision, method
//   (specified), valid_from/valid_until (YYYY-MM-DD, until not before from),
//   free-text fields (at most 2000 characters, valid UTF-8; control characters
//   are stored as given and escaped when shown).
// `fact.nhs_number` must already be normalised (ten digits).
absl::Status ValidateFact(const ConsentFact& fact);

// The bytes a fact's hash covers: the deterministic serialisation of the fact
// with hash and audit_index cleared (audit_index is assigned while the fact is
// being committed; the audit entry itself names the fact's version).
std::string CanonicalBytes(const ConsentFact& fact);
// SHA-256 of CanonicalBytes (raw 32 bytes).
std::string FactHash(const ConsentFact& fact);

// Checks a person's history: versions 1..n in order, each hash correct and
// linked to the one before. INTERNAL, reason CONSENT_LEDGER_CORRUPT, when not.
absl::Status VerifyChain(const std::vector<ConsentFact>& history);

// The state per direction at `now`, from a verified history (oldest first).
// The latest fact of a direction decides it: WITHDRAWN → NONE; PERMIT or
// DISSENT → NOT_YET_VALID before valid_from, EXPIRED after valid_until
// (inclusive dates in Europe/London), otherwise PERMITTED / DISSENTED.
// Always lists the three directions; `version` is the latest version.
ConsentStatus EvaluateStatus(const std::vector<ConsentFact>& history, absl::Time now);

// The consent ledger: per person, an append-only, versioned list of facts,
// each linked by hash to the one before. Implementations: SqlConsentLedger
// (SQLite / PostgreSQL, consent/ledger/sql_consent_ledger.h) and
// MemoryConsentLedger (tests, benchmarks).
//
// Thread-safety: implementations are safe to call from many threads at once.
class ConsentLedger {
 public:
  // Called with the fact exactly as it will be stored (version and hashes
  // assigned) before it is committed; returns the audit index of the entry
  // that records the change. If it fails, nothing is stored and Append returns
  // its error.
  using BeforeCommit = std::function<absl::StatusOr<uint64_t>(const ConsentFact&)>;

  virtual ~ConsentLedger() = default;

  // Appends `fact` as the person's next version: assigns version (previous +
  // 1), previous_hash and hash, calls `before_commit`, stores the fact with its
  // audit_index and returns it. Concurrent appends for one person are
  // serialised (ledger order decides). The caller validates first.
  virtual absl::StatusOr<ConsentFact> Append(ConsentFact fact, const BeforeCommit& before_commit,
                                             absl::Time deadline) = 0;

  // Every fact for the person, oldest first, with the hash chain verified
  // (INTERNAL, CONSENT_LEDGER_CORRUPT, when a stored fact was altered).
  virtual absl::StatusOr<FactHistory> History(absl::string_view nhs_number,
                                              absl::Time deadline) = 0;

  // The person's latest version, 0 when nothing was ever recorded. Cheap: for
  // the "decide twice" re-check.
  virtual absl::StatusOr<uint64_t> LatestVersion(absl::string_view nhs_number,
                                                 absl::Time deadline) = 0;
};

// An in-process ledger (not durable): for tests and benchmarks.
class MemoryConsentLedger : public ConsentLedger {
 public:
  absl::StatusOr<ConsentFact> Append(ConsentFact fact, const BeforeCommit& before_commit,
                                     absl::Time deadline) override;
  absl::StatusOr<FactHistory> History(absl::string_view nhs_number,
                                      absl::Time deadline) override;
  absl::StatusOr<uint64_t> LatestVersion(absl::string_view nhs_number,
                                         absl::Time deadline) override;
  // Tests only: mutable access to a stored fact, to prove tampering is caught.
  ConsentFact* MutableFactForTest(absl::string_view nhs_number, size_t i);

 private:
  absl::Mutex mu_;
  std::map<std::string, std::vector<ConsentFact>, std::less<>> facts_ ABSL_GUARDED_BY(mu_);
};

// Fills version, previous_hash and hash for the next fact after `previous`
// (nullptr for the first). Shared by the implementations.
void Chain(const ConsentFact* previous, ConsentFact* fact);

}  // namespace caregate::consent::ledger

#endif  // CAREGATE_CONSENT_LEDGER_CONSENT_LEDGER_H_
