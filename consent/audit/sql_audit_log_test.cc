// The SQL audit log on both engines: SQLite and a real PostgreSQL server.

#include "consent/audit/sql_audit_log.h"

#include <set>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/status.h"
#include "consent/audit/audit_test_util.h"
#include "consent/audit/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace caregate::consent::audit {
namespace {

using common::sql::Engine;
using testing::Access;
using testing::EmergencyAccessEntry;
using ::testing::HasSubstr;
using testing::Soon;

class SqlAuditLogTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    store_ = testing::StoreFor(GetParam(), dir_.path());
    auto signer = TreeHeadSigner::Generate();
    ASSERT_TRUE(signer.ok());
    key_pem_ = (*signer)->PrivateKeyPem();
    public_pem_ = (*signer)->public_key_pem();
    Reopen();
  }

  void Reopen(SqlAuditLogOptions options = {}) {
    log_.reset();
    auto db = common::sql::Database::Open(store_, dir_.path(), "audit.store");
    ASSERT_TRUE(db.ok()) << db.status();
    auto signer = TreeHeadSigner::FromPrivateKeyPem(key_pem_);
    ASSERT_TRUE(signer.ok());
    auto log = SqlAuditLog::Open(std::move(*db), std::move(*signer), options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  void ExpectVerifies() {
    auto head = log_->SignedTreeHead();
    ASSERT_TRUE(head.ok());
    auto result = VerifyStoredLog(log_->database(), *head, public_pem_, Soon());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->ok()) << ::testing::PrintToString(result->problems);
    EXPECT_EQ(result->entries, head->tree_size());
  }

  caregate::testing::TempDir dir_;
  caregate::config::v1::StoreConfig store_;
  std::string key_pem_;
  std::string public_pem_;
  std::unique_ptr<SqlAuditLog> log_;
};

TEST_P(SqlAuditLogTest, AppendReturnsConsecutiveIndicesAndStoresEntriesWhole) {
  for (int i = 0; i < 5; ++i) {
    auto index = log_->Append(Access(i), Soon());
    ASSERT_TRUE(index.ok()) << index.status();
    EXPECT_EQ(*index, static_cast<uint64_t>(i));
  }
  uint64_t next = 0;
  auto entries = log_->List({}, Soon(), &next);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[3].index(), 3u);
  EXPECT_EQ((*entries)[3].request_id(), "req-3");
  EXPECT_EQ((*entries)[3].sections_released(0), "social_care.care_plan");
  EXPECT_EQ(next, 0u);
  ExpectVerifies();
}

TEST_P(SqlAuditLogTest, EntryWithoutTimeGetsTheClockTime) {
  common::FakeClock clock(absl::FromUnixSeconds(1800000000));
  SqlAuditLogOptions options;
  options.clock = &clock;
  Reopen(options);
  auto entry = Access(0);
  entry.clear_time();
  ASSERT_TRUE(log_->Append(entry, Soon()).ok());
  uint64_t next;
  auto entries = log_->List({}, Soon(), &next);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].time().seconds(), 1800000000);
  auto head = log_->SignedTreeHead();
  EXPECT_EQ(head->timestamp().seconds(), 1800000000);
}

TEST_P(SqlAuditLogTest, ConcurrentAppendsShareCommitsAndAllLand) {
  constexpr int kThreads = 32;
  constexpr int kEach = 20;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto index = log_->Append(Access(t * kEach + i), Soon());
        ASSERT_TRUE(index.ok()) << index.status();
        got[t].push_back(*index);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kEach - 1));
  EXPECT_EQ(log_->size(), static_cast<uint64_t>(kThreads * kEach));
  // Group commit: fewer transactions than entries.
  EXPECT_LT(log_->commits(), static_cast<uint64_t>(kThreads * kEach));
  ExpectVerifies();
}

TEST_P(SqlAuditLogTest, ReopenedLogKeepsItsTreeAndContinues) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  auto before = log_->SignedTreeHead();
  Reopen();
  EXPECT_EQ(log_->size(), 7u);
  auto after = log_->SignedTreeHead();
  EXPECT_EQ(after->root_hash(), before->root_hash());
  EXPECT_EQ(*log_->Append(Access(7), Soon()), 7u);
  auto proof = log_->ConsistencyProof(7, 8);
  ASSERT_TRUE(proof.ok());
  std::vector<Hash> path;
  for (const auto& h : proof->proof()) path.push_back(*HashFromBytes(h, "p"));
  auto now = log_->SignedTreeHead();
  EXPECT_TRUE(VerifyConsistency(7, 8, *HashFromBytes(before->root_hash(), "r"),
                                *HashFromBytes(now->root_hash(), "r"), path)
                  .ok());
}

