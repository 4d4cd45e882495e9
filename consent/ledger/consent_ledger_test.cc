// The consent ledger on every backend: SQLite, PostgreSQL (a real server) and
// the in-memory one — append-only, versioned, hash-linked, audited inside the
// transaction.
#include "consent/ledger/consent_ledger.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "consent/ledger/sql_consent_ledger.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace caregate::consent::ledger {
namespace {

namespace v1 = caregate::v1;
using common::sql::Value;

constexpr char kNhs[] = "9434765919";
constexpr char kOther[] = "9434765870";

absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

enum class Backend { kMemory, kSqlite, kPostgres };

ConsentFact Fact(const std::string& nhs, v1::ConsentDecision decision,
                 v1::SharingDirection dir = v1::SHARING_DIRECTION_GP_TO_SOCIAL_CARE) {
  ConsentFact f;
  f.set_nhs_number(nhs);
  f.set_direction(dir);
  f.set_decision(decision);
  f.mutable_decided_by()->set_kind(v1::DECISION_MAKER_KIND_PERSON);
  f.set_method(v1::RECORDING_METHOD_ELECTRONIC);
  f.set_valid_from("2026-01-01");
  return f;
}

class LedgerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      ledger_ = std::make_unique<MemoryConsentLedger>();
      return;
    }
    if (GetParam() == Backend::kSqlite) {
      store_.mutable_sqlite()->set_path("consent.db");
    } else {
      auto pg = caregate::testing::PostgresServer::Shared();
      ASSERT_TRUE(pg.ok()) << pg.status();
      auto conninfo = (*pg)->CreateDatabase();
      ASSERT_TRUE(conninfo.ok()) << conninfo.status();
      store_.mutable_postgres()->set_conninfo(*conninfo);
      store_.mutable_postgres()->set_pool_size(4);
    }
    auto l = SqlConsentLedger::Open(store_, dir_.path());
    ASSERT_TRUE(l.ok()) << l.status();
    sql_ = l->get();
    ledger_ = *std::move(l);
  }

  absl::StatusOr<ConsentFact> Append(const ConsentFact& f) {
    return ledger_->Append(
        f,
        [this](const ConsentFact& stored) -> absl::StatusOr<uint64_t> {
          audited_versions_.push_back(stored.version());
          return next_audit_index_++;
        },
        Soon());
  }

  caregate::testing::TempDir dir_;
  caregate::config::v1::StoreConfig store_;
  std::unique_ptr<ConsentLedger> ledger_;
  SqlConsentLedger* sql_ = nullptr;
  std::vector<uint64_t> audited_versions_;
  uint64_t next_audit_index_ = 100;
};

TEST_P(LedgerTest, VersionsAreHashLinkedPerPerson) {
  auto a = Append(Fact(kNhs, v1::CONSENT_DECISION_PERMIT));
  auto b = Append(Fact(kOther, v1::CONSENT_DECISION_DISSENT));
  auto c = Append(Fact(kNhs, v1::CONSENT_DECISION_WITHDRAWN));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.status() << b.status() << c.status();
  EXPECT_EQ(a->version(), 1u);
  EXPECT_EQ(b->version(), 1u);
  EXPECT_EQ(c->version(), 2u);
  EXPECT_EQ(a->previous_hash(), std::string(32, '\0'));
  EXPECT_EQ(c->previous_hash(), a->hash());
  EXPECT_EQ(c->hash(), FactHash(*c));
  EXPECT_EQ(c->audit_index(), 102u);

  auto history = ledger_->History(kNhs, Soon());
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ((*history)->size(), 2u);
  EXPECT_EQ((**history)[0].decision(), v1::CONSENT_DECISION_PERMIT);
  EXPECT_EQ((**history)[1].SerializeAsString(), c->SerializeAsString());
  EXPECT_EQ(*ledger_->LatestVersion(kNhs, Soon()), 2u);
  EXPECT_EQ(*ledger_->LatestVersion("9000000009", Soon()), 0u);
  EXPECT_TRUE((*ledger_->History("9000000009", Soon()))->empty());

  ConsentStatus status = EvaluateStatus(**history, absl::Now());
  EXPECT_EQ(status.version(), 2u);
  EXPECT_EQ(status.directions(0).state(), v1::CONSENT_STATE_NONE);
}

TEST_P(LedgerTest, NothingIsStoredWhenTheAuditFails) {
  auto r = ledger_->Append(
      Fact(kNhs, v1::CONSENT_DECISION_PERMIT),
      [](const ConsentFact&) -> absl::StatusOr<uint64_t> {
        return common::WithReason(absl::UnavailableError("audit down"),
                                  common::kReasonAuditUnavailable);
      },
      Soon());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*ledger_->LatestVersion(kNhs, Soon()), 0u);
  auto ok = Append(Fact(kNhs, v1::CONSENT_DECISION_PERMIT));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->version(), 1u);
}

TEST_P(LedgerTest, ConcurrentAppendsForOnePersonGetContiguousVersions) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = ledger_->Append(
            Fact(kNhs, v1::CONSENT_DECISION_PERMIT),
            [](const ConsentFact&) { return absl::StatusOr<uint64_t>(0); }, Soon());
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto history = ledger_->History(kNhs, Soon());
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ((*history)->size(), 20u);
}

