// The social care summary mapping, against both engines: SQLite and a real
// PostgreSQL server. Data goes in through the CLD import, as in production.

#include "adapters/council_sql/council_sql_source.h"

#include <atomic>
#include <sstream>
#include <thread>

#include "adapters/cld_csv/cld_import.h"
#include "adapters/cld_csv/cld_layout.h"
#include "adapters/council_sql/schema.h"
#include "adapters/council_sql/test_store.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"

namespace caregate::adapters::council_sql {
namespace {

using namespace caregate::adapters::cld_csv;  // column names
using testing::DefaultRow;
using testing::EventsCsv;
using testing::RowValues;
using testing::Soon;
using testing::With;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr const char* kContactsHeader =
    "Record Type,LA Person Unique Identifier,Identifier,Name,Role or Relationship,"
    "Support Roles,Key Worker or Main Carer,Team Identifier,Phone,Email,"
    "Lives With Person,Start Date,End Date,Plan Status,Last Updated,Next Review Date,"
    "Summary,Review Responsible\n";

// Today, for every test: 2026-06-15.
absl::Time Today() {
  return absl::FromCivil(absl::CivilSecond(2026, 6, 15, 12, 0, 0), absl::UTCTimeZone());
}

class CouncilSqlSourceTest : public ::testing::TestWithParam<common::sql::Engine> {
 protected:
  void SetUp() override {
    db_ = testing::OpenStore(GetParam(), dir_.path());
    ASSERT_NE(db_, nullptr);
    config_.set_council_ods_code("X99LA");
    config_.set_council_name("Example Council");
    config_.set_contact_phone("0191 000 0000");
    auto source = CouncilSqlSource::Create(config_, db_, &clock_);
    ASSERT_TRUE(source.ok()) << source.status();
    source_ = std::move(*source);
  }

  void Load(const std::vector<RowValues>& events, const std::string& contact_rows = "") {
    std::istringstream e(EventsCsv(events));
    std::istringstream c(std::string(kContactsHeader) + contact_rows);
    cld_csv::ImportInput input;
    input.events = &e;
    input.contacts = &c;
    auto stats = cld_csv::ImportCld(input, *db_, Soon());
    ASSERT_TRUE(stats.ok()) << stats.status();
  }

  SourceRequest Request(const std::string& nhs = "9990000018") {
    SourceRequest r;
    r.nhs_number = nhs;
    r.deadline = Soon();
    return r;
  }

  caregate::v1::SocialCareSummary Summary(const std::string& nhs = "9990000018") {
    auto s = source_->GetSocialCareSummary(Request(nhs));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : caregate::v1::SocialCareSummary();
  }

