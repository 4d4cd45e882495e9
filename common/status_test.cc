#include "common/status.h"

#include "gtest/gtest.h"

namespace caregate::common {
namespace {

TEST(StatusTest, ReasonTravelsWithTheStatus) {
  absl::Status s = PermissionDeniedWithReason(kReasonNoConsent, "no consent");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(s), "NO_CONSENT");
  EXPECT_EQ(ErrorReason(absl::InternalError("x")), "");
}

TEST(StatusTest, OkStatusCarriesNoReason) {
  EXPECT_EQ(ErrorReason(WithReason(absl::OkStatus(), "X")), "");
}

}  // namespace
}  // namespace caregate::common
