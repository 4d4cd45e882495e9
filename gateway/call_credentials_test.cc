#include "gateway/call_credentials.h"

#include "gtest/gtest.h"

namespace caregate::gateway {
namespace {

TEST(CallCredentialsTest, OrganisationFromRfc2253Subject) {
  EXPECT_EQ(SubjectOrganisation("O=A99001,CN=caregate test client"), "A99001");
  EXPECT_EQ(SubjectOrganisation("CN=client, O=X99LA, C=GB"), "X99LA");
  EXPECT_EQ(SubjectOrganisation("CN=a\\,b,O=Org\\, Ltd"), "Org, Ltd");
  EXPECT_EQ(SubjectOrganisation("CN=no organisation"), "");
  EXPECT_EQ(SubjectOrganisation(""), "");
  // OU= is not O=.
  EXPECT_EQ(SubjectOrganisation("OU=Team,CN=x"), "");
}

}  // namespace
}  // namespace caregate::gateway