  caregate::testing::TempDir dir_;
  std::shared_ptr<common::sql::Database> db_;
  common::FakeClock clock_{Today()};
  caregate::config::v1::CouncilSqlConfig config_;
  std::unique_ptr<CouncilSqlSource> source_;
};

TEST_P(CouncilSqlSourceTest, MapsDemographicsAndCouncil) {
  Load({With(DefaultRow(), {{kGivenName, "Margaret Rose"}})});
  auto s = Summary();
  EXPECT_EQ(s.la_person_id(), "P1");
  EXPECT_EQ(s.demographics().nhs_number(), "9990000018");
  EXPECT_THAT(s.demographics().given_names(), ElementsAre("Margaret", "Rose"));
  EXPECT_EQ(s.demographics().family_name(), "Hall");
  EXPECT_EQ(s.demographics().date_of_birth(), "1940-03-02");
  EXPECT_EQ(s.demographics().age_years(), 86u);
  EXPECT_EQ(s.demographics().gender(), caregate::v1::ADMINISTRATIVE_GENDER_FEMALE);
  EXPECT_EQ(s.demographics().postcode(), "NE1 4AB");
  EXPECT_EQ(s.demographics().registered_practice_code(), "A99001");
  EXPECT_TRUE(s.demographics().date_of_death().empty());
  EXPECT_EQ(s.responsible_local_authority().ods_code(), "X99LA");
  EXPECT_EQ(s.responsible_local_authority().name(), "Example Council");
  EXPECT_EQ(s.primary_support_reason(), "Physical Support: Personal care support");
  EXPECT_EQ(s.has_unpaid_carer(), "Yes");
}

TEST_P(CouncilSqlSourceTest, NoPlanGivesNoPlanInPlace) {
  Load({DefaultRow()});
  auto s = Summary();
  EXPECT_EQ(s.care_plan().status(), caregate::v1::CARE_PLAN_STATUS_NO_PLAN_IN_PLACE);
  EXPECT_NE(s.care_plan().status(), caregate::v1::CARE_PLAN_STATUS_NOT_SHARED);
  EXPECT_TRUE(s.care_plan().plan_id().empty());
}

TEST_P(CouncilSqlSourceTest, PlanStatusActiveReviewDueDraftAndEnded) {
  RowValues p2 = With(DefaultRow(), {{kNhsNumber, "9990000026"}, {kLaPersonId, "P2"},
                                     {kEventReference, "S-P2"}});
  RowValues p3 = With(DefaultRow(), {{kNhsNumber, "9990000034"}, {kLaPersonId, "P3"},
                                     {kEventReference, "S-P3"}});
  RowValues p4 = With(DefaultRow(), {{kNhsNumber, "9990000042"}, {kLaPersonId, "P4"},
                                     {kEventReference, "S-P4"}});
  Load({DefaultRow(), p2, p3, p4},
       "Care Plan,P1,PL1,,,,,,,,,2026-01-01,,active,2026-01-05,2026-12-01,At home,Sam\n"
       "Care Plan,P1,PL0,,,,,,,,,2024-01-01,2025-12-31,ended,,,,\n"
       "Care Plan,P2,PL2,,,,,,,,,2025-01-01,,active,,2026-06-14,,\n"
       "Care Plan,P3,PL3,,,,,,,,,2026-06-01,,draft,,,,\n"
       "Care Plan,P4,PL4,,,,,,,,,2024-01-01,2026-06-14,active,,,,\n");
  auto s1 = Summary("9990000018");
  EXPECT_EQ(s1.care_plan().status(), caregate::v1::CARE_PLAN_STATUS_ACTIVE);
  EXPECT_EQ(s1.care_plan().plan_id(), "PL1");
  EXPECT_EQ(s1.care_plan().next_review_due(), "2026-12-01");
  EXPECT_EQ(s1.care_plan().funding_source(), "Fully social care funded");
  EXPECT_EQ(Summary("9990000026").care_plan().status(),
            caregate::v1::CARE_PLAN_STATUS_REVIEW_DUE);
  EXPECT_EQ(Summary("9990000034").care_plan().status(), caregate::v1::CARE_PLAN_STATUS_DRAFT);
  EXPECT_EQ(Summary("9990000042").care_plan().status(), caregate::v1::CARE_PLAN_STATUS_ENDED);
}

// Dates in the council's records are dates in England: half an hour after
// midnight in British Summer Time (still the day before in UTC), a service
// that ended yesterday is no longer current and a birthday today counts.
TEST_P(CouncilSqlSourceTest, TodayIsTheDateInEngland) {
  Load({With(DefaultRow(), {{kDateOfBirth, "1950-06-16"},
                            {kEventReference, "ENDED-YESTERDAY"},
                            {kEventEndDate, "2026-06-15"}}),
        With(DefaultRow(), {{kDateOfBirth, "1950-06-16"},
                            {kEventReference, "ENDS-TODAY"},
                            {kEventEndDate, "2026-06-16"}})});
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 6, 15, 23, 30, 0), absl::UTCTimeZone()));
  auto s = Summary();
  std::vector<std::string> refs;
  for (const auto& svc : s.services()) refs.push_back(svc.event_reference());
  EXPECT_THAT(refs, ElementsAre("ENDS-TODAY"));
  EXPECT_EQ(s.demographics().age_years(), 76u);
}

