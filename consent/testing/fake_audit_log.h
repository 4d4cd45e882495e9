#ifndef CAREGATE_CONSENT_TESTING_FAKE_AUDIT_LOG_H_
#define CAREGATE_CONSENT_TESTING_FAKE_AUDIT_LOG_H_

#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "consent/audit_log.h"

namespace caregate::consent::testing {

// An in-memory AuditLog for tests: keeps every entry, index = position, and
// answers on the calling thread. set_failing(true) makes appends fail as the
// real log does when it cannot write (UNAVAILABLE, AUDIT_UNAVAILABLE).
class FakeAuditLog : public AuditLog {
 public:
  void AppendAsync(caregate::v1::AuditEntry entry, absl::Time deadline,
                   Committed committed) override {
    std::move(committed)(Write(std::move(entry)));
  }
  std::vector<caregate::v1::AuditEntry> entries() const {
    absl::MutexLock lock(&mu_);
    return entries_;
  }
  void set_failing(bool failing) {
    absl::MutexLock lock(&mu_);
    failing_ = failing;
  }

 private:
  absl::StatusOr<uint64_t> Write(caregate::v1::AuditEntry entry) {
    absl::MutexLock lock(&mu_);
    if (failing_) {
      return common::WithReason(absl::UnavailableError("audit log: cannot write"),
                                common::kReasonAuditUnavailable);
    }
    entries_.push_back(std::move(entry));
    entries_.back().set_index(entries_.size() - 1);
    return entries_.size() - 1;
  }

  mutable absl::Mutex mu_;
  bool failing_ = false;
  std::vector<caregate::v1::AuditEntry> entries_;
};

}  // namespace caregate::consent::testing

#endif  // CAREGATE_CONSENT_TESTING_FAKE_AUDIT_LOG_H_
