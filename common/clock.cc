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

namespace {

// The day in England at `t`, with the instants it starts and ends. Every
// request asks, and the time-zone lookup and formatting cost about a
// microsecond, so each thread keeps the last day it was asked about.
struct EnglandDayAt {
  absl::Time start = absl::InfiniteFuture(), end = absl::InfinitePast();
  absl::CivilDay day;
  std::string date;
};

const EnglandDayAt& DayAt(absl::Time t) {
  thread_local EnglandDayAt last;
  if (last.start <= t && t < last.end) return last;
  const absl::TimeZone& england = EnglandTimeZone();
  const absl::CivilDay day = absl::ToCivilDay(t, england);
  last = {absl::FromCivil(day, england), absl::FromCivil(day + 1, england), day,
          absl::FormatCivilTime(day)};
  // Midnight is never skipped or repeated in England (the clocks change at
  // 01:00 UTC), so [start, end) is exactly that day; should a zone ever break
  // that, the day is still right and nothing is kept for the next call.
  if (!(last.start <= t && t < last.end)) {
    last.start = absl::InfiniteFuture();
    last.end = absl::InfinitePast();
  }
  return last;
}

}  // namespace

absl::CivilDay EnglandDay(absl::Time t) { return DayAt(t).day; }

std::string EnglandDate(absl::Time t) { return DayAt(t).date; }

const Clock* Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace caregate::common