TEST_P(CouncilSqlSourceTest, EndedServiceIsNotCurrent) {
  Load({With(DefaultRow(), {{kEventReference, "ENDED"}, {kEventEndDate, "2026-06-14"}}),
        With(DefaultRow(), {{kEventReference, "ENDS-TODAY"}, {kEventEndDate, "2026-06-15"}}),
        With(DefaultRow(), {{kEventReference, "ONGOING"}, {kEventStartDate, "2026-02-01"}}),
        With(DefaultRow(), {{kEventReference, "DP"},
                            {kServiceComponent, "Direct payment"},
                            {kDeliveryMechanism, "Direct payment"},
                            {kUnitCost, "180.50"},
                            {kCostFrequency, "Weekly"},
                            {kPlannedUnitsPerWeek, "1"},
                            {kDirectPaymentManagedBy, "Person"},
                            {kEventStartDate, "2026-03-01"}})});
  auto s = Summary();
  std::vector<std::string> refs;
  for (const auto& svc : s.services()) refs.push_back(svc.event_reference());
  EXPECT_THAT(refs, ElementsAre("ENDS-TODAY", "ONGOING", "DP"));
  EXPECT_EQ(s.services(0).service_type(), "Long term support: Community");
  EXPECT_EQ(s.services(0).service_component(), "Home support or domiciliary care");
  EXPECT_EQ(s.services(0).delivery_mechanism(), "CASSR commissioned support");
  EXPECT_EQ(s.services(0).provider_name(), "Tyneside Home Care");
  EXPECT_DOUBLE_EQ(s.services(0).planned_units_per_week(), 10.5);
  EXPECT_EQ(s.services(0).unit_type(), "Hourly");
  ASSERT_EQ(s.direct_payments_size(), 1);
  EXPECT_EQ(s.direct_payments(0).event_reference(), "DP");
  EXPECT_DOUBLE_EQ(s.direct_payments(0).amount(), 180.5);
  EXPECT_EQ(s.direct_payments(0).frequency(), "Weekly");
  EXPECT_EQ(s.direct_payments(0).managed_by(), "Person");
}

TEST_P(CouncilSqlSourceTest, SeveralWorkersKeyWorkerFirst) {
  Load({DefaultRow()},
       "Team,,T1,Older People North,,,,,0191 000 0001,opn@x99la.example,,,,,,,,\n"
       "Team,,T2,Reablement,,,,,0191 000 0009,reab@x99la.example,,,,,,,,\n"
       "Worker,,W1,Alex Brown,Occupational Therapist,,,T2,0191 000 0002,alex@x99la.example,,,,,,,,\n"
       "Worker,,W2,Sam Patel,Social Worker,,,T1,0191 000 0003,sam@x99la.example,,,,,,,,\n"
       "Worker,,W3,Old Worker,Social Worker,,,T1,,,,,,,,,,\n"
       "Allocation,P1,W1,,,,No,T2,,,,2025-01-01,,,,,,\n"
       "Allocation,P1,W2,,,,Yes,,,,,2026-02-01,,,,,,\n"
       "Allocation,P1,W3,,,,Yes,,,,,2024-01-01,2026-01-31,,,,,\n");
  auto s = Summary();
  ASSERT_EQ(s.allocated_workers_size(), 2);
  EXPECT_EQ(s.allocated_workers(0).name(), "Sam Patel");
  EXPECT_TRUE(s.allocated_workers(0).key_worker());
  EXPECT_EQ(s.allocated_workers(0).role(), "Social Worker");
  EXPECT_EQ(s.allocated_workers(0).team(), "Older People North");
  EXPECT_EQ(s.allocated_workers(0).phone(), "0191 000 0003");
  EXPECT_EQ(s.allocated_workers(0).email(), "sam@x99la.example");
  EXPECT_EQ(s.allocated_workers(0).team_phone(), "0191 000 0001");
  EXPECT_EQ(s.allocated_workers(1).name(), "Alex Brown");
  EXPECT_FALSE(s.allocated_workers(1).key_worker());
  EXPECT_EQ(s.allocated_workers(1).team(), "Reablement");
  EXPECT_EQ(s.responsible_local_authority().team(), "Older People North");

  auto rel = source_->GetRelationship(Request());
  ASSERT_TRUE(rel.ok()) << rel.status();
  EXPECT_TRUE(rel->known);
  EXPECT_TRUE(rel->open_case);
  EXPECT_EQ(rel->council_code, "X99LA");
  EXPECT_EQ(rel->gp_practice_code, "A99001");
  EXPECT_THAT(rel->allocated_teams, UnorderedElementsAre("T1", "T2"));
  EXPECT_THAT(rel->allocated_worker_ids, UnorderedElementsAre("W1", "W2"));
}

TEST_P(CouncilSqlSourceTest, KnownButNoCurrentAllocationIsNotAnOpenCase) {
  Load({DefaultRow()}, "Allocation,P1,W3,,,,Yes,T1,,,,2024-01-01,2026-01-31,,,,,\n");
  auto rel = source_->GetRelationship(Request());
  ASSERT_TRUE(rel.ok());
  EXPECT_TRUE(rel->known);
  EXPECT_FALSE(rel->open_case);
  EXPECT_TRUE(rel->allocated_teams.empty());
  EXPECT_TRUE(Summary().allocated_workers().empty());
}

