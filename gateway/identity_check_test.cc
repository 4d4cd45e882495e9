#include "gateway/identity_check.h"

#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

using caregate::v1::Demographics;
using caregate::v1::IdentityCheck;
using caregate::v1::IdentityField;
using caregate::v1::MatchResult;

Demographics Person() {
  Demographics d;
  d.set_nhs_number("9990000018");
  d.add_given_names("Margaret");
  d.set_family_name("O'Brien");
  d.set_date_of_birth("1941-03-07");
  d.set_postcode("NE4 5PL");
  return d;
}

MatchResult ResultFor(const IdentityCheck& c, IdentityField f) {
  for (const auto& x : c.fields()) {
    if (x.field() == f) return x.result();
  }
  return caregate::v1::MATCH_RESULT_UNSPECIFIED;
}

TEST(IdentityCheckTest, SamePersonMatchesDespiteFormatting) {
  Demographics gp = Person(), council = Person();
  council.set_family_name("OBRIEN");
  council.clear_given_names();
  council.add_given_names("margaret");
  council.set_postcode("ne45pl");
  auto c = CheckIdentity(&gp, &council);
  EXPECT_EQ(c.overall(), caregate::v1::MATCH_RESULT_MATCH);
  EXPECT_EQ(c.fields_size(), 4);
}

TEST(IdentityCheckTest, ChangedPostcodeInSameDistrictIsPartial) {
  Demographics gp = Person(), council = Person();
  council.set_postcode("NE4 9QQ");
  auto c = CheckIdentity(&gp, &council);
  EXPECT_EQ(ResultFor(c, caregate::v1::IDENTITY_FIELD_POSTCODE), caregate::v1::MATCH_RESULT_PARTIAL);
  EXPECT_EQ(c.overall(), caregate::v1::MATCH_RESULT_PARTIAL);
  council.set_postcode("LS1 4AP");
  c = CheckIdentity(&gp, &council);
  EXPECT_EQ(ResultFor(c, caregate::v1::IDENTITY_FIELD_POSTCODE), caregate::v1::MATCH_RESULT_MISMATCH);
  EXPECT_EQ(c.overall(), caregate::v1::MATCH_RESULT_MISMATCH);
}

TEST(IdentityCheckTest, NameSpelledDifferentlyIsPartial) {
  Demographics gp = Person(), council = Person();
  council.set_family_name("O'Brian");
  EXPECT_EQ(ResultFor(CheckIdentity(&gp, &council), caregate::v1::IDENTITY_FIELD_NAME),
            caregate::v1::MATCH_RESULT_PARTIAL);
  council.set_family_name("Henderson");
  EXPECT_EQ(ResultFor(CheckIdentity(&gp, &council), caregate::v1::IDENTITY_FIELD_NAME),
            caregate::v1::MATCH_RESULT_MISMATCH);
}

TEST(IdentityCheckTest, DisplayNameIsUsedWhenStructuredNameIsAbsent) {
  Demographics gp = Person(), council = Person();
  council.clear_family_name();
  council.clear_given_names();
  council.set_display_name("O'BRIEN, Margaret");
  EXPECT_EQ(ResultFor(CheckIdentity(&gp, &council), caregate::v1::IDENTITY_FIELD_NAME),
            caregate::v1::MATCH_RESULT_MATCH);
}

TEST(IdentityCheckTest, DateOfBirthTransposedIsPartialDifferentIsMismatch) {
  Demographics gp = Person(), council = Person();
  council.set_date_of_birth("1941-07-03");
  EXPECT_EQ(ResultFor(CheckIdentity(&gp, &council), caregate::v1::IDENTITY_FIELD_DATE_OF_BIRTH),
            caregate::v1::MATCH_RESULT_PARTIAL);
  council.set_date_of_birth("1942-03-07");
  EXPECT_EQ(ResultFor(CheckIdentity(&gp, &council), caregate::v1::IDENTITY_FIELD_DATE_OF_BIRTH),
            caregate::v1::MATCH_RESULT_MISMATCH);
}

TEST(IdentityCheckTest, DifferentNhsNumberIsMismatch) {
  Demographics gp = Person(), council = Person();
  council.set_nhs_number("9990000026");
  auto c = CheckIdentity(&gp, &council);
  EXPECT_EQ(ResultFor(c, caregate::v1::IDENTITY_FIELD_NHS_NUMBER), caregate::v1::MATCH_RESULT_MISMATCH);
  EXPECT_EQ(c.overall(), caregate::v1::MATCH_RESULT_MISMATCH);
}

TEST(IdentityCheckTest, MissingSourceMakesEveryFieldMissing) {
  Demographics gp = Person();
  auto c = CheckIdentity(&gp, nullptr);
  EXPECT_EQ(c.overall(), caregate::v1::MATCH_RESULT_MISSING);
  for (const auto& f : c.fields()) EXPECT_EQ(f.result(), caregate::v1::MATCH_RESULT_MISSING);
}

}  // namespace
}  // namespace caregate::gateway
