#ifndef CAREGATE_COMMON_CLOCK_H_
#define CAREGATE_COMMON_CLOCK_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace caregate::common {

// England's time zone (Europe/London, with British Summer Time): every date in
// a record (a birth date, the end of a service, a consent's validity) is a
// date in England, so "today" is computed here, never in UTC. Falls back to
// UTC only if the system has no time zone data (deploy/setup.sh installs
// tzdata).
const absl::TimeZone& EnglandTimeZone();

// The date in England at `t`, and the same as YYYY-MM-DD. Cheap when asked
// again within the same day: each thread keeps the last day it computed.
absl::CivilDay EnglandDay(absl::Time t);
std::string EnglandDate(absl::Time t);

// The source of "now" for everything that decides on time: token expiry,
// consent validity, audit timestamps, rate limits. Injected so tests control
// time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock. Never null; not owned by the caller.
  static const Clock* Real();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace caregate::common

#endif  // CAREGATE_COMMON_CLOCK_H_