TEST_P(CouncilSqlSourceTest, MainCarerFirstAmongSeveralContacts) {
  Load({DefaultRow()},
       "Personal Contact,P1,C1,Brian Hall,Son,NOK,No,,07700 900001,,No,2020-01-01,,,,,,\n"
       "Personal Contact,P1,C2,Ann Hall,Daughter,CAR,Yes,,07700 900002,ann@example.org,Yes,2021-01-01,,,,,,\n"
       "Personal Contact,P1,C3,Cathy Old,Friend,EC,No,,,,No,2019-01-01,2025-01-01,,,,,\n"
       "Personal Contact,P1,C4,Dan Lee,Neighbour,KH,No,,,,No,2018-01-01,,,,,,\n");
  auto s = Summary();
  ASSERT_EQ(s.personal_contacts_size(), 3);
  EXPECT_EQ(s.personal_contacts(0).name(), "Ann Hall");
  EXPECT_TRUE(s.personal_contacts(0).main_carer());
  EXPECT_THAT(s.personal_contacts(0).support_roles(), ElementsAre("CAR", "MC"));
  EXPECT_EQ(s.personal_contacts(0).relationship(), "Daughter");
  EXPECT_EQ(s.personal_contacts(0).phone(), "07700 900002");
  EXPECT_EQ(s.personal_contacts(0).email(), "ann@example.org");
  EXPECT_TRUE(s.personal_contacts(0).lives_with_person());
  EXPECT_FALSE(s.personal_contacts(1).main_carer());
  EXPECT_FALSE(s.personal_contacts(2).main_carer());
}

// The gateway builds the summary on its call's arena: the reading fills the
// message it is given (clearing what was there) exactly as the heap
// convenience does, and leaves it empty when the reading fails part-way.
TEST_P(CouncilSqlSourceTest, SummaryIntoAnArenaMessageOrNothing) {
  RowValues p2 = With(DefaultRow(), {{kNhsNumber, "9990000026"}, {kLaPersonId, "P2"},
                                     {kEventReference, "S-P2"}});
  Load({DefaultRow(), p2},
       "Allocation,P1,W1,,,,Yes,T1,,,,2026-01-01,,,,,,\n"
       "Personal Contact,P1,C1,Brian Hall,Son,NOK,No,,07700 900001,,No,2020-01-01,,,,,,\n"
       "Personal Contact,P1,C2,Ann Hall,Daughter,CAR,Yes,,07700 900002,,Yes,2021-01-01,,,,,,\n");
  const caregate::v1::SocialCareSummary heap = Summary();
  ASSERT_EQ(heap.personal_contacts_size(), 2);

  google::protobuf::Arena arena;
  auto* out = google::protobuf::Arena::CreateMessage<caregate::v1::SocialCareSummary>(&arena);
  out->set_la_person_id("left over");
  out->add_services()->set_provider_name("left over");
  auto reading = source_->StartReading(Request());
  ASSERT_TRUE(reading.ok()) << reading.status();
  ASSERT_TRUE((*reading)->SummaryInto(out).ok());
  EXPECT_EQ(out->SerializeAsString(), heap.SerializeAsString());

  // A summary whose rows must still be read after the deadline: nothing.
  SourceRequest soon = Request("9990000026");
  soon.deadline = absl::Now() + absl::Milliseconds(200);
  auto late = source_->StartReading(soon);
  ASSERT_TRUE(late.ok()) << late.status();
  absl::SleepFor(absl::Milliseconds(300));
  absl::Status s = (*late)->SummaryInto(out);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(out->ByteSizeLong(), 0u);
}

// Readings remember a person's rows per store connection (SQLite); an import
// must show in the very next reading, whether it came through this source's
// own connections or another's (another importer on the same file).
TEST_P(CouncilSqlSourceTest, AnImportShowsInTheNextReading) {
  Load({DefaultRow()});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Summary().services(0).provider_name(), "Tyneside Home Care");
  }
  Load({With(DefaultRow(),
             {{kProviderName, "Wear Valley Care"}, {kFamilyName, "Hall-Smith"}})});
  for (int i = 0; i < 2; ++i) {
    auto s = Summary();
    EXPECT_EQ(s.services(0).provider_name(), "Wear Valley Care");
    EXPECT_EQ(s.demographics().family_name(), "Hall-Smith");
  }

  if (GetParam() != common::sql::Engine::kSqlite) return;
  auto importer = testing::OpenStore(GetParam(), dir_.path());
  ASSERT_NE(importer, nullptr);
  std::istringstream events(
      EventsCsv({With(DefaultRow(), {{kProviderName, "Tees Home Support"}})}));
  std::istringstream contacts(kContactsHeader);
  cld_csv::ImportInput input;
  input.events = &events;
  input.contacts = &contacts;
  ASSERT_TRUE(cld_csv::ImportCld(input, *importer, Soon()).ok());
  EXPECT_EQ(Summary().services(0).provider_name(), "Tees Home Support");
}

