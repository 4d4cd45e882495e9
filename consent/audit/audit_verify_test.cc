// `caregatectl audit verify` against a log on SQLite and on PostgreSQL: an
// untouched log verifies; each kind of tampering is detected.

#include <fstream>

#include "consent/audit/audit_test_util.h"
#include "consent/audit/sql_audit_log.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::consent::audit {
namespace {

using common::sql::Engine;
using common::sql::Value;
using testing::Access;
using ::testing::HasSubstr;
using testing::Soon;

class AuditVerifyTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    store_ = testing::StoreFor(GetParam(), dir_.path());
    target_ = GetParam() == Engine::kSqlite ? store_.sqlite().path() : store_.postgres().conninfo();
    auto signer = TreeHeadSigner::Generate();
    key_pem_ = (*signer)->PrivateKeyPem();
    Write(dir_.path() + "/key.pub", (*signer)->public_key_pem());
    OpenLog();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
    SaveHead();
  }

  void OpenLog() {
    log_.reset();
    auto db = common::sql::Database::Open(store_, dir_.path(), "audit.store");
    ASSERT_TRUE(db.ok()) << db.status();
    auto log = SqlAuditLog::Open(std::move(*db), *TreeHeadSigner::FromPrivateKeyPem(key_pem_));
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  // Saves the current signed tree head the way `audit tree-head` does.
  void SaveHead() {
    auto head = log_->SignedTreeHead();
    ASSERT_TRUE(head.ok());
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*head, &json).ok());
    Write(dir_.path() + "/head.json", json);
  }

  static void Write(const std::string& path, const std::string& content) {
    std::ofstream(path) << content;
  }

  void Sql(const std::string& sql, const common::sql::Params& params = {}) {
    auto lease = log_->database().Acquire(Soon());
    ASSERT_TRUE(lease.ok());
    auto changed = (*lease)->Execute(sql, params, Soon());
    ASSERT_TRUE(changed.ok()) << changed.status();
  }

  common::sql::Row Row(int index) {
    auto lease = log_->database().Acquire(Soon());
    auto rows = (*lease)->Query("SELECT entry, leaf_hash FROM audit_entries WHERE idx = ?",
                                {Value::Int(index)}, Soon());
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return (*rows)[0];
  }

  caregate::testing::CommandResult Verify() {
    return caregate::testing::RunCommand({CAREGATECTL, "audit", "verify", "--db", target_,
                                          "--tree-head", dir_.path() + "/head.json", "--public-key",
                                          dir_.path() + "/key.pub"});
  }

  caregate::testing::TempDir dir_;
  caregate::config::v1::StoreConfig store_;
  std::string target_;
  std::string key_pem_;
  std::unique_ptr<SqlAuditLog> log_;
};

TEST_P(AuditVerifyTest, UntouchedLogVerifies) {
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("OK:"));
  // And a log that grew after the head was saved still verifies against it.
  for (int i = 10; i < 15; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  result = Verify();
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("entries in the log: 15"));
}

TEST_P(AuditVerifyTest, DetectsChangedEntry) {
  caregate::v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(Row(3)[0].AsText()));
  entry.mutable_actor()->set_user_id("someone-else");
  Sql("UPDATE audit_entries SET entry = ? WHERE idx = 3", {Value::Blob(EntryBytes(entry))});
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("entry 3: its bytes do not match its stored leaf hash"));

  // An attacker who also rewrites the stored leaf hash is caught by the root.
  Sql("UPDATE audit_entries SET leaf_hash = ? WHERE idx = 3",
      {Value::Blob(HashToBytes(LeafHash(EntryBytes(entry))))});
  result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("do not hash to the signed root"));
}

TEST_P(AuditVerifyTest, DetectsRemovedEntry) {
  Sql("DELETE FROM audit_entries WHERE idx = 4");
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("entries 4..4 are missing"));
  // Renumbering the rest to close the gap does not help.
  Sql("UPDATE audit_entries SET idx = idx - 1 WHERE idx > 4");
  result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("truncated tail, or rolled back"));
}

TEST_P(AuditVerifyTest, DetectsSwappedEntries) {
  common::sql::Row two = Row(2);
  common::sql::Row five = Row(5);
  Sql("UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = 2",
      {Value::Blob(five[0].AsText()), Value::Blob(five[1].AsText())});
  Sql("UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = 5",
      {Value::Blob(two[0].AsText()), Value::Blob(two[1].AsText())});
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("do not hash to the signed root"));
}

TEST_P(AuditVerifyTest, DetectsTruncatedTail) {
  Sql("DELETE FROM audit_entries WHERE idx >= 7");
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("the log holds 7 entries but the signed tree head covers 10"));
}

TEST_P(AuditVerifyTest, DetectsRollbackToOlderState) {
  // The log is restored from a backup taken at 6 entries (rows 6.. vanish),
  // the gateway restarts and carries on appending: the log grows past the
  // saved head's size again, but it is not an extension of it.
  Sql("DELETE FROM audit_entries WHERE idx >= 6");
  OpenLog();
  for (int i = 100; i < 106; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("entries in the log: 12"));
  EXPECT_THAT(result.output, HasSubstr("not consistent with the saved tree head"));
}

TEST_P(AuditVerifyTest, DetectsForgedTreeHead) {
  auto other = TreeHeadSigner::Generate();
  Write(dir_.path() + "/key.pub", (*other)->public_key_pem());
  auto result = Verify();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("tree head: key_id does not name the given public key"));
}

TEST_P(AuditVerifyTest, ExportWritesOneFhirAuditEventPerEntry) {
  auto result =
      caregate::testing::RunCommand({CAREGATECTL, "audit", "export", "--db", target_,
                                     "--from-index", "7", "--out", dir_.path() + "/events.ndjson"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream in(dir_.path() + "/events.ndjson");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    google::protobuf::Struct event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok()) << line;
    EXPECT_EQ(event.fields().at("resourceType").string_value(), "AuditEvent");
    EXPECT_EQ(event.fields().at("id").string_value(),
              "caregate-audit-" + std::to_string(7 + lines));
    ++lines;
  }
  EXPECT_EQ(lines, 3);
}

// An access report whose every proof verifies can still leave an entry out;
// an auditor holding the log catches that offline with check-report.
TEST_P(AuditVerifyTest, CheckReportDetectsAnOmittedEntry) {
  for (int i = 10; i < 16; ++i) {
    ASSERT_TRUE(log_->Append(Access(i, i % 2 ? "9990000034" : "9990000018"), Soon()).ok());
  }
  auto report = log_->AccessReport("9990000034", Soon());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->entries_size(), 3);
  auto check = [&](const caregate::v1::AccessReport& r) {
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(r, &json).ok());
    Write(dir_.path() + "/report.json", json);
    return caregate::testing::RunCommand({CAREGATECTL, "audit", "check-report", "--db", target_,
                                          "--report", dir_.path() + "/report.json", "--nhs-number",
                                          "9990000034", "--public-key", dir_.path() + "/key.pub"});
  };
  auto complete = check(*report);
  EXPECT_EQ(complete.exit_code, 0) << complete.output;
  EXPECT_THAT(complete.output, HasSubstr("every one of the 3 entries"));

  auto omitted = *report;
  omitted.mutable_entries()->DeleteSubrange(1, 1);
  auto result = check(omitted);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("entry 13 is about this person but missing from the report"));
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditVerifyTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace caregate::consent::audit
