#include "common/clock.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace caregate::common {
namespace {

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

// England's date, not UTC's: in British Summer Time the day starts at 23:00
// UTC the evening before. Asked in and out of order, as a thread that keeps
// the last day it formatted may be.
TEST(EnglandDateTest, FollowsBritishSummerTimeAcrossDayBoundaries) {
  EXPECT_EQ(EnglandDate(Utc(2026, 6, 15, 12, 0)), "2026-06-15");
  EXPECT_EQ(EnglandDate(Utc(2026, 6, 15, 22, 59)), "2026-06-15");
  EXPECT_EQ(EnglandDate(Utc(2026, 6, 15, 23, 0)), "2026-06-16");
  EXPECT_EQ(EnglandDate(Utc(2026, 6, 15, 22, 59)), "2026-06-15");
  EXPECT_EQ(EnglandDate(Utc(2026, 6, 16, 22, 59)), "2026-06-16");
  // Winter: England is on UTC.
  EXPECT_EQ(EnglandDate(Utc(2026, 12, 1, 23, 30)), "2026-12-01");
  EXPECT_EQ(EnglandDate(Utc(2026, 12, 2, 0, 0)), "2026-12-02");
  // The clocks go forward (29 March 2026, 01:00 UTC) and back (25 October
  // 2026, 01:00 UTC): a 23-hour and a 25-hour day.
  EXPECT_EQ(EnglandDate(Utc(2026, 3, 28, 23, 59)), "2026-03-28");
  EXPECT_EQ(EnglandDate(Utc(2026, 3, 29, 0, 0)), "2026-03-29");
  EXPECT_EQ(EnglandDate(Utc(2026, 3, 29, 22, 59)), "2026-03-29");
  EXPECT_EQ(EnglandDate(Utc(2026, 3, 29, 23, 0)), "2026-03-30");
  EXPECT_EQ(EnglandDate(Utc(2026, 10, 24, 22, 59)), "2026-10-24");
  EXPECT_EQ(EnglandDate(Utc(2026, 10, 24, 23, 0)), "2026-10-25");
  EXPECT_EQ(EnglandDate(Utc(2026, 10, 25, 23, 59)), "2026-10-25");
  EXPECT_EQ(EnglandDate(Utc(2026, 10, 26, 0, 0)), "2026-10-26");
}

}  // namespace
}  // namespace caregate::common