// What is remembered are the rows; what is current is decided on each
// reading's own date.
TEST_P(CouncilSqlSourceTest, ARememberedRecordIsMappedOnTheDayItIsRead) {
  Load({With(DefaultRow(), {{kEventEndDate, "2026-06-20"}})},
       "Allocation,P1,W1,,,,Yes,T1,,,,2026-01-01,2026-06-20,,,,,\n");
  auto before = Summary();
  EXPECT_EQ(before.services_size(), 1);
  EXPECT_EQ(before.allocated_workers_size(), 1);
  EXPECT_EQ(before.demographics().age_years(), 86u);
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 3, 2, 12, 0, 0), absl::UTCTimeZone()));
  auto after = Summary();
  EXPECT_TRUE(after.services().empty());
  EXPECT_TRUE(after.allocated_workers().empty());
  EXPECT_EQ(after.demographics().age_years(), 87u);
}

TEST_P(CouncilSqlSourceTest, DeceasedPerson) {
  Load({With(DefaultRow(), {{kDateOfDeath, "2026-05-01"}, {kEventEndDate, "2026-05-01"},
                            {kEventOutcome, "NFA: Deceased"}})},
       "Care Plan,P1,PL1,,,,,,,,,2026-01-01,,active,,2026-12-01,,\n");
  auto s = Summary();
  EXPECT_EQ(s.demographics().date_of_death(), "2026-05-01");
  EXPECT_EQ(s.demographics().age_years(), 86u);  // age at death
  EXPECT_TRUE(s.services().empty());
  EXPECT_TRUE(s.direct_payments().empty());
  EXPECT_EQ(s.care_plan().status(), caregate::v1::CARE_PLAN_STATUS_ENDED);
}

