#include "adapters/gpconnect/request.h"

#include <openssl/evp.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace caregate::adapters::gpconnect {
namespace {

using ::testing::HasSubstr;

std::string Base64UrlDecode(std::string s) {
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

const absl::CivilDay kToday(2024, 3, 25);

TEST(RequestTest, JwtIsUnsignedWithExpIatPlus300AndTheCallersIdentity) {
  JwtClaims claims;
  claims.issuer = "https://caregate.example/";
  claims.audience = "https://provider.example/GP0001/STU3/1";
  claims.issued_at = absl::FromUnixSeconds(1700000000);
  claims.requester = {"u123", "Sam Q Worker", "C0001", "R8008"};
  std::string jwt = BuildJwt(claims);
  ASSERT_EQ(jwt.back(), '.');
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2], "");
  EXPECT_EQ(Base64UrlDecode(parts[0]), R"({"alg":"none","typ":"JWT"})");
  std::string payload = Base64UrlDecode(parts[1]);
  EXPECT_THAT(payload, HasSubstr(R"("exp":1700000300,"iat":1700000000)"));
  EXPECT_THAT(payload, HasSubstr(R"("reason_for_request":"directcare")"));
  EXPECT_THAT(payload, HasSubstr(R"("requested_scope":"patient/*.read")"));
  EXPECT_THAT(payload, HasSubstr(R"("sub":"u123")"));
  EXPECT_THAT(payload, HasSubstr(R"("resourceType":"Practitioner","id":"u123")"));
  EXPECT_THAT(payload, HasSubstr(R"("family":"Worker","given":["Sam","Q"])"));
  EXPECT_THAT(payload, HasSubstr(R"(ods-organization-code","value":"C0001")"));
  EXPECT_THAT(payload, HasSubstr(R"("resourceType":"Device")"));
  EXPECT_THAT(payload, HasSubstr(R"("aud":"https://provider.example/GP0001/STU3/1")"));
  // No padding, URL-safe alphabet.
  EXPECT_EQ(jwt.find_first_of("+/="), std::string::npos);
}

TEST(RequestTest, SummaryQueriesAreValidAndParametersCarryTheRightParts) {
  auto [first, second] = SummaryQueries("9690937286", kToday, 365, 3);
  EXPECT_TRUE(ValidateQuery(first, kToday).ok()) << ValidateQuery(first, kToday);
  EXPECT_TRUE(ValidateQuery(second, kToday).ok());
  std::string a = ParametersJson(first);
  EXPECT_THAT(a, HasSubstr(R"({"name":"includeResolvedAllergies","valueBoolean":true})"));
  EXPECT_THAT(a, HasSubstr(R"({"name":"medicationSearchFromDate","valueDate":"2023-03-26"})"));
  EXPECT_THAT(a, HasSubstr(R"("value":"9690937286")"));
  EXPECT_THAT(a, ::testing::Not(HasSubstr("includeProblems")));
  std::string b = ParametersJson(second);
  EXPECT_THAT(b, HasSubstr(R"({"name":"includeNumberOfMostRecent","valuePositiveInt":3})"));
  EXPECT_THAT(b, HasSubstr(R"({"name":"includeProblems"})"));
}

TEST(RequestTest, ForbiddenCombinationsAreRefusedLocally) {
  auto [first, second] = SummaryQueries("9690937286", kToday, 365, 3);
  StructuredRecordQuery q = first;
  q.include_problems = true;
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()),
              HasSubstr("includeProblems: not permitted with medicationSearchFromDate"));
  q = second;
  q.problems_filter_status = "active";
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()),
              HasSubstr("includeConsultations: not permitted with filterStatus"));
  q.include_consultations = false;
  EXPECT_TRUE(ValidateQuery(q, kToday).ok());  // problems may filter status
  q = second;
  q.consultation_period_start = "2024-01-01";
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()),
              HasSubstr("includeNumberOfMostRecent cannot be sent with"));
  q = first;
  q.referral_period_start = "2024-03-26";
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()), HasSubstr("in the future"));
  q = first;
  q.medication_search_from_date = "2024-03";
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()), HasSubstr("whole date"));
  q = second;
  q.problems_filter_status = "major";
  q.include_consultations = false;
  EXPECT_THAT(std::string(ValidateQuery(q, kToday).message()), HasSubstr("active or inactive"));
  EXPECT_FALSE(ValidateQuery(StructuredRecordQuery{}, kToday).ok());
}

TEST(RequestTest, UuidsAreFreshVersion4) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_THAT(std::string("89ab"), HasSubstr(std::string(1, a[19])));
}

}  // namespace
}  // namespace caregate::adapters::gpconnect