TEST_P(SqlAuditLogTest, FailedCommitFailsEveryWaiterAndWritesNothing) {
  // A trigger makes the store refuse any batch holding a "poison" entry.
  {
    auto lease = log_->database().Acquire(Soon());
    ASSERT_TRUE(lease.ok());
    std::string sql =
        GetParam() == Engine::kSqlite
            ? "CREATE TRIGGER poison BEFORE INSERT ON audit_entries WHEN NEW.user_id = "
              "'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;"
            : "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.user_id = "
              "'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$ "
              "LANGUAGE plpgsql; CREATE TRIGGER poison BEFORE INSERT ON audit_entries FOR "
              "EACH ROW EXECUTE FUNCTION poison();";
    ASSERT_TRUE((*lease)->ExecuteScript(sql, Soon()).ok());
  }
  ASSERT_TRUE(log_->Append(Access(0), Soon()).ok());
  auto poisoned = log_->Append(Access(1, "9990000018", "poison"), Soon());
  ASSERT_FALSE(poisoned.ok());
  EXPECT_EQ(poisoned.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(common::ErrorReason(poisoned.status()), "AUDIT_UNAVAILABLE");

  // A batch of eight (the writer waits for all of them) with one poisoned
  // entry: all eight fail together, none is stored.
  SqlAuditLogOptions options;
  options.max_batch = 8;
  options.max_batch_delay = absl::Seconds(5);
  Reopen(options);
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto entry = Access(10 + t, "9990000018", t == 3 ? "poison" : "u-gp-1");
      results[t] = log_->Append(entry, Soon()).status();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) {
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    EXPECT_EQ(common::ErrorReason(s), "AUDIT_UNAVAILABLE");
  }
  EXPECT_EQ(log_->size(), 1u);
  Reopen();
  EXPECT_EQ(log_->size(), 1u);
  auto next = log_->Append(Access(20), Soon());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 1u);
  ExpectVerifies();
}

TEST_P(SqlAuditLogTest, PastDeadlineIsUnavailableAndNothingIsWritten) {
  auto late = log_->Append(Access(0), absl::Now() - absl::Seconds(1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(common::ErrorReason(late.status()), "AUDIT_UNAVAILABLE");
  EXPECT_EQ(*log_->Append(Access(1), Soon()), 0u);
}

// The writer is held up (another transaction holds the write lock) while an
// entry waits behind the one it is committing; by the time the writer comes
// to it, its deadline has passed: it is refused, not written.
TEST_P(SqlAuditLogTest, EntryWhoseDeadlinePassesWhileQueuedIsRefusedAndNotWritten) {
  auto blocker = log_->database().Acquire(Soon());
  ASSERT_TRUE(blocker.ok());
  ASSERT_TRUE((*blocker)->Begin(Soon()).ok());
  if (GetParam() == Engine::kPostgres) {
    ASSERT_TRUE(
        (*blocker)->Execute("LOCK TABLE audit_entries IN EXCLUSIVE MODE", {}, Soon()).ok());
  }
  absl::Notification first_done, second_done;
  absl::StatusOr<uint64_t> first, second;
  log_->AppendAsync(Access(0), Soon(), [&](absl::StatusOr<uint64_t> index) {
    first = std::move(index);
    first_done.Notify();
  });
  absl::SleepFor(absl::Milliseconds(200));  // the writer takes the first entry
  log_->AppendAsync(Access(1), absl::Now() + absl::Milliseconds(20),
                    [&](absl::StatusOr<uint64_t> index) {
                      second = std::move(index);
                      second_done.Notify();
                    });
  absl::SleepFor(absl::Milliseconds(100));
  (*blocker)->Rollback();
  first_done.WaitForNotification();
  second_done.WaitForNotification();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0u);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(common::ErrorReason(second.status()), "AUDIT_UNAVAILABLE");
  EXPECT_EQ(log_->size(), 1u);
  ExpectVerifies();
}

TEST_P(SqlAuditLogTest, MissingEntryStopsTheLogFromOpening) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log_->Append(Access(i), Soon()).ok());
  {
    auto lease = log_->database().Acquire(Soon());
    ASSERT_TRUE((*lease)->Execute("DELETE FROM audit_entries WHERE idx = 1", {}, Soon()).ok());
  }
  log_.reset();
  auto db = common::sql::Database::Open(store_, dir_.path(), "audit.store");
  auto log = SqlAuditLog::Open(std::move(*db), *TreeHeadSigner::FromPrivateKeyPem(key_pem_));
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("entry 1 is missing"));
}