TEST_P(CouncilSqlSourceTest, UnknownPersonIsNotFound) {
  Load({DefaultRow()});
  auto s = source_->GetSocialCareSummary(Request("9990000069"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(common::ErrorReason(s.status()), common::kReasonPatientNotFound);
  EXPECT_EQ(s.status().message().find("9990000069"), absl::string_view::npos);
  auto rel = source_->GetRelationship(Request("9990000069"));
  ASSERT_FALSE(rel.ok());
  EXPECT_EQ(rel.status().code(), absl::StatusCode::kNotFound);
}

TEST_P(CouncilSqlSourceTest, ManyThreadsAtOnce) {
  Load({DefaultRow()}, "Allocation,P1,W1,,,,Yes,T1,,,,2026-01-01,,,,,,\n");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto s = source_->GetSocialCareSummary(Request());
        auto rel = source_->GetRelationship(Request());
        if (s.ok() && rel.ok() && s->la_person_id() == "P1" && rel->open_case) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
}

TEST_P(CouncilSqlSourceTest, PassedDeadlineIsDeadlineExceeded) {
  Load({DefaultRow()});
  SourceRequest r = Request();
  r.deadline = absl::Now() - absl::Seconds(1);
  auto s = source_->GetSocialCareSummary(r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDeadlineExceeded);
}

// A council that provides the schema as views over its own tables: opening
// the store creates nothing over them, and summaries read through the views.
class CouncilViewsTest : public ::testing::TestWithParam<common::sql::Engine> {};

TEST_P(CouncilViewsTest, ReadsThroughCouncilViews) {
  caregate::testing::TempDir dir;
  auto db = testing::OpenStore(GetParam(), dir.path(), /*create_schema=*/false);
  ASSERT_NE(db, nullptr);
  {
    auto lease = db->Acquire(Soon());
    ASSERT_TRUE(lease.ok());
    std::string ddl(CouncilSchemaSql());
    // The council's own tables, named cms_*, and the schema as views.
    for (size_t at = 0; (at = ddl.find("council_", at)) != std::string::npos;) {
      ddl.replace(at, 8, "cms_");
    }
    ASSERT_TRUE((*lease)->ExecuteScript(ddl, Soon()).ok());
    for (absl::string_view name : CouncilRelationNames()) {
      std::string base = absl::StrCat("cms_", name.substr(8));
      ASSERT_TRUE((*lease)
                      ->ExecuteScript(absl::StrCat("CREATE VIEW ", name, " AS SELECT * FROM ",
                                                   base),
                                      Soon())
                      .ok());
    }
    ASSERT_TRUE((*lease)
                    ->Execute("INSERT INTO cms_person (la_person_id, la_code, nhs_number,"
                              " date_of_birth, gender, gp_practice_code) VALUES"
                              " (?, ?, ?, ?, ?, ?)",
                              {common::sql::Value::Text("M1"), common::sql::Value::Text("X99LA"),
                               common::sql::Value::Text("9990000018"),
                               common::sql::Value::Text("1950-01-01"),
                               common::sql::Value::Text("Male"),
                               common::sql::Value::Text("A99002")},
                              Soon())
                    .ok());
  }
  common::FakeClock clock(Today());
  caregate::config::v1::CouncilSqlConfig config;
  auto source = CouncilSqlSource::Create(config, db, &clock);
  ASSERT_TRUE(source.ok()) << source.status();
  SourceRequest r;
  r.nhs_number = "9990000018";
  r.deadline = Soon();
  auto s = (*source)->GetSocialCareSummary(r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->la_person_id(), "M1");
  EXPECT_EQ(s->demographics().registered_practice_code(), "A99002");
  EXPECT_EQ(s->responsible_local_authority().ods_code(), "X99LA");
  EXPECT_EQ(s->care_plan().status(), caregate::v1::CARE_PLAN_STATUS_NO_PLAN_IN_PLACE);
}

INSTANTIATE_TEST_SUITE_P(Engines, CouncilViewsTest,
                         ::testing::Values(common::sql::Engine::kSqlite,
                                           common::sql::Engine::kPostgres),
                         testing::EngineName);

INSTANTIATE_TEST_SUITE_P(Engines, CouncilSqlSourceTest,
                         ::testing::Values(common::sql::Engine::kSqlite,
                                           common::sql::Engine::kPostgres),
                         testing::EngineName);

// The seam's contract: a store that cannot be reached is UNAVAILABLE (and
// the source recovers when it comes back).
TEST(CouncilStoreDownTest, UnreachableStoreIsUnavailable) {
  auto server = caregate::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto conninfo = (*server)->CreateDatabase();
  ASSERT_TRUE(conninfo.ok());
  caregate::config::v1::CouncilSqlConfig config;
  config.mutable_store()->mutable_postgres()->set_conninfo(*conninfo);
  config.mutable_store()->mutable_postgres()->set_pool_size(1);
  common::FakeClock clock(Today());
  auto source = CouncilSqlSource::Create(config, "", &clock);
  ASSERT_TRUE(source.ok()) << source.status();
  SourceRequest r;
  r.nhs_number = "9990000018";
  r.deadline = Soon();
  EXPECT_EQ((*source)->GetSocialCareSummary(r).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*server)->Stop().ok());
  auto down = (*source)->GetSocialCareSummary(r);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  EXPECT_EQ((*source)->GetRelationship(r).status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE((*server)->Restart().ok());
  absl::StatusCode back = absl::StatusCode::kUnknown;
  for (int i = 0; i < 3 && back != absl::StatusCode::kNotFound; ++i) {
    back = (*source)->GetSocialCareSummary(r).status().code();
  }
  EXPECT_EQ(back, absl::StatusCode::kNotFound);
}

TEST(CreateSocialCareSourceTest, BuildsTheConfiguredSourceOrRefuses) {
  caregate::testing::TempDir dir;
  caregate::config::v1::CaregateConfig config;
  config.set_data_dir(dir.path());
  caregate::config::v1::SocialCareSourceConfig sc;
  auto none = CreateSocialCareSource(sc, config);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  sc.mutable_council_sql()->mutable_store()->mutable_sqlite()->set_path("council.db");
  auto source = CreateSocialCareSource(sc, config);
  ASSERT_TRUE(source.ok()) << source.status();
  SourceRequest r;
  r.nhs_number = "9990000018";
  r.deadline = Soon();
  EXPECT_EQ((*source)->GetSocialCareSummary(r).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace caregate::adapters::council_sql
