#include "common/clock.h"

#include "absl/time/clock.h"

namespace caregate::common {
namespace {
class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};
}  // namespace

const absl::TimeZone& EnglandTimeZone() {
  static const absl::TimeZone* const england = [] {
    auto* tz = new absl::TimeZone();
    if (!absl::LoadTimeZone("Europe/London", tz)) *tz = absl::UTCTimeZone();
    return tz;
  }();
  return *england;
}

std::string EnglandDate(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, EnglandTimeZone());
}

const Clock* Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace caregate::common
