#include "common/clock.h"

#include "absl/time/civil_time.h"
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
  // Every request asks, and formatting through the time zone costs about a
  // microsecond; each thread keeps the last day it formatted, with its bounds.
  struct Day {
    absl::Time start = absl::InfiniteFuture(), end = absl::InfinitePast();
    std::string date;
  };
  thread_local Day last;
  if (t < last.start || t >= last.end) {
    const absl::TimeZone& england = EnglandTimeZone();
    const absl::CivilDay day = absl::ToCivilDay(t, england);
    last.start = england.At(day).pre;
    last.end = england.At(day + 1).pre;
    last.date = absl::FormatTime("%Y-%m-%d", t, england);
  }
  return last.date;
}

const Clock* Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace caregate::common
