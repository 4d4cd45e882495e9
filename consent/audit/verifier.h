#ifndef CAREGATE_CONSENT_AUDIT_VERIFIER_H_
#define CAREGATE_CONSENT_AUDIT_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "caregate/v1/audit.pb.h"
#include "common/sql/database.h"

namespace caregate::consent::audit {

// The outcome of checking a stored log offline against a saved signed tree
// head. `problems` lists, in plain words without personal data, everything
// found wrong; the log verifies when it is empty.
struct LogVerification {
  uint64_t entries = 0;       // rows read from the store
  uint64_t head_size = 0;     // the saved tree head's size
  std::string head_root_hex;  // what the saved head signs
  std::string log_root_hex;   // root recomputed over every stored entry
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Recomputes everything from the stored entry bytes, trusting nothing else
// the store holds:
//  1. the saved head's Ed25519 signature against `public_key_pem` (pinned by
//     the verifier, never taken from the head);
//  2. indices contiguous from 0 (a removed entry leaves a gap);
//  3. each entry's leaf hash = SHA-256(0x00 || stored bytes), compared with
//     the stored leaf hash (a changed entry), and the bytes parse;
//  4. the log holds at least head.tree_size entries (a truncated tail, or a
//     rollback to an older state);
//  5. the root of the first head.tree_size recomputed leaves equals the signed
//     root (changed, removed or swapped entries; a rollback that then grew
//     again), and an RFC 9162 consistency proof from the head to the whole
//     log verifies.
// Fails (not a problem) only when the store cannot be read.
absl::StatusOr<LogVerification> VerifyStoredLog(common::sql::Database& database,
                                                const caregate::v1::SignedTreeHead& head,
                                                absl::string_view public_key_pem,
                                                absl::Time deadline);

// Checks that `report` (an access report for `nhs_number`) lists exactly the
// entries about that person among the first report.tree_head().tree_size
// entries of the stored log, reading who each entry is about from the stored
// bytes. Returns the problems found (empty when complete): entries about the
// person missing from the report, entries in the report that are not in the
// log as reported. Run VerifyStoredLog against report.tree_head() as well, so
// the log itself is the one the head signed. Fails only when the store cannot
// be read.
absl::StatusOr<std::vector<std::string>> CheckAccessReportComplete(
    common::sql::Database& database, const caregate::v1::AccessReport& report,
    absl::string_view nhs_number, absl::Time deadline);

}  // namespace caregate::consent::audit

#endif  // CAREGATE_CONSENT_AUDIT_VERIFIER_H_
