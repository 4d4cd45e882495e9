// Durable before release: a process appending from many threads is killed
// with SIGKILL; every entry it acknowledged is in the log after a restart,
// and the log verifies against the last tree head it signed.

#include <csignal>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "consent/audit/audit_test_util.h"
#include "consent/audit/sql_audit_log.h"
#include "consent/audit/verifier.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::consent::audit {
namespace {

using common::sql::Engine;

class AuditCrashTest : public ::testing::TestWithParam<Engine> {};

TEST_P(AuditCrashTest, EveryAcknowledgedEntrySurvivesSigkill) {
  caregate::testing::TempDir dir;
  auto store = testing::StoreFor(GetParam(), dir.path());
  std::vector<std::string> argv = {AUDIT_APPEND_LOOP, "--data-dir", dir.path()};
  if (GetParam() == Engine::kSqlite) {
    argv.insert(argv.end(), {"--sqlite", store.sqlite().path()});
  } else {
    argv.insert(argv.end(), {"--postgres", store.postgres().conninfo()});
  }
  auto child = caregate::testing::ChildProcess::Start(argv, dir.path() + "/stderr.txt");
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE((*child)->WaitForLine("ready", absl::Seconds(60)).ok());
  for (int i = 0; i < 400; ++i) {
    auto line = (*child)->WaitForLine("ack ", absl::Seconds(60));
    ASSERT_TRUE(line.ok()) << line.status();
  }
  auto code = (*child)->Stop(SIGKILL, absl::Seconds(10));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 128 + SIGKILL);

  std::map<uint64_t, std::string> acked;
  std::string last_head;
  for (absl::string_view line : absl::StrSplit((*child)->output(), '\n')) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    if (parts.size() == 3 && parts[0] == "ack") {
      uint64_t index;
      ASSERT_TRUE(absl::SimpleAtoi(parts[1], &index));
      acked[index] = parts[2];
    } else if (parts.size() >= 2 && parts[0] == "head") {
      last_head = std::string(line.substr(5));
    }
  }
  ASSERT_GE(acked.size(), 400u);
  ASSERT_FALSE(last_head.empty());

  // Restart: the log opens (indices contiguous), holds every acknowledged
  // entry with its own content, and verifies.
  caregate::config::v1::AuditConfig config;
  *config.mutable_store() = store;
  auto log = SqlAuditLog::Create(config, dir.path());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_GE((*log)->size(), acked.rbegin()->first + 1);
  AuditQuery all;
  all.page_size = 1000;
  std::map<uint64_t, std::string> stored;
  uint64_t next = 0;
  do {
    auto page = (*log)->List(all, testing::Soon(), &next);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : *page) stored[e.index()] = e.request_id();
    all.start_index = next;
  } while (next != 0);
  for (const auto& [index, request_id] : acked) {
    ASSERT_TRUE(stored.count(index)) << "acknowledged entry " << index << " is missing";
    EXPECT_EQ(stored[index], request_id) << "entry " << index;
  }

  caregate::v1::SignedTreeHead head;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(last_head, &head).ok());
  auto result =
      VerifyStoredLog((*log)->database(), head, (*log)->signer().public_key_pem(), testing::Soon());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->ok()) << ::testing::PrintToString(result->problems);
  // And more appends carry on from where the log stopped.
  auto index = (*log)->Append(testing::Access(9999), testing::Soon());
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, stored.rbegin()->first + 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditCrashTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace caregate::consent::audit
