#ifndef CAREGATE_CONSENT_AUDIT_LOG_H_
#define CAREGATE_CONSENT_AUDIT_LOG_H_

#include <cstdint>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caregate/v1/audit.pb.h"
#include "common/await.h"

namespace caregate::consent {

// Whether `entry` records a permitted emergency access (emergency_access set,
// outcome PERMIT): what awaits a privacy officer's review, and what uses up a
// break-glass token and one of its user's emergency allowance.
inline bool IsEmergencyAccess(const caregate::v1::AuditEntry& entry) {
  return entry.has_emergency_access() && entry.outcome() == caregate::v1::AUDIT_OUTCOME_PERMIT;
}

// The tamper-evident audit log (implementation: consent/audit/). Every
// decision — permit, deny, error, emergency — and every consent change is
// appended here before anything is released.
//
// An append is answered only once the entry is durably committed (synchronous
// commit; concurrent appends may share one commit), with the entry's index in
// the log. If the entry cannot be written — the store fails, or the deadline
// passes before the entry is taken into a commit — the answer is UNAVAILABLE
// with reason AUDIT_UNAVAILABLE, and the caller must release nothing. An
// entry is never half-written: it is in the log whole, or not at all.
// entry.index is ignored on input (the log assigns it).
//
// Thread-safety: safe to call from many threads at once.
class AuditLog {
 public:
  // Receives an append's answer. Called exactly once.
  using Committed = absl::AnyInvocable<void(absl::StatusOr<uint64_t>) &&>;

  virtual ~AuditLog() = default;

  // Queues `entry` and returns at once. `committed` gets the answer: on the
  // log's own thread once the commit holding the entry has decided, or on the
  // calling thread, before AppendAsync returns, when the entry is refused
  // without being queued. `committed` must not block: later commits wait for
  // it.
  virtual void AppendAsync(caregate::v1::AuditEntry entry, absl::Time deadline,
                           Committed committed) = 0;

  // AppendAsync, waiting for the answer.
  absl::StatusOr<uint64_t> Append(const caregate::v1::AuditEntry& entry, absl::Time deadline) {
    return common::Await<absl::StatusOr<uint64_t>>(
        [&](auto done) { AppendAsync(entry, deadline, std::move(done)); });
  }
};

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_AUDIT_LOG_H_
