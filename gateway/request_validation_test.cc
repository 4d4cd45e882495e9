#include "gateway/request_validation.h"

#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

using ::testing::HasSubstr;

caregate::v1::SummaryRequest Valid() {
  caregate::v1::SummaryRequest r;
  r.set_nhs_number("943 476 5919");
  r.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  return r;
}

TEST(RequestValidationTest, AcceptsAndNormalises) {
  auto v = ValidateSummaryRequest(Valid());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->nhs_number, "9434765919");
  EXPECT_FALSE(v->emergency_access.has_value());
}

TEST(RequestValidationTest, InvalidNhsNumber) {
  auto r = Valid();
  r.set_nhs_number("9434765918");
  auto v = ValidateSummaryRequest(r);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(common::ErrorReason(v.status()), "INVALID_NHS_NUMBER");
}

TEST(RequestValidationTest, PurposeIsRequired) {
  auto r = Valid();
  r.clear_purpose();
  auto v = ValidateSummaryRequest(r);
  EXPECT_EQ(common::ErrorReason(v.status()), "INVALID_PURPOSE");
  r.set_purpose(static_cast<caregate::v1::PurposeOfUse>(42));
  EXPECT_EQ(common::ErrorReason(ValidateSummaryRequest(r).status()), "INVALID_PURPOSE");
}

TEST(RequestValidationTest, EmergencyAccessWithoutReason) {
  auto r = Valid();
  r.mutable_emergency_access()->set_justification("collapsed at home");
  auto v = ValidateSummaryRequest(r);
  EXPECT_EQ(common::ErrorReason(v.status()), "INVALID_EMERGENCY_ACCESS");
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("emergency_access.reason: is required"));
}

TEST(RequestValidationTest, EmergencyAccessWithUnknownReason) {
  auto r = Valid();
  r.mutable_emergency_access()->set_reason(
      static_cast<caregate::v1::EmergencyReason>(99));
  r.mutable_emergency_access()->set_justification("x");
  auto v = ValidateSummaryRequest(r);
  EXPECT_EQ(common::ErrorReason(v.status()), "INVALID_EMERGENCY_ACCESS");
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("not a known"));
}

TEST(RequestValidationTest, EmergencyAccessNeedsJustification) {
  auto r = Valid();
  r.mutable_emergency_access()->set_reason(
      caregate::v1::EMERGENCY_REASON_EMERGENCY_TREATMENT);
  r.mutable_emergency_access()->set_justification(" \n\t ");
  EXPECT_EQ(common::ErrorReason(ValidateSummaryRequest(r).status()),
            "INVALID_EMERGENCY_ACCESS");
  r.mutable_emergency_access()->set_justification(std::string(2001, 'x'));
  EXPECT_THAT(std::string(ValidateSummaryRequest(r).status().message()),
              HasSubstr("at most 2000 characters"));
  // 2000 two-byte characters are 2000 characters, not 4000.
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "\xc3\xa9";
  r.mutable_emergency_access()->set_justification(accents);
  EXPECT_TRUE(ValidateSummaryRequest(r).ok());
}

}  // namespace
}  // namespace caregate::gateway
