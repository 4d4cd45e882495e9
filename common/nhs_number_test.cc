#include "common/nhs_number.h"

#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(NhsNumberTest, AcceptsValidNumbers) {
  // Published examples and numbers from the public GP Connect fixtures.
  for (const char* n : {"9434765919", "9465701297", "4010232137",
                        "9000000009"}) {
    EXPECT_TRUE(IsValidNhsNumber(n)) << n;
    auto parsed = ParseNhsNumber(n);
    ASSERT_TRUE(parsed.ok()) << n << ": " << parsed.status();
    EXPECT_EQ(*parsed, n);
  }
}

TEST(NhsNumberTest, CheckDigitElevenMeansZero) {
  // 4505577104: weighted sum 216 = 19 * 11 + 7, check digit 11 - 7 = 4.
  EXPECT_TRUE(IsValidNhsNumber("4505577104"));
  // 110000010: weighted sum 10 + 9 + 3 = 22, remainder 0, so the check
  // value 11 becomes check digit 0.
  EXPECT_TRUE(IsValidNhsNumber("1100000100"));
  EXPECT_FALSE(IsValidNhsNumber("1100000101"));
}

TEST(NhsNumberTest, NormalisesPrintedGroupingAndSurroundingSpaces) {
  auto parsed = ParseNhsNumber("  943 476 5919 ");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, "9434765919");
}

TEST(NhsNumberTest, RejectsWrongCheckDigit) {
  EXPECT_FALSE(IsValidNhsNumber("9434765918"));
  auto parsed = ParseNhsNumber("9434765918");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(parsed.status()), "INVALID_NHS_NUMBER");
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("check digit"));
  EXPECT_THAT(std::string(parsed.status().message()),
              Not(HasSubstr("9434765918")));
}

TEST(NhsNumberTest, RejectsCheckValueTen) {
  // 123456789: 10+18+24+28+30+30+28+24+18 = 210 = 19*11 + 1 -> 11-1 = 10,
  // so no tenth digit can make it valid.
  for (char d = '0'; d <= '9'; ++d) {
    std::string n = std::string("123456789") + d;
    EXPECT_FALSE(IsValidNhsNumber(n)) << n;
    EXPECT_EQ(ErrorReason(ParseNhsNumber(n).status()), "INVALID_NHS_NUMBER");
  }
}

TEST(NhsNumberTest, RejectsLetters) {
  auto parsed = ParseNhsNumber("94347A5919");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(ErrorReason(parsed.status()), "INVALID_NHS_NUMBER");
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("only digits"));
  EXPECT_THAT(std::string(parsed.status().message()), Not(HasSubstr("94347")));
}

TEST(NhsNumberTest, RejectsWrongLength) {
  for (const char* n : {"943476591", "94347659190", "1"}) {
    auto parsed = ParseNhsNumber(n);
    ASSERT_FALSE(parsed.ok()) << n;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("10 digits"));
  }
}

TEST(NhsNumberTest, RejectsEmptyAndOddGrouping) {
  EXPECT_THAT(std::string(ParseNhsNumber("   ").status().message()),
              HasSubstr("required"));
  EXPECT_FALSE(ParseNhsNumber("9434 765 919").ok());
  EXPECT_FALSE(ParseNhsNumber("943-476-5919").ok());
}

TEST(NhsNumberTest, MessageNamesTheField) {
  auto parsed = ParseNhsNumber("x", "events.csv:3: NHS Number");
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("events.csv:3: NHS Number: "));
}

}  // namespace
}  // namespace caregate::common
