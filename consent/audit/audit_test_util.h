#ifndef CAREGATE_CONSENT_AUDIT_AUDIT_TEST_UTIL_H_
#define CAREGATE_CONSENT_AUDIT_AUDIT_TEST_UTIL_H_

// Test helpers shared by the audit log tests: a store on either engine and
// synthetic entries (no real person's data).

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "caregate/config/v1/config.pb.h"
#include "caregate/v1/audit.pb.h"
#include "common/sql/database.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"

namespace caregate::consent::audit::testing {

inline absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

// A store config for `engine`: a SQLite file under `dir`, or a fresh database
// on the shared PostgreSQL test server.
inline caregate::config::v1::StoreConfig StoreFor(common::sql::Engine engine,
                                                  const std::string& dir) {
  caregate::config::v1::StoreConfig store;
  if (engine == common::sql::Engine::kSqlite) {
    store.mutable_sqlite()->set_path(dir + "/audit.db");
  } else {
    auto pg = caregate::testing::PostgresServer::Shared();
    EXPECT_TRUE(pg.ok()) << pg.status();
    if (!pg.ok()) return store;
    auto conninfo = (*pg)->CreateDatabase();
    EXPECT_TRUE(conninfo.ok()) << conninfo.status();
    store.mutable_postgres()->set_conninfo(conninfo.ok() ? *conninfo : "");
    store.mutable_postgres()->set_pool_size(4);
  }
  return store;
}

inline std::string EngineName(const ::testing::TestParamInfo<common::sql::Engine>& info) {
  return info.param == common::sql::Engine::kSqlite ? "Sqlite" : "Postgres";
}

// A synthetic access entry. NHS numbers are from the 999 test range.
inline caregate::v1::AuditEntry Access(int i, const std::string& nhs_number = "9990000018",
                                       const std::string& user = "u-gp-1",
                                       const std::string& org = "A12345") {
  caregate::v1::AuditEntry e;
  e.mutable_time()->set_seconds(1700000000 + i);
  e.mutable_actor()->set_user_id(user);
  e.mutable_actor()->set_user_name("Dr Test");
  e.mutable_actor()->set_role("gp");
  e.mutable_actor()->set_rbac_role("R8000");
  e.mutable_actor()->set_organisation(org);
  e.mutable_actor()->set_client_system("CN=test-client");
  e.set_action(caregate::v1::AUDIT_ACTION_GET_SOCIAL_CARE_SUMMARY);
  e.set_nhs_number(nhs_number);
  e.add_sections_released("social_care.care_plan");
  e.set_purpose(caregate::v1::PURPOSE_OF_USE_DIRECT_CARE);
  e.set_outcome(caregate::v1::AUDIT_OUTCOME_PERMIT);
  e.set_reason("CONSENT_PERMIT");
  e.set_consent_version(3);
  e.set_policy_version("policy-1");
  e.set_request_id(absl::StrCat("req-", i));
  return e;
}

inline caregate::v1::AuditEntry EmergencyAccessEntry(int i, const std::string& user) {
  caregate::v1::AuditEntry e = Access(i, "9990000026", user);
  e.mutable_emergency_access()->set_reason(caregate::v1::EMERGENCY_REASON_EMERGENCY_TREATMENT);
  e.mutable_emergency_access()->set_justification("unconscious on arrival");
  e.set_reason("EMERGENCY_ACCESS");
  return e;
}

}  // namespace caregate::consent::audit::testing

#endif  // CAREGATE_CONSENT_AUDIT_AUDIT_TEST_UTIL_H_