// Readers running beside appends: every read is a whole, verified history, a
// reader never sees the version go back, and once the appends are done every
// read sees all of them (a SQLite ledger remembers histories; this is what
// proves it forgets them at the right time).
TEST_P(LedgerTest, ReadsBesideAppendsSeeEveryCommittedChange) {
  ASSERT_TRUE(Append(Fact(kNhs, v1::CONSENT_DECISION_PERMIT)).ok());
  ASSERT_EQ((*ledger_->History(kNhs, Soon()))->size(), 1u);
  std::atomic<bool> appending{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      uint64_t seen = 0;
      while (appending.load()) {
        auto history = ledger_->History(kNhs, Soon());
        auto latest = ledger_->LatestVersion(kNhs, Soon());
        if (!history.ok() || !latest.ok() || (*history)->empty() ||
            (*history)->back().version() != (*history)->size() || *latest < seen ||
            (*history)->size() < seen) {
          ++failures;
        }
        if (latest.ok()) seen = std::max<uint64_t>(seen, *latest);
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ledger_
                    ->Append(Fact(kNhs, i % 2 == 1 ? v1::CONSENT_DECISION_WITHDRAWN
                                                   : v1::CONSENT_DECISION_PERMIT),
                             [](const ConsentFact&) { return absl::StatusOr<uint64_t>(1); },
                             Soon())
                    .ok());
    EXPECT_EQ(*ledger_->LatestVersion(kNhs, Soon()), i + 2u);
  }
  appending = false;
  for (auto& r : readers) r.join();
  EXPECT_EQ(failures.load(), 0);
  auto history = ledger_->History(kNhs, Soon());
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ((*history)->size(), 11u);
  EXPECT_EQ((*history)->back().decision(), v1::CONSENT_DECISION_WITHDRAWN);
  EXPECT_EQ(*ledger_->LatestVersion(kNhs, Soon()), 11u);
}

TEST_P(LedgerTest, StoredFactsCannotBeChangedOrRemoved) {
  if (GetParam() == Backend::kMemory) GTEST_SKIP() << "SQL triggers only";
  ASSERT_TRUE(Append(Fact(kNhs, v1::CONSENT_DECISION_DISSENT)).ok());
  {
    // A SQLite ledger has one connection: give it back before reading.
    auto lease = sql_->database()->Acquire(Soon());
    ASSERT_TRUE(lease.ok());
    EXPECT_FALSE((*lease)->Execute("UPDATE consent_facts SET direction = 2", {}, Soon()).ok());
    EXPECT_FALSE((*lease)->Execute("DELETE FROM consent_facts", {}, Soon()).ok());
  }
  EXPECT_EQ(*ledger_->LatestVersion(kNhs, Soon()), 1u);
}

TEST_P(LedgerTest, TamperingBehindTheTriggersIsDetected) {
  auto first = Append(Fact(kNhs, v1::CONSENT_DECISION_DISSENT));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Append(Fact(kNhs, v1::CONSENT_DECISION_DISSENT)).ok());
  ConsentFact forged = *first;
  forged.set_decision(v1::CONSENT_DECISION_PERMIT);
  if (GetParam() == Backend::kMemory) {
    *static_cast<MemoryConsentLedger*>(ledger_.get())->MutableFactForTest(kNhs, 0) = forged;
  } else {
    auto lease = sql_->database()->Acquire(Soon());
    ASSERT_TRUE(lease.ok());
    const bool pg = GetParam() == Backend::kPostgres;
    ASSERT_TRUE((*lease)
                    ->ExecuteScript(pg ? "ALTER TABLE consent_facts DISABLE TRIGGER USER"
                                       : "DROP TRIGGER consent_facts_no_update",
                                    Soon())
                    .ok());
    ASSERT_TRUE((*lease)
                    ->Execute("UPDATE consent_facts SET fact = ? WHERE nhs_number = ? AND "
                              "version = 1",
                              {Value::Blob(forged.SerializeAsString()), Value::Text(kNhs)}, Soon())
                    .ok());
  }
  auto history = ledger_->History(kNhs, Soon());
  EXPECT_EQ(history.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(common::ErrorReason(history.status()), common::kReasonConsentLedgerCorrupt);
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) {
                           switch (info.param) {
                             case Backend::kMemory:
                               return "Memory";
                             case Backend::kSqlite:
                               return "Sqlite";
                             default:
                               return "Postgres";
                           }
                         });

TEST(SqliteLedgerTest, SurvivesReopening) {
  caregate::testing::TempDir dir;
  caregate::config::v1::StoreConfig store;
  store.mutable_sqlite()->set_path("ledger/consent.db");
  {
    auto l = SqlConsentLedger::Open(store, dir.path());
    ASSERT_TRUE(l.ok()) << l.status();
    ASSERT_TRUE((*l)->Append(
                        Fact(kNhs, v1::CONSENT_DECISION_PERMIT),
                        [](const ConsentFact&) { return absl::StatusOr<uint64_t>(7); }, Soon())
                    .ok());
  }
  auto l = SqlConsentLedger::Open(store, dir.path());
  ASSERT_TRUE(l.ok()) << l.status();
  // The file belongs to this ledger while it is open: a second ledger on it
  // is refused, so nothing can change the histories this one remembers.
  auto second = SqlConsentLedger::Open(store, dir.path());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr("consent.store: the SQLite file is in use"));
  auto history = (*l)->History(kNhs, Soon());
  ASSERT_TRUE(history.ok());
  ASSERT_EQ((*history)->size(), 1u);
  EXPECT_EQ((**history)[0].audit_index(), 7u);
}

}  // namespace
}  // namespace caregate::consent::ledger