TEST_P(SqlAuditLogTest, ListFiltersByPersonUserOrganisationTimeAndOutcomeWithPaging) {
  for (int i = 0; i < 30; ++i) {
    auto e = Access(i, i % 3 == 0 ? "9990000034" : "9990000018", i % 2 == 0 ? "u-even" : "u-odd",
                    i < 10 ? "ORG1" : "ORG2");
    if (i % 5 == 0) e.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
    ASSERT_TRUE(log_->Append(e, Soon()).ok());
  }
  uint64_t next = 0;
  AuditQuery q;
  q.nhs_number = "9990000034";
  EXPECT_EQ(log_->List(q, Soon(), &next)->size(), 10u);
  q = {};
  q.user_id = "u-odd";
  q.organisation = "ORG1";
  EXPECT_EQ(log_->List(q, Soon(), &next)->size(), 5u);
  q = {};
  q.outcome = caregate::v1::AUDIT_OUTCOME_DENY;
  EXPECT_EQ(log_->List(q, Soon(), &next)->size(), 6u);
  q = {};
  q.from_time = absl::FromUnixSeconds(1700000000 + 10);
  q.to_time = absl::FromUnixSeconds(1700000000 + 20);
  auto window = log_->List(q, Soon(), &next);
  ASSERT_EQ(window->size(), 10u);
  EXPECT_EQ(window->front().index(), 10u);
  // Paging: 30 entries in pages of 12.
  q = {};
  q.page_size = 12;
  std::vector<uint64_t> seen;
  do {
    auto page = log_->List(q, Soon(), &next);
    ASSERT_TRUE(page.ok());
    for (const auto& e : *page) seen.push_back(e.index());
    q.start_index = next;
  } while (next != 0);
  ASSERT_EQ(seen.size(), 30u);
  EXPECT_EQ(seen.back(), 29u);
}

TEST_P(SqlAuditLogTest, AccessReportProvesEveryEntryAboutThePerson) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(log_->Append(Access(i, i % 4 == 0 ? "9990000034" : "9990000018"), Soon()).ok());
  }
  auto report = log_->AccessReport("9990000034", Soon());
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(VerifyTreeHead(report->tree_head(), public_pem_).ok());
  ASSERT_EQ(report->entries_size(), 7);
  Hash root = *HashFromBytes(report->tree_head().root_hash(), "root");
  for (const auto& item : report->entries()) {
    EXPECT_EQ(item.entry().nhs_number(), "9990000034");
    // The client recomputes the leaf from the stored bytes, which say what
    // the entry says.
    EXPECT_EQ(item.entry_bytes(), EntryBytes(item.entry()));
    Hash leaf = LeafHash(item.entry_bytes());
    std::vector<Hash> path;
    for (const auto& h : item.inclusion_proof().audit_path())
      path.push_back(*HashFromBytes(h, "p"));
    EXPECT_TRUE(
        VerifyInclusion(item.entry().index(), report->tree_head().tree_size(), leaf, path, root)
            .ok());
  }
}

