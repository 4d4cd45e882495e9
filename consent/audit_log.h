#ifndef CAREGATE_CONSENT_AUDIT_LOG_H_
#define CAREGATE_CONSENT_AUDIT_LOG_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caregate/v1/audit.pb.h"

namespace caregate::consent {

// The tamper-evident audit log (implementation: consent/audit/). Every
// decision — permit, deny, error, emergency — and every consent change is
// appended here before anything is released.
//
// Append returns only once the entry is durably committed (synchronous
// commit; concurrent appends may share one commit). It returns the entry's
// index in the log. If the entry cannot be written it fails with UNAVAILABLE
// and reason AUDIT_UNAVAILABLE, and the caller must release nothing. An entry
// is never half-written: it is in the log whole, or not at all.
// entry.index is ignored on input (the log assigns it).
//
// Thread-safety: safe to call from many threads at once.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual absl::StatusOr<uint64_t> Append(const caregate::v1::AuditEntry& entry,
                                          absl::Time deadline) = 0;
};

}  // namespace caregate::consent

#endif  // CAREGATE_CONSENT_AUDIT_LOG_H_