TEST_P(SqlAuditLogTest, EmergencyAccessReviewIsAnAuditEntryAndNeverSelfReview) {
  ASSERT_TRUE(log_->Append(Access(0), Soon()).ok());
  uint64_t a = *log_->Append(EmergencyAccessEntry(1, "u-gp-1"), Soon());
  uint64_t b = *log_->Append(EmergencyAccessEntry(2, "u-gp-2"), Soon());
  auto denied_emergency = EmergencyAccessEntry(3, "u-gp-3");
  denied_emergency.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
  ASSERT_TRUE(log_->Append(denied_emergency, Soon()).ok());

  uint64_t next;
  auto waiting =
      log_->EmergencyAccesses(caregate::v1::REVIEW_STATE_AWAITING_REVIEW, 0, 0, Soon(), &next);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  ASSERT_EQ(waiting->size(), 2u);

  caregate::v1::AuditActor officer;
  officer.set_user_id("u-po-1");
  officer.set_role("privacy_officer");
  caregate::v1::AuditActor self = officer;
  self.set_user_id("u-gp-1");
  auto own =
      log_->ReviewEmergencyAccess(a, caregate::v1::REVIEW_STATE_CLOSED, "fine", self, Soon());
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(common::ErrorReason(own.status()), "SELF_REVIEW_NOT_PERMITTED");

  auto escalated = log_->ReviewEmergencyAccess(b, caregate::v1::REVIEW_STATE_ESCALATED,
                                               "no attendance record", officer, Soon());
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(escalated->state(), caregate::v1::REVIEW_STATE_ESCALATED);
  EXPECT_EQ(escalated->reviewer_user_id(), "u-po-1");
  EXPECT_EQ(escalated->review_note(), "no attendance record");
  // The review is itself an audit entry.
  uint64_t review_index = escalated->review_audit_index();
  EXPECT_EQ(review_index, 4u);
  AuditQuery q;
  q.user_id = "u-po-1";
  auto reviews = log_->List(q, Soon(), &next);
  ASSERT_EQ(reviews->size(), 1u);
  EXPECT_EQ((*reviews)[0].action(), caregate::v1::AUDIT_ACTION_REVIEW_EMERGENCY_ACCESS);
  EXPECT_EQ((*reviews)[0].reviewed_audit_index(), b);

  auto closed = log_->ReviewEmergencyAccess(b, caregate::v1::REVIEW_STATE_CLOSED,
                                            "explained by the ward", officer, Soon());
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state(), caregate::v1::REVIEW_STATE_CLOSED);
  auto again =
      log_->ReviewEmergencyAccess(b, caregate::v1::REVIEW_STATE_ESCALATED, "x", officer, Soon());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  auto not_emergency =
      log_->ReviewEmergencyAccess(0, caregate::v1::REVIEW_STATE_CLOSED, "x", officer, Soon());
  EXPECT_EQ(not_emergency.status().code(), absl::StatusCode::kNotFound);
  auto no_note =
      log_->ReviewEmergencyAccess(a, caregate::v1::REVIEW_STATE_CLOSED, "", officer, Soon());
  EXPECT_EQ(no_note.status().code(), absl::StatusCode::kInvalidArgument);

  // Awaiting first, then the rest.
  auto all = log_->EmergencyAccesses(caregate::v1::REVIEW_STATE_UNSPECIFIED, 0, 0, Soon(), &next);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].access().index(), a);
  EXPECT_EQ((*all)[0].state(), caregate::v1::REVIEW_STATE_AWAITING_REVIEW);
  EXPECT_EQ((*all)[1].state(), caregate::v1::REVIEW_STATE_CLOSED);
  ExpectVerifies();
}

// What the gateway reads at start to restore the consent module's emergency
// allowances: permitted emergency accesses from a time on, with their tokens.
TEST_P(SqlAuditLogTest, EmergencyAccessesSinceATimeAreThePermittedOnesFromThen) {
  auto early = EmergencyAccessEntry(1, "u-gp-1");  // time 1700000001
  early.mutable_actor()->set_token_id("jti-early");
  auto late = EmergencyAccessEntry(5, "u-gp-1");  // time 1700000005
  late.mutable_actor()->set_token_id("jti-late");
  auto denied = EmergencyAccessEntry(6, "u-gp-2");
  denied.set_outcome(caregate::v1::AUDIT_OUTCOME_DENY);
  for (const auto& e : {early, Access(4), late, denied}) ASSERT_TRUE(log_->Append(e, Soon()).ok());
  auto since = log_->EmergencyAccessesSince(absl::FromUnixSeconds(1700000002), Soon());
  ASSERT_TRUE(since.ok()) << since.status();
  ASSERT_EQ(since->size(), 1u);
  EXPECT_EQ((*since)[0].actor().token_id(), "jti-late");
  EXPECT_EQ((*since)[0].index(), 2u);
  auto all = log_->EmergencyAccessesSince(absl::InfinitePast(), Soon());
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].actor().token_id(), "jti-early");
  // After a reopen (a restart) they are still there.
  Reopen();
  EXPECT_EQ(log_->EmergencyAccessesSince(absl::InfinitePast(), Soon())->size(), 2u);
}

TEST_P(SqlAuditLogTest, OnlyOneGatewaySequencesAPostgresLog) {
  if (GetParam() != Engine::kPostgres) GTEST_SKIP() << "PostgreSQL advisory lock only";
  ASSERT_TRUE(log_->Append(Access(0), Soon()).ok());
  SqlAuditLogOptions options;
  options.sequencer_wait = absl::Milliseconds(300);
  auto db = common::sql::Database::Open(store_, dir_.path(), "audit.store");
  ASSERT_TRUE(db.ok());
  auto second =
      SqlAuditLog::Open(std::move(*db), *TreeHeadSigner::FromPrivateKeyPem(key_pem_), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("another gateway is sequencing"));
  // Once the first lets go, the next one takes over where it stopped.
  Reopen();
  EXPECT_EQ(*log_->Append(Access(1), Soon()), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlAuditLogTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         testing::EngineName);

}  // namespace
}  // namespace caregate::consent::audit
